"""`bioatlas import transparence-sante FILE`: the Transparence-Santé connector's command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bioatlas.core.commands import session_factory
from bioatlas.sources.transparence_sante import TsFileError
from bioatlas.sources.transparence_sante_load import import_transparence_sante


def register(import_app: typer.Typer, console: Console) -> None:
    @import_app.command("transparence-sante")
    def import_ts_command(
        path: Annotated[Path, typer.Argument(help="Transparence-Santé companies CSV (entreprises.csv)")],
        dry_run: Annotated[bool, typer.Option(help="read and compare everything, write nothing")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    ) -> None:
        """Import health-product companies from Transparence-Santé: country, sector, head office.
        Re-running changes nothing."""
        factory = session_factory()
        try:
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task("Transparence-Santé companies", total=None)
                report = import_transparence_sante(
                    factory, path, dry_run=dry_run, progress=lambda n: progress.advance(task, n))
        except TsFileError as exc:
            console.print(f"[red]error:[/red] {exc}\nnothing was written")
            raise typer.Exit(2) from None
        if as_json:
            print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
            return
        console.print(
            f"[bold]{path.name}[/bold]{' (dry run)' if dry_run else ''}: read {report.read}, "
            f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
            f"rejected {report.rejected}, located {report.located}, warnings {len(report.warnings)}"
        )
        table = Table("sector", "companies")
        for code, n in report.by_sector.most_common():
            table.add_row(code, str(n))
        console.print(table)
        for error in report.errors[:50]:
            console.print(f"[yellow]rejected[/yellow] {error}")
        for warning in report.warnings[:20]:
            console.print(f"[yellow]warning[/yellow] {warning}")

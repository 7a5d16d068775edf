"""`bioatlas import irep FILE`: the IREP connector's command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bioatlas.core.commands import session_factory
from bioatlas.sources.irep import IrepFileError, naf_filter
from bioatlas.sources.irep_load import import_irep


def register(import_app: typer.Typer, console: Console) -> None:
    @import_app.command("irep")
    def import_irep_command(
        path: Annotated[Path, typer.Argument(help="IREP establishments CSV (Géorisques export, e.g. irep-etablissements-2015.csv)")],
        naf: Annotated[list[str], typer.Option("--naf", help="NAF codes to keep, e.g. 21.10Z,21.20Z,72.11Z (default: all)")] = [],
        dry_run: Annotated[bool, typer.Option(help="read and compare everything, write nothing")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    ) -> None:
        """Import industrial establishments from IREP: SIRET, NAF code, production site reprojected
        from Lambert II étendu. Re-running changes nothing."""
        try:
            codes = naf_filter(naf)
            factory = session_factory()
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task("IREP establishments", total=None)
                report = import_irep(factory, path, naf=codes, dry_run=dry_run, progress=lambda n: progress.advance(task, n))
        except IrepFileError as exc:
            console.print(f"[red]error:[/red] {exc}\nnothing was written")
            raise typer.Exit(2) from None
        if as_json:
            print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
            return
        console.print(
            f"[bold]{path.name}[/bold]{' (dry run)' if dry_run else ''}: read {report.read}, kept {report.kept}, "
            f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
            f"rejected {report.rejected}, located {report.located}, warnings {len(report.warnings)}"
        )
        table = Table("NAF", "establishments")
        for code, n in report.by_naf.most_common(15):
            table.add_row(code, str(n))
        console.print(table)
        for error in report.errors[:50]:
            console.print(f"[yellow]rejected[/yellow] {error}")
        for warning in report.warnings[:20]:
            console.print(f"[yellow]warning[/yellow] {warning}")

"""`bioatlas import ror DUMP`: the ROR connector's command."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bioatlas.core.commands import session_factory


def register(import_app: typer.Typer, console: Console) -> None:
    @import_app.command("ror")
    def import_ror(
        dump: Annotated[Path, typer.Argument(help="ROR data dump: .zip as published, .json, .jsonl or .jsonl.gz")],
        country: Annotated[list[str], typer.Option(help="ISO country code to keep, e.g. FR (repeatable; default all)")] = [],
        type: Annotated[list[str], typer.Option(help="ROR type to keep, e.g. facility (repeatable; default all)")] = [],
        file_date: Annotated[Optional[str], typer.Option(help="date of the dump, YYYY-MM-DD")] = None,
        dry_run: Annotated[bool, typer.Option(help="read and compare everything, write nothing")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    ) -> None:
        """Import organisations from a ROR dump (schema v1 and v2). Re-running changes nothing;
        a newer dump updates what changed and records it in each actor's history."""
        from bioatlas.sources.ror import RorFileError
        from bioatlas.sources.ror_load import import_ror as load_dump

        published = None
        if file_date:
            try:
                published = date.fromisoformat(file_date)
            except ValueError:
                console.print(f"[red]--file-date: expected YYYY-MM-DD, got {file_date!r}[/red]")
                raise typer.Exit(2) from None
        factory = session_factory()
        try:
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task("ROR records", total=None)
                report = load_dump(factory, dump, countries=set(country) or None, types=set(type) or None,
                                    published=published, dry_run=dry_run, progress=lambda n: progress.advance(task, n))
        except RorFileError as exc:
            console.print(f"[red]error:[/red] {exc}\nnothing was written")
            raise typer.Exit(2) from None
        body = report.as_dict()
        if as_json:
            print(json.dumps(body, ensure_ascii=False, indent=2))
            return
        console.print(
            f"[bold]{dump.name}[/bold]{' (dry run)' if dry_run else ''}: read {report.read}, kept {report.kept}, "
            f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
            f"rejected {report.rejected}, parent links changed {report.relations}"
        )
        table = Table("ROR type", "records")
        for t, n in report.by_type.most_common():
            table.add_row(t, str(n))
        console.print(table)
        for error in report.errors[:50]:
            console.print(f"[yellow]rejected[/yellow] record {error.line}: {error.value}: {error.reason}")

"""`bioatlas import rnsr FILE` and `bioatlas import ilab FILE`: the research registries' commands."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bioatlas.core.commands import session_factory
from bioatlas.core.errors import FileError
from bioatlas.core.reports import ImportReport


def run_import(console: Console, *, label: str, path: Path, file_date: Optional[str], dry_run: bool, as_json: bool,
               load: Callable[..., ImportReport]) -> ImportReport | None:
    """Parse the date, run `load(factory, path, published=, dry_run=, progress=)` under a Rich
    progress bar, print the report (JSON or a summary); None when printed as JSON."""
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
            task = progress.add_task(label, total=None)
            report = load(factory, path, published=published, dry_run=dry_run,
                          progress=lambda n: progress.advance(task, n))
    except FileError as exc:
        console.print(f"[red]error:[/red] {exc}\nnothing was written")
        raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return None
    console.print(
        f"[bold]{path.name}[/bold]{' (dry run, nothing written)' if dry_run else ''}: read {report.read}, "
        f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, rejected {report.rejected}, "
        f"warnings {len(report.warnings)}"
    )
    for error in report.errors[:50]:
        console.print(f"[yellow]rejected[/yellow] {error}")
    for warning in report.warnings[:20]:
        console.print(f"[dim]warning[/dim] {warning}")
    return report


def counts_table(title: str, counts) -> Table:
    table = Table(title, "actors")
    for key, n in counts.most_common():
        table.add_row(str(key), str(n))
    return table

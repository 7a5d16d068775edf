"""`bioatlas import rome --occupations FILE --titles FILE`: the ROME occupations and job titles.

Exit status: 0 loaded, 1 rows rejected (nothing written unless --skip-invalid), 2 unreadable file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bioatlas.core.commands import session_factory

MAX_SHOWN = 100


def register(import_app: typer.Typer, console: Console) -> None:
    @import_app.command("rome")
    def import_rome(
        occupations: Annotated[Path, typer.Option(help="ROME occupations file, unix_referentiel_code_rome_v*_utf8.csv")],
        titles: Annotated[Path, typer.Option(help="ROME job titles file, unix_referentiel_appellation_v*_utf8.csv")],
        dry_run: Annotated[bool, typer.Option(help="check and count everything, write nothing")] = False,
        skip_invalid: Annotated[bool, typer.Option(help="load the valid rows, report the others")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON on stdout")] = False,
    ) -> None:
        """Load ROME occupations and job titles (France Travail, Licence Ouverte) and flag the
        bioproduction subset. Re-loading updates; one transaction, nothing written on failure."""
        from rich.progress import Progress

        from bioatlas.occupations.bioproduction import RulesError, load_rules
        from bioatlas.occupations.service import load_rome
        from bioatlas.sources.rome import RomeFileError


        factory = session_factory()
        try:
            rules = load_rules()
            with Progress(console=console, transient=True) as progress:
                tasks: dict[str, int] = {}

                def advance(kind: str, done: int, total: int) -> None:
                    if kind not in tasks:
                        tasks[kind] = progress.add_task(kind, total=total)
                    progress.update(tasks[kind], completed=done)

                report = load_rome(
                    factory, occupations_path=occupations, titles_path=titles, rules=rules, dry_run=dry_run, skip_invalid=skip_invalid,
                    progress=advance,
                )
        except (RomeFileError, RulesError) as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
        if as_json:
            print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            _print_report(console, report)
        if report.errors and not skip_invalid:
            raise typer.Exit(1)




def _print_report(console: Console, report) -> None:
    title = f"ROME ({report.source})" + (" — dry run, nothing written" if report.dry_run else "")
    table = Table("", "occupations", "job titles", title=title)
    occupations, titles = report.occupations.as_dict(), report.titles.as_dict()
    for key in ("read", "created", "updated", "unchanged", "rejected", "absent", "bioproduction"):
        table.add_row(key, f"{occupations[key]:,}", f"{titles[key]:,}")
    console.print(table)
    if report.titles_by_basis:
        parts = ", ".join(f"{n} by {basis}" for basis, n in sorted(report.titles_by_basis.items()))
        console.print(f"bioproduction job titles: {parts}")
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    if report.errors:
        rejected = Table("file", "line", "code", "reason", title="rejected rows")
        for r in report.errors[:MAX_SHOWN]:
            rejected.add_row(r.file or "", str(r.line), r.value or "", r.reason)
        console.print(rejected)
        if len(report.errors) > MAX_SHOWN:
            console.print(f"… and {len(report.errors) - MAX_SHOWN} more (use --json for all)")
    if not report.committed and not report.dry_run:
        console.print("[red]nothing was written[/red] (fix the rows, or use --skip-invalid to load the others)")

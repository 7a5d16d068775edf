"""`bioatlas import france-travail FILE`: job offers in France Travail's offer JSON format.

Exit status: 0 imported, 1 rows rejected (nothing written unless --skip-invalid), 2 not a France
Travail offer file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bioatlas.core.commands import session_factory, settings
from bioatlas.jobboard import service


def register(import_app: typer.Typer, console: Console) -> None:
    @import_app.command("france-travail")
    def import_france_travail(
        path: Annotated[Path, typer.Argument(help="France Travail offers JSON (the API's {'resultats': [...]}, or a list)")],
        dry_run: Annotated[bool, typer.Option(help="check and count everything, write nothing")] = False,
        skip_invalid: Annotated[bool, typer.Option(help="import the valid offers, report the others")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON on stdout")] = False,
    ) -> None:
        """Import job offers published by France Travail into the job board. Offers keep their
        source and id: importing a newer file refreshes them (and pushes their expiry), never
        duplicates them. One transaction: by default a rejected offer and nothing is written."""
        try:
            report = service.import_france_travail(session_factory(), path=str(path), dry_run=dry_run,
                                                   skip_invalid=skip_invalid,
                                                   default_days=settings().jobboard_offer_days)
        except service.FormatError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
        if as_json:
            print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            console.print(f"France Travail offers{' (dry run, nothing written)' if dry_run else ''}: read {report.read}, "
                          f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
                          f"rejected {report.rejected}, matched to atlas actors {report.matched_actors}")
            for e in report.errors[:100]:
                console.print(f"  offer {e.line} ({e.value}): {e.column}: {e.reason}")
        if report.errors and not skip_invalid:
            raise typer.Exit(1)

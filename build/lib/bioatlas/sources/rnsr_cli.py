"""`bioatlas import rnsr FILE`: the RNSR connector's command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from bioatlas.sources.research_cli import counts_table, run_import


def register(import_app: typer.Typer, console: Console) -> None:
    @import_app.command("rnsr")
    def import_rnsr(
        file: Annotated[Path, typer.Argument(help="RNSR export: fr-esr-structures-recherche-publiques-actives.csv")],
        file_date: Annotated[Optional[str], typer.Option(help="date of the export, YYYY-MM-DD")] = None,
        dry_run: Annotated[bool, typer.Option(help="read and compare everything, write nothing")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    ) -> None:
        """Import public research structures (RNSR) with their supervising bodies and hierarchy.
        Import it before i-Lab, whose start-ups link to RNSR units. Re-running changes nothing."""
        from bioatlas.sources.rnsr_load import import_rnsr as load

        report = run_import(console, label="RNSR structures", path=file, file_date=file_date, dry_run=dry_run,
                            as_json=as_json, load=load)
        if report is not None:
            console.print(f"supervising bodies {dict(report.supervisors)}, links changed {report.relations}, "
                          f"placed on a commune {report.located}, parents missing {report.missing_parents}")
            console.print(counts_table("kind (created)", report.created_by_kind))

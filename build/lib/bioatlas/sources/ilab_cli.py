"""`bioatlas import ilab FILE`: the i-Lab connector's command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from bioatlas.sources.research_cli import counts_table, run_import


def register(import_app: typer.Typer, console: Console) -> None:
    @import_app.command("ilab")
    def import_ilab(
        file: Annotated[Path, typer.Argument(help="i-Lab laureates export: fr-esr-laureats-concours-national-i-lab.csv")],
        file_date: Annotated[Optional[str], typer.Option(help="date of the export, YYYY-MM-DD")] = None,
        dry_run: Annotated[bool, typer.Option(help="read and compare everything, write nothing")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    ) -> None:
        """Import i-Lab laureates as start-ups (one per SIREN, every year kept). Import RNSR first:
        the research unit a project came from is linked only when it is in the atlas."""
        from bioatlas.sources.ilab_load import import_ilab as load

        report = run_import(console, label="i-Lab laureates", path=file, file_date=file_date, dry_run=dry_run,
                            as_json=as_json, load=load)
        if report is not None:
            console.print(f"start-ups {report.startups}, rows without SIREN {report.without_siren}, "
                          f"research units linked {report.units_linked}, missing {report.units_missing}")
            console.print(counts_table("technology domain", report.by_domain))

"""`bioatlas import sirene ETAB_FILE`: establishments of INSEE's Sirene register as actors.

Exit status: 0 loaded (establishments rejected one by one, e.g. abroad or on an unknown
commune, are counted in the summary and do not fail the run), 2 unreadable file, wrong
layout or bad option (nothing written).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from bioatlas.core.commands import session_factory


def register(import_app: typer.Typer, console: Console) -> None:
    @import_app.command("sirene")
    def import_sirene_cmd(
        etab_file: Annotated[Path, typer.Argument(help="StockEtablissement file: CSV, CSV.gz or Parquet (INSEE layout)")],
        legal_units: Annotated[
            Optional[Path], typer.Option("--legal-units", help="StockUniteLegale file, for legal names, acronyms and company size")
        ] = None,
        naf: Annotated[list[str], typer.Option("--naf", help="NAF code to keep, e.g. 21.20Z (repeatable; default: the health-industry list)")] = [],
        region: Annotated[list[str], typer.Option("--region", help="INSEE region code, e.g. 84 (repeatable)")] = [],
        departement: Annotated[list[str], typer.Option("--departement", help="département code, e.g. 69 (repeatable)")] = [],
        include_closed: Annotated[bool, typer.Option("--include-closed", help="keep closed establishments too (status inactive)")] = False,
        file_date: Annotated[Optional[str], typer.Option("--file-date", help="date of the file, YYYY-MM-DD (default: its modification date)")] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="filter and compare everything, write nothing")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON on stdout")] = False,
    ) -> None:
        """Load establishments of the Sirene register (INSEE, Licence Ouverte) filtered by NAF code,
        region, département and status. Re-loading the same file changes nothing; one transaction,
        nothing written on failure."""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        from bioatlas.sources.sirene import SireneError, SireneFilter, import_sirene, parse_file_date

        try:
            flt = SireneFilter(tuple(naf), tuple(region), tuple(departement), include_closed).resolved()
            day = parse_file_date(file_date) if file_date else None
        except SireneError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None

        factory = session_factory()
        columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        try:
            with Progress(*columns, console=console, transient=True) as progress:
                filtering = progress.add_task(f"filtering {etab_file.name}", total=None)
                loading: list[int] = []

                def on_filtered(kept: int) -> None:
                    progress.remove_task(filtering)
                    loading.append(progress.add_task("loading establishments", total=kept))

                report = import_sirene(
                    factory, etab_file, legal_units=legal_units, flt=flt, file_date=day, dry_run=dry_run,
                    on_filtered=on_filtered, progress=lambda n: progress.advance(loading[0], n),
                )
        except SireneError as exc:
            console.print(f"[red]error:[/red] {exc}")
            console.print("[red]nothing was written[/red]")
            raise typer.Exit(2) from None
        if as_json:
            print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            _print_report(console, report)




def _print_report(console: Console, report) -> None:
    body = report.as_dict()
    flt = report.filter
    where = "; ".join(
        part for part in (
            "NAF " + " ".join(flt.naf),
            ("regions " + " ".join(flt.regions)) if flt.regions else "",
            ("départements " + " ".join(flt.departements)) if flt.departements else "",
            "active and closed" if flt.include_closed else "active only",
        ) if part
    )
    console.print(f"[bold]Sirene {Path(report.file).name}[/bold] (file of {body['file_date']})"
                  + (" — [yellow]dry run, nothing written[/yellow]" if report.dry_run else ""))
    console.print(f"kept: {where}")
    table = Table("establishments", "count")
    for label in ("read", "created", "updated", "unchanged", "rejected"):
        table.add_row(label, f"{body[label]:,}")
    console.print(table)
    if body["rejections"]:
        reasons = Table("reason", "count", "examples (SIRET)", title="rejected establishments")
        for r in body["rejections"]:
            reasons.add_row(r["reason"], f"{r['count']:,}", ", ".join(r["examples"]))
        console.print(reasons)
    if body["headcount"]:
        console.print("headcount bands of the loaded establishments: "
                      + "; ".join(f"{label} {n:,}" for label, n in body["headcount"].items()))
    console.print(f"filter {body['seconds']['filter']} s, load {body['seconds']['load']} s; source {report.source_key}")

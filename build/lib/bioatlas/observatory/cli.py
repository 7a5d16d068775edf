"""`bioatlas observatory load | compute`: wired by `register(app, console)` from its plugin.py."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from bioatlas.core import commands


def _factory():
    """The migrated session factory and the settings of this run (exits 2 on bad settings)."""
    settings = commands.settings()
    return commands.migrated_factory(settings), settings


def register(app: typer.Typer, console: Console) -> None:
    group = typer.Typer(help="The observatory: indicators, targets, series and roadmaps.", no_args_is_help=True)
    app.add_typer(group, name="observatory")

    @group.command("load")
    def load() -> None:
        """Load (or refresh) the reference data: indicator definitions, the figures recorded from the
        sector's articles, targets and roadmaps (idempotent)."""
        from bioatlas.core.db import transaction
        from bioatlas.observatory.reference import ReferenceDataError, load_reference

        factory, _ = _factory()
        try:
            with transaction(factory) as session:
                report = load_reference(session)
        except ReferenceDataError as exc:
            console.print(f"[red]error:[/red] {exc} (nothing was written)")
            raise typer.Exit(1) from None
        counts = report.counts
        state = "unchanged" if all(report.unchanged.values()) else "updated"
        console.print(
            f"observatory reference data {state}: {counts['indicators']} indicators "
            f"({counts['indicators_created']} new), {counts['recorded_values']} recorded values, "
            f"{counts['targets']} targets, {counts['roadmaps']} roadmaps, {counts['actions']} actions"
        )

    @group.command("compute")
    def compute(
        at: Annotated[Optional[str], typer.Option(help="day of the snapshot, YYYY-MM-DD (default: today)")] = None,
    ) -> None:
        """Compute every computed indicator and store the values dated today (re-running the same day
        replaces that day's values); prints a table."""
        from bioatlas.atlas.service import taxonomies
        from bioatlas.core.db import transaction
        from bioatlas.observatory.compute import snapshot

        try:
            day = date.fromisoformat(at) if at else date.today()
        except ValueError:
            console.print(f"[red]--at: {at!r} is not a date (YYYY-MM-DD)[/red]")
            raise typer.Exit(2) from None
        factory, settings = _factory()
        with transaction(factory) as session:
            report = snapshot(session, at=day, taxonomies=taxonomies(settings))
        table = Table("indicator", "values stored", "note", title=f"snapshot {day.isoformat()}")
        for code in sorted(set(report.stored) | set(report.empty)):
            table.add_row(code, str(report.stored.get(code, 0)), report.empty.get(code, ""))
        Console().print(table)
        if report.replaced:
            console.print(f"replaced {report.replaced} values computed earlier on {day.isoformat()}")

"""`bioatlas link [--dry-run] [--json]`: link the registries' records across sources (`resolve.links`)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bioatlas.core.commands import session_factory


def register(app: typer.Typer, console: Console) -> None:
    @app.command("link")
    def link(
        dry_run: Annotated[bool, typer.Option(help="find and count the links, write nothing")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    ) -> None:
        """Link records of ROR, RNSR, i-Lab, IREP, Transparence-Santé and the seed articles that name
        one organisation: shared SIREN, or a sure calibrated name+place match, are merged (reversible);
        unsure matches wait on the duplicates review page. Run after the imports; re-running changes nothing."""
        from bioatlas.resolve.links import link_sources

        factory = session_factory()
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("records resolved", total=None)
            report = link_sources(factory, dry_run=dry_run, progress=lambda n: progress.advance(task, n),
                                  total=lambda n: progress.update(task, total=n))
        if as_json:
            print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
            return
        table = Table("sources", "linked (sure)", "queued for review", "conflicts")
        for pair, counts in report.pairs().items():
            table.add_row(pair, str(counts["sure"]), str(counts["queued"]), str(counts["conflicts"]))
        console.print(table)
        located, of = report.articles_located
        before_located = report.articles_located_before[0]
        console.print(
            f"{sum(report.sure.values())} linked, {sum(report.queued.values())} queued on /admin/duplicates, "
            f"{len(report.conflicts)} conflicts, {report.set_aside} unsure pairs set aside (cannot be one actor), "
            f"{report.already} pairs decided before (left as they are); "
            f"organisations named by articles with a located site: {before_located} -> {located} of {of}"
            + (" (dry run, nothing written)" if dry_run else "")
        )
        for conflict in report.conflicts[:20]:
            console.print(f"[yellow]conflict[/yellow] {conflict}")
        if len(report.conflicts) > 20:
            console.print(f"… {len(report.conflicts) - 20} more conflicts (--json lists them all)")
        before, after = report.actors_before, report.actors_after
        console.print("actors per source: " + ", ".join(
            f"{s} {before[s]} -> {after[s]}" for s in sorted(set(before) | set(after))))

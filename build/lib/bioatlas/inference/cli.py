"""`bioatlas infer capabilities [--dry-run] [--json]`: infer capabilities from the sources' words."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from bioatlas.atlas.service import taxonomies
from bioatlas.core import commands
from bioatlas.inference import service


def register(app: typer.Typer, console: Console) -> None:
    infer_app = typer.Typer(help="Facts inferred from the sources' own words.", no_args_is_help=True)
    app.add_typer(infer_app, name="infer")

    @infer_app.command("capabilities")
    def capabilities_cmd(
        dry_run: Annotated[bool, typer.Option("--dry-run", help="find and count, write nothing")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    ) -> None:
        """Modalities, value-chain steps and expression systems named in i-Lab summaries, RNSR
        names and ERC panels (rules in inference/rules.csv), stored as inferred capabilities."""
        settings = commands.settings()
        factory = commands.migrated_factory(settings)
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("inferring capabilities", total=None)
            report = service.infer(factory, taxonomies=taxonomies(settings), dry_run=dry_run,
                                   progress=lambda n: progress.advance(task, n))
        if as_json:
            print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
            return
        o = report.outcomes
        console.print(f"inferred capabilities{' (dry run, nothing written)' if dry_run else ''}: "
                      f"actors {o['actors']}, created {o['created']}, updated {o['updated']}, unchanged {o['unchanged']}, "
                      f"removed {o['removed']}, stated elsewhere {o['skipped_stated']}, rejected before {o['skipped_rejected']}")
        for rule, n in sorted(report.rules.items()):
            console.print(f"  {rule}: {n}")

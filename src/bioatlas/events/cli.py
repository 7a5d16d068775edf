"""`bioatlas events …`: the B2B scheduler on benchmark files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bioatlas.events.scheduling import dzn

EXIT_CODES = {"optimal": 0, "feasible": 0, "infeasible": 1, "unknown": 3}


def register(app: typer.Typer, console: Console) -> None:
    events_app = typer.Typer(help="Events: the B2B meeting scheduler.", no_args_is_help=True)
    app.add_typer(events_app, name="events")

    @events_app.command("schedule")
    def schedule_cmd(
        dzn_file: Annotated[Path, typer.Option("--dzn", help="instance in the MiniZinc data format of Bofill et al. (JAIR 2022)")],
        fairness: Annotated[int, typer.Option("--fairness", min=0, help="largest difference of breaks between two participants (d)")] = 2,
        time_limit: Annotated[float, typer.Option("--time-limit", min=0.1, help="seconds the solver may use")] = 60.0,
        workers: Annotated[int, typer.Option("--workers", min=1, help="CP-SAT search threads of the portfolio phase")] = 8,
        as_json: Annotated[bool, typer.Option("--json", help="print the schedule as JSON")] = False,
    ) -> None:
        """Place every requested meeting of a `.dzn` instance into a slot and a table, with the
        fewest breaks under the fairness bound. Prints {"status", "total_breaks", "meetings":
        [{"meeting", "slot", "table"}]} (meetings in `requested` order, numbered from 1, slots
        and tables from 1; "conflicts" when infeasible). Exit 0 when a schedule is found, 1 when
        proven infeasible, 2 on a malformed file, 3 when nothing was found in time."""
        try:
            problem = dzn.read(dzn_file, fairness=fairness)
        except FileNotFoundError:
            print(f"{dzn_file}: no such file", file=sys.stderr)
            raise typer.Exit(2) from None
        except dzn.DznError as exc:
            print(f"{dzn_file}: {exc}", file=sys.stderr)
            raise typer.Exit(2) from None
        from bioatlas.events.scheduling import solver  # OR-Tools (and pandas): loaded when a schedule is solved

        result = solver.solve(problem, time_limit=time_limit, workers=workers)
        summary = (f"{result.status}: {len(result.placements)}/{len(problem.meetings)} meetings, "
                   f"breaks {result.total_breaks}, bound {result.bound}, "
                   f"gap {'-' if result.gap is None else f'{result.gap:.1%}'}, {result.seconds:.1f} s")
        if as_json:
            print(json.dumps(result.as_json()))
            print(summary, file=sys.stderr)
        else:
            console.print(summary)
            for conflict in result.conflicts:
                console.print(f"  conflict: {conflict}")
        raise typer.Exit(EXIT_CODES[result.status])

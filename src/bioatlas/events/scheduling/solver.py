"""The scheduler's entry point: `solve` places the meetings of a problem into slots and tables.

On the benchmark's problem (every meeting required, inside the MaxSAT model's scope) it runs RC2
and CP-SAT at the same time in two processes (`portfolio`); otherwise (the platform's events, where
meetings are optional) CP-SAT's phases alone, in this process (`phases`). Both return a `Result`:
a proven optimum, or the best schedule with its bound and gap, or an infeasibility report naming
the requirements that cannot hold together (`diagnose`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from bioatlas.events.scheduling import maxsat, phases, portfolio
from bioatlas.events.scheduling.checks import ProblemError, precheck, validate
from bioatlas.events.scheduling.diagnose import diagnose
from bioatlas.events.scheduling.problem import Problem, Result, count_breaks
from bioatlas.events.scheduling.runner import Progress

__all__ = ["ProblemError", "Progress", "best_slack", "diagnose", "solve", "validate"]


def best_slack(values: Mapping[tuple[int, int], int], problem: Problem) -> int:
    """How far a schedule {(meeting, slot): 0/1} exceeds the fairness bound."""
    breaks = count_breaks(problem, {m: t for (m, t), v in values.items() if v})
    return max(0, max(breaks) - min(breaks) - (problem.fairness or 0))


def solve(problem: Problem, *, time_limit: float = 60.0, workers: int = 8, seed: int = 0,
          hint: Mapping[int, int] | None = None, on_progress: Progress | None = None,
          use_maxsat: bool = True) -> Result:
    """Place the meetings (see the module doc). `hint`: {meeting: slot} of a previous schedule
    (re-scheduling starts from it); `on_progress(phase, objective, bound, seconds)` is called on
    each better solution or bound; `use_maxsat=False` leaves RC2 out (CP-SAT alone, in process)."""
    validate(problem)
    started = time.monotonic()
    if not use_maxsat or maxsat.scope_error(problem) is not None:
        return phases.solve_cp(problem, time_limit=time_limit, workers=workers, seed=seed, hint=hint,
                               on_progress=on_progress)
    conflicts = precheck(problem)
    if conflicts:
        return Result(status="infeasible", conflicts=conflicts, seconds=time.monotonic() - started)
    return portfolio.solve(problem, time_limit=time_limit, workers=workers, seed=seed, hint=hint,
                           on_progress=on_progress)

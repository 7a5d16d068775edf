"""Infeasibility reports: a set of requirements that cannot hold together, from CP-SAT's
assumption core on the diagnostic model, shrunk by deletion."""

from __future__ import annotations

import time

from ortools.sat.python import cp_model

from bioatlas.events.scheduling.model import build
from bioatlas.events.scheduling.problem import Problem
from bioatlas.events.scheduling.runner import cp_solver


def diagnose(problem: Problem, *, seconds: float = 20.0, workers: int = 1, seed: int = 0) -> list[str]:
    """A set of requirements that cannot hold together (empty when none was found in time)."""
    built = build(problem, diagnose=True)
    literals = sorted(built.assumptions)
    deadline = time.monotonic() + seconds

    def infeasible_with(indexes: list[int]) -> list[int] | None:
        built.model.clear_assumptions()
        built.model.add_assumptions([built.literals[i] for i in indexes])
        solver = cp_solver(max(0.5, deadline - time.monotonic()), workers, seed)
        status = solver.solve(built.model)
        if status != cp_model.INFEASIBLE:
            return None
        return list(solver.sufficient_assumptions_for_infeasibility()) or indexes

    core = infeasible_with(literals)
    if core is None:
        return []
    # shrink by deletion while time is left: drop a requirement if the rest still conflicts
    core = sorted(core)
    i = 0
    while i < len(core) and time.monotonic() < deadline and len(core) > 1:
        trial = core[:i] + core[i + 1:]
        smaller = infeasible_with(trial)
        if smaller is not None:
            core = sorted(set(smaller) & set(trial)) or trial
        else:
            i += 1
    return [built.assumptions[i] for i in core]

"""CP-SAT solver settings and the progress callback shared by the solving phases."""

from __future__ import annotations

import time
from collections.abc import Callable

from ortools.sat.python import cp_model

Progress = Callable[[str, float, float, float], None]  # (phase, objective, bound, seconds)


class Watch(cp_model.CpSolverSolutionCallback):
    def __init__(self, phase: str, on_progress: Progress | None, started: float) -> None:
        super().__init__()
        self.phase, self.on_progress, self.started = phase, on_progress, started

    def on_solution_callback(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.phase, self.objective_value, self.best_objective_bound,
                             time.monotonic() - self.started)


def cp_solver(seconds: float, workers: int, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, seconds)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    return solver


def sat_solver(seconds: float, seed: int) -> cp_model.CpSolver:
    """One worker without linear relaxation: CP-SAT as a plain CDCL SAT solver, by far the fastest
    here at deciding "a schedule with at most k breaks" (forum-13, k = 0: 15 s against no answer
    in 40 s with the LP; the paper's MaxSAT results point the same way)."""
    solver = cp_solver(seconds, 1, seed)
    solver.parameters.linearization_level = 0
    return solver

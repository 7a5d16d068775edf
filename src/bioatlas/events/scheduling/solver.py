"""The scheduler: OR-Tools CP-SAT over the model of Bofill et al. (JAIR 74, 2022), extended with
optional meetings (as many as possible, must-meet first), several representatives per
participant, several days and fixed meetings.

Split by concern: `checks` (well-formedness, obvious conflicts), `model` (the CP-SAT model),
`diagnose` (infeasibility reports), `runner` (solver settings, progress); here the phases.

Variables: `x[m, t]` (meeting m in slot t, only for the slots it may take); `busy[p, t]`
(participant p meets in slot t); `start[p, t]` (a block of consecutive meetings of p starts at t,
exactly: busy now and not in the previous slot of the same day). A participant's breaks are its
block starts minus the days it meets on. Hard constraints: one slot per placed meeting, at most
`capacity[p]` meetings of p per slot, at most `tables` meetings per slot, precedences, fixed
slots, unavailable slots, and the fairness bound (max breaks - min breaks <= d over every
participant, as in the paper). Implied constraint (the paper's imp2): at most 2 x tables busy
participants per slot.

Solved lexicographically: first the meetings held (skipped when every meeting is required),
then the total breaks with the first phase's count kept. When the model is infeasible a second,
diagnostic model puts every requirement that can be dropped (each fixed meeting, each
precedence, each participant's unavailable slots, each session wish, each required meeting, the
table count, fairness) behind an assumption literal; CP-SAT returns a subset of them that cannot
hold together, shrunk by deletion, and the result names it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping

from ortools.sat.python import cp_model

from bioatlas.events.scheduling import greedy
from bioatlas.events.scheduling.checks import ProblemError, precheck, validate
from bioatlas.events.scheduling.diagnose import diagnose
from bioatlas.events.scheduling.model import build
from bioatlas.events.scheduling.problem import MUST_MEET, Placement, Problem, Result, assign_tables, count_breaks
from bioatlas.events.scheduling.runner import Progress, Watch, cp_solver, sat_solver

__all__ = ["ProblemError", "Progress", "best_slack", "diagnose", "solve", "validate"]


def best_slack(values: Mapping[tuple[int, int], int], problem: Problem) -> int:
    """How far a schedule exceeds the fairness bound."""
    breaks = count_breaks(problem, {m: t for (m, t), v in values.items() if v})
    return max(0, max(breaks) - min(breaks) - (problem.fairness or 0))


def solve(problem: Problem, *, time_limit: float = 60.0, workers: int = 8, seed: int = 0,
          hint: Mapping[int, int] | None = None, on_progress: Progress | None = None) -> Result:
    """Place the meetings (see the module doc). `hint`: {meeting: slot} of a previous schedule
    (re-scheduling starts from it); `on_progress(phase, objective, bound, seconds)` is called on
    each better solution.

    The breaks are minimised in two steps: a short portfolio search (`workers` threads: local
    search for schedules, core-based search for the lower bound), then the bound is closed from
    below: "at most k breaks" is decided for k = bound, bound + 1, … by the SAT-style solver,
    starting from the best schedule; the first k that holds is the proven optimum."""
    validate(problem)
    started = time.monotonic()
    deadline = started + time_limit

    def left() -> float:
        return deadline - time.monotonic()

    conflicts = precheck(problem)
    if conflicts:
        return Result(status="infeasible", conflicts=conflicts, seconds=time.monotonic() - started)

    built = build(problem)
    model = built.model
    xs = list(built.x.items())
    # a first schedule: the previous one (re-scheduling) or a greedy construction
    start = dict(hint) if hint else greedy.schedule(problem)
    for (m, t), var in xs:
        model.add_hint(var, 1 if start.get(m) == t else 0)
    fallback: dict[tuple[int, int], int] | None = None
    if not problem.require_all and all(m in start for m, mt in enumerate(problem.meetings) if mt.fixed is not None):
        placed = {m: t for m, t in start.items() if (m, t) in built.x}
        fallback = {key: int(placed.get(key[0]) == key[1]) for key, _var in xs}

    def infeasible() -> Result:
        return Result(status="infeasible", conflicts=diagnose(problem, seconds=max(5.0, left())),
                      seconds=time.monotonic() - started)

    ceiling = sum(problem.n_slots // 2 for _ in range(problem.n_participants))
    total = model.new_int_var(0, ceiling, "total_breaks")
    model.add(total == sum(built.breaks))

    def breaks_of(values: Mapping[tuple[int, int], int]) -> int:
        return sum(count_breaks(problem, {m: t for (m, t), v in values.items() if v}))

    proven = True
    best: dict[tuple[int, int], int] | None = None
    optional = [m for m, v in enumerate(built.held) if not isinstance(v, int)]
    if optional:
        weight = len(optional) + 1
        weights = {m: weight + (1 if problem.meetings[m].priority >= MUST_MEET else 0) for m in optional}
        held_objective = sum(weights[m] * built.held[m] for m in optional)

        def held_of(values: Mapping[tuple[int, int], int]) -> int:
            return sum(weights[m] for (m, _t), v in values.items() if v and m in weights)

        # the meetings held first, then (with what is left of the objective) the breaks
        model.maximize(held_objective * (ceiling + 1) - total)
        solver = cp_solver(left() / 3, workers, seed)
        status = solver.solve(model, Watch("meetings", on_progress, started))
        if status == cp_model.INFEASIBLE:
            return infeasible()
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            proven = status == cp_model.OPTIMAL
            best = {key: solver.value(var) for key, var in xs}
            if fallback is not None and (held_of(fallback), -breaks_of(fallback)) > (held_of(best), -breaks_of(best)):
                best = fallback  # the greedy schedule is better: keep it
        elif fallback is not None:  # nothing found in time: the greedy schedule
            proven, best = False, fallback
        else:
            return Result(status="unknown", seconds=time.monotonic() - started)
        model.add(held_objective >= held_of(best))
        model.clear_objective()
        if built.slack is not None:  # then as fair as these meetings allow, then the breaks
            model.clear_hints()
            for key, var in xs:
                model.add_hint(var, best[key])
            model.minimize(built.slack * (ceiling + 1) + total)
            solver = cp_solver(left() / 4, workers, seed)
            status = solver.solve(model, Watch("fairness", on_progress, started))
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                proven = proven and status == cp_model.OPTIMAL
                model.add(built.slack <= solver.value(built.slack))
                best = {key: solver.value(var) for key, var in xs}
            else:
                proven = False
                model.add(built.slack <= best_slack(best, problem))
            model.clear_objective()

    def set_hint(values: dict[tuple[int, int], int]) -> None:
        model.clear_hints()
        for key, var in xs:
            model.add_hint(var, values[key])

    if best is not None:
        set_hint(best)
    best_total: int | None = None
    lower = 0
    # 1. portfolio search: a good schedule and a lower bound
    model.minimize(total)
    solver = cp_solver(min(left(), max(5.0, left() / 2)), workers, seed)
    status = solver.solve(model, Watch("breaks", on_progress, started))
    if status == cp_model.INFEASIBLE:
        return infeasible()
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        best = {key: solver.value(var) for key, var in xs}
        best_total = round(solver.objective_value)
        lower = best_total if status == cp_model.OPTIMAL else max(0, math.ceil(solver.best_objective_bound - 1e-6))
        set_hint(best)
    model.clear_objective()
    if best is None and left() > 0.5:  # no schedule yet: any schedule first
        solver = sat_solver(left() / 2, seed)
        status = solver.solve(model)
        if status == cp_model.INFEASIBLE:
            return infeasible()
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            best = {key: solver.value(var) for key, var in xs}
            best_total = solver.value(total)
            set_hint(best)
    # 2. close the gap from below: is there a schedule with at most k breaks?
    domain = model.proto.variables[total.index].domain
    while (best_total is None or lower < best_total) and left() > 0.5:
        domain[1] = lower
        solver = sat_solver(left(), seed)
        status = solver.solve(model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            best = {key: solver.value(var) for key, var in xs}
            best_total = solver.value(total)
            if on_progress is not None:
                on_progress("breaks", best_total, lower, time.monotonic() - started)
            break
        if status == cp_model.INFEASIBLE:
            if best is None and lower >= ceiling:
                return infeasible()
            lower += 1
            if on_progress is not None and best_total is not None:
                on_progress("breaks", best_total, lower, time.monotonic() - started)
            continue
        break  # out of time
    domain[1] = ceiling
    if best is None:
        return Result(status="unknown", seconds=time.monotonic() - started)
    slot_of = {m: t for (m, t), value in best.items() if value}
    tables = assign_tables(problem, slot_of)
    breaks = count_breaks(problem, slot_of)
    objective = sum(breaks)
    optimal = proven and best_total is not None and lower >= objective
    return Result(
        status="optimal" if optimal else "feasible",
        placements=[Placement(meeting=m, slot=t, table=tables[m]) for m, t in sorted(slot_of.items())],
        total_breaks=objective,
        bound=min(lower, objective),
        breaks=breaks,
        unplaced=[m for m in range(len(problem.meetings)) if m not in slot_of],
        seconds=time.monotonic() - started,
    )

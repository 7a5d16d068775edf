"""The CP-SAT side of the scheduler: its phases, over the model of Bofill et al. (JAIR 74, 2022)
extended with optional meetings (as many as possible, must-meet first), several representatives
per participant, several days and fixed meetings (see `model` for the variables and constraints).

Split by concern: `checks` (well-formedness, obvious conflicts), `placement` (the meetings held),
`bounds` (each participant's own bound), `lns` (local search on the breaks), `model` (the full
CP-SAT model), `diagnose` (infeasibility reports), `runner` (solver settings, progress); here the
phases in order. `solver.solve` runs them alone, or in a process beside RC2 (`portfolio`).

Solved lexicographically: first the meetings held (skipped when every meeting is required),
then the total breaks with the first phase's count kept. When the model is infeasible a second,
diagnostic model puts every requirement that can be dropped behind an assumption literal and
names a subset that cannot hold together (`diagnose`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping

from ortools.sat.python import cp_model

from bioatlas.events.scheduling import greedy, lns, placement
from bioatlas.events.scheduling.bounds import held_bound as held_bound_of
from bioatlas.events.scheduling.bounds import participant_bounds
from bioatlas.events.scheduling.checks import precheck, validate
from bioatlas.events.scheduling.diagnose import diagnose
from bioatlas.events.scheduling.model import build
from bioatlas.events.scheduling.problem import MUST_MEET, Placement, Problem, Result, assign_tables, count_breaks
from bioatlas.events.scheduling.runner import Progress, Watch, cp_solver, sat_solver

Schedule = Callable[[dict[int, int]], None]  # a schedule found on the way (every meeting held)


def best_slack(values: Mapping[tuple[int, int], int], problem: Problem) -> int:
    """How far a schedule exceeds the fairness bound."""
    breaks = count_breaks(problem, {m: t for (m, t), v in values.items() if v})
    return max(0, max(breaks) - min(breaks) - (problem.fairness or 0))


LARGE = 15000  # candidate (meeting, slot) pairs above which the full model is not built
WINDOWS = False  # large events: slot-window neighbourhoods beside the participant ones (`lns.improve`);
#                 off: at 500/3,000 in 60 s they gave 731 breaks against 724 without (one run each, docs/events.md)


def solve_cp(problem: Problem, *, time_limit: float = 60.0, workers: int = 8, seed: int = 0,
             hint: Mapping[int, int] | None = None, on_progress: Progress | None = None,
             on_schedule: Schedule | None = None) -> Result:
    """Place the meetings with CP-SAT alone (see the module doc). `hint`: {meeting: slot} of a
    previous schedule (re-scheduling starts from it); `on_progress(phase, objective, bound,
    seconds)` is called on each better solution; `on_schedule(slot_of)` with each schedule that
    holds every meeting, as soon as it is found (the portfolio keeps them in case this process is
    stopped before it returns).

    Phases: (1) the meetings held, on a placement-only model (`placement`: proves quickly that
    every meeting that can be placed is); (2) each participant's own lower bound on its breaks
    (`bounds`); (3) large neighbourhood search on the breaks (`lns`), which on large events is
    the rest of the run; (4) on events of the benchmark's size, the full model (`model`): the
    fairness slack when meetings are optional, then a portfolio search for the breaks and their
    bound, then "at most k breaks" decided for k = bound, bound + 1, … by the SAT-style solver;
    the first k that holds is the proven optimum. The bound reported is the largest of the
    participants' bounds and CP-SAT's."""
    validate(problem)
    started = time.monotonic()
    deadline = started + time_limit

    def left() -> float:
        return deadline - time.monotonic()

    def elapsed() -> float:
        return time.monotonic() - started

    conflicts = precheck(problem)
    if conflicts:
        return Result(status="infeasible", conflicts=conflicts, seconds=elapsed())

    def infeasible() -> Result:
        return Result(status="infeasible", conflicts=diagnose(problem, seconds=max(5.0, left())), seconds=elapsed())

    n = len(problem.meetings)
    # a first schedule: the previous one (re-scheduling) or a greedy construction
    start = {m: t for m, t in (dict(hint) if hint else greedy.schedule(problem)).items()
             if 0 <= m < n and t in problem.allowed_slots(m)}
    # 1. the meetings held
    large = sum(len(problem.allowed_slots(m)) for m in range(n)) > LARGE
    if large and not problem.require_all:  # the placement model would not beat the greedy in time
        placed = placement.Placed(slot_of=start, weight=placement.weight_of(problem, set(start)),
                                  weight_bound=sum(placement.weights(problem)), held_bound=n, proven=False)
    else:
        placed = placement.place(problem, start=start, seconds=max(1.0, left() / 4), workers=workers, seed=seed,
                                 on_progress=on_progress, started=started)
    if placed.infeasible or (placed.proven and problem.require_all and len(placed.slot_of) < n):
        return infeasible()
    held = placed.slot_of
    fixed_held = all(m in held for m, mt in enumerate(problem.meetings) if mt.fixed is not None)
    if not placed.proven and all(m in start for m, mt in enumerate(problem.meetings) if mt.fixed is not None) \
            and placement.weight_of(problem, set(start)) > placed.weight:
        held, fixed_held = start, True  # the greedy schedule holds more: keep it
    if not placed.proven and len(held) < n and fixed_held:  # large events: try the ones left out again
        held = placement.repair(problem, held, deadline=time.monotonic() + left() / 4, seed=seed)
    proven = placed.proven or len(held) == n
    held_bound = placed.held_bound
    if len(held) < held_bound:
        missing = {p for m in range(n) if m not in held for p in (problem.meetings[m].a, problem.meetings[m].b)}
        held_bound = min(held_bound, held_bound_of(problem, sorted(missing), deadline=time.monotonic() + 5.0))
    usable = bool(held) and fixed_held and (len(held) == n or not problem.require_all)
    if on_schedule is not None and usable and len(held) == n:
        on_schedule(dict(held))
    # 2. each participant's own bound, where the schedule at hand gives it breaks
    bounds: dict[int, int] = {}
    if usable and len(held) == n:
        now = count_breaks(problem, held)
        bounds = participant_bounds(problem, [p for p, b in enumerate(now) if b > 0],
                                    deadline=time.monotonic() + min(10.0, left() / 10))
    lower = sum(bounds.values())
    # 3. local search on the breaks
    best_of: dict[int, int] | None = None
    if usable:
        share = left() - 0.5 if large else left() * 0.3
        best_of = lns.improve(problem, held, deadline=time.monotonic() + share, lower=lower, seed=seed,
                              patience=None if large else 60, on_progress=on_progress, started=started,
                              windows=large and WINDOWS)
        held = best_of
        if on_schedule is not None and len(best_of) == n:
            on_schedule(dict(best_of))
        over = lns.excess(problem, count_breaks(problem, best_of))
        if problem.require_all and over:
            best_of = None  # fairness not met yet: only a hint, the full model must find a schedule
        elif large or (proven and over == 0 and sum(count_breaks(problem, best_of)) <= lower):
            return result_of(problem, best_of, proven=proven and over == 0, lower=lower, held_bound=held_bound,
                           started=started)
    if large:
        return Result(status="unknown", held_bound=held_bound, seconds=elapsed())
    return _full(problem, best_of=best_of, held=held if usable else None, hint=held if usable else start,
                 bounds=bounds, lower=lower, proven=proven, held_bound=held_bound, deadline=deadline, workers=workers,
                 seed=seed, on_progress=on_progress, on_schedule=on_schedule, started=started)


def result_of(problem: Problem, slot_of: Mapping[int, int], *, proven: bool, lower: int, held_bound: int,
            started: float) -> Result:
    tables = assign_tables(problem, dict(slot_of))
    breaks = count_breaks(problem, dict(slot_of))
    objective = sum(breaks)
    optimal = proven and lower >= objective
    return Result(
        status="optimal" if optimal else "feasible",
        placements=[Placement(meeting=m, slot=t, table=tables[m]) for m, t in sorted(slot_of.items())],
        total_breaks=objective,
        bound=min(lower, objective),
        breaks=breaks,
        unplaced=[m for m in range(len(problem.meetings)) if m not in slot_of],
        held_bound=held_bound,
        seconds=time.monotonic() - started,
        fairness_excess=lns.excess(problem, breaks),
    )


def _full(problem: Problem, *, best_of: dict[int, int] | None, held: Mapping[int, int] | None,
          hint: Mapping[int, int], bounds: Mapping[int, int], lower: int,
          proven: bool, held_bound: int, deadline: float, workers: int, seed: int, on_progress: Progress | None,
          started: float, on_schedule: Schedule | None = None) -> Result:
    """Phase 4: the full model, from the best schedule so far (see `solve`)."""
    def left() -> float:
        return deadline - time.monotonic()

    def infeasible() -> Result:
        return Result(status="infeasible", conflicts=diagnose(problem, seconds=max(5.0, left())),
                      seconds=time.monotonic() - started)

    built = build(problem)
    model = built.model
    xs = list(built.x.items())
    for p, b in bounds.items():
        if not isinstance(built.breaks[p], int):
            model.add(built.breaks[p] >= b)

    def values_of(slot_of: Mapping[int, int]) -> dict[tuple[int, int], int]:
        return {key: int(slot_of.get(key[0]) == key[1]) for key, _var in xs}

    best: dict[tuple[int, int], int] | None = values_of(best_of) if best_of is not None else None
    ceiling = sum(problem.n_slots // 2 for _ in range(problem.n_participants))
    total = model.new_int_var(0, ceiling, "total_breaks")
    model.add(total == sum(built.breaks))

    def set_hint(values: Mapping[tuple[int, int], int]) -> None:
        model.clear_hints()
        for key, var in xs:
            model.add_hint(var, values[key])

    set_hint(best if best is not None else values_of(hint))
    optional = [m for m, v in enumerate(built.held) if not isinstance(v, int)]
    if optional:
        weight = len(optional) + 1
        weights = {m: weight + (1 if problem.meetings[m].priority >= MUST_MEET else 0) for m in optional}
        held_objective = sum(weights[m] * built.held[m] for m in optional)
        if held is None:  # the first phase found nothing usable in time: the meetings held here
            model.maximize(held_objective * (ceiling + 1) - total)
            solver = cp_solver(left() / 3, workers, seed)
            status = solver.solve(model, Watch("meetings", on_progress, started))
            if status == cp_model.INFEASIBLE:
                return infeasible()
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                return Result(status="unknown", seconds=time.monotonic() - started)
            proven = status == cp_model.OPTIMAL
            best = {key: solver.value(var) for key, var in xs}
            held = _slots(best)
            set_hint(best)
            model.clear_objective()
        model.add(held_objective >= sum(weights.get(m, 0) for m in held))
        if built.slack is not None:  # as fair as these meetings allow, then the breaks
            if best is not None and best_slack(best, problem) == 0:
                model.add(built.slack == 0)
            else:
                model.minimize(built.slack * (ceiling + 1) + total)
                solver = cp_solver(left() / 4, workers, seed)
                status = solver.solve(model, Watch("fairness", on_progress, started))
                if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                    proven = proven and status == cp_model.OPTIMAL
                    model.add(built.slack <= solver.value(built.slack))
                    best = {key: solver.value(var) for key, var in xs}
                    set_hint(best)
                elif best is not None:
                    proven = False
                    model.add(built.slack <= best_slack(best, problem))
                model.clear_objective()
    best_total: int | None = None if best is None else sum(count_breaks(problem, _slots(best)))
    # portfolio search: a better schedule and a lower bound
    if best_total is None or lower < best_total:
        model.minimize(total)
        solver = cp_solver(min(left(), max(5.0, left() / 2)), workers, seed)
        status = solver.solve(model, Watch("breaks", on_progress, started))
        if status == cp_model.INFEASIBLE:
            return infeasible()
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = round(solver.objective_value)
            if best_total is None or found <= best_total:
                best = {key: solver.value(var) for key, var in xs}
                best_total = found
                set_hint(best)
                if on_schedule is not None and all(isinstance(v, int) for v in built.held):
                    on_schedule(_slots(best))
            bound = best_total if status == cp_model.OPTIMAL else math.ceil(solver.best_objective_bound - 1e-6)
            lower = max(lower, bound)
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
    # close the gap from below: is there a schedule with at most k breaks?
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
    return result_of(problem, _slots(best), proven=proven and best_total is not None, lower=lower,
                   held_bound=held_bound, started=started)


def _slots(values: Mapping[tuple[int, int], int]) -> dict[int, int]:
    return {m: t for (m, t), v in values.items() if v}

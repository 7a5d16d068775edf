"""Lower bounds on the breaks that do not depend on the search.

A participant's own bound: the fewest breaks it can have when all of its meetings are held, each
in a slot it may take (its session, its and its partner's availability, fixed slots), at most
`capacity` at once, ignoring everyone else (their other meetings, the tables, fairness). Every
schedule that holds those meetings gives the participant at least that many breaks, so the sum
is a lower bound on the total and each one is a valid constraint `breaks[p] >= bound[p]` of the
full model (it tightens CP-SAT's own bound). It is computed only for participants whose meetings
are all held (every meeting required, or the first phase placed them all), and only where the
schedule at hand gives the participant breaks (elsewhere it is 0 by that schedule).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable

from ortools.sat.python import cp_model

from bioatlas.events.scheduling.problem import Problem
from bioatlas.events.scheduling.runner import cp_solver


def participant_bound(problem: Problem, p: int, *, seconds: float = 1.0) -> int:
    """The fewest breaks participant p can have on its own (see the module doc)."""
    mine = [m for m, meeting in enumerate(problem.meetings) if p in (meeting.a, meeting.b)]
    if len(mine) < 2:
        return 0
    model = cp_model.CpModel()
    by_slot: dict[int, list] = {}
    for m in mine:
        slots = problem.allowed_slots(m)
        if not slots:
            return 0  # cannot be held at all: not this bound's business
        vars_ = []
        for t in slots:
            var = model.new_bool_var(f"x{m}_{t}")
            vars_.append(var)
            by_slot.setdefault(t, []).append(var)
        model.add_exactly_one(vars_)
    cap = problem.capacity_of(p)
    busy: dict[int, cp_model.IntVar] = {}
    for t, vars_ in by_slot.items():
        if len(vars_) > cap:
            model.add(sum(vars_) <= cap)
        flag = model.new_bool_var(f"busy{t}")
        model.add_max_equality(flag, vars_)
        busy[t] = flag
    terms: list = []
    for first, last in problem.day_ranges():
        day = [t for t in range(first, last + 1) if t in busy]
        if not day:
            continue
        used = model.new_bool_var(f"day{first}")
        model.add_max_equality(used, [busy[t] for t in day])
        terms.append(-used)
        for t in day:
            prev = busy.get(t - 1) if t > first else None
            if prev is None:
                terms.append(busy[t])
                continue
            start = model.new_bool_var(f"start{t}")
            model.add_bool_or([start, busy[t].negated(), prev])
            terms.append(start)
    model.minimize(sum(terms))
    solver = cp_solver(seconds, 1, 0)
    status = solver.solve(model)
    if status == cp_model.OPTIMAL:
        return max(0, round(solver.objective_value))
    if status == cp_model.FEASIBLE:
        return max(0, math.ceil(solver.best_objective_bound - 1e-6))
    return 0


def participant_bounds(problem: Problem, participants: Iterable[int], *, deadline: float) -> dict[int, int]:
    """{participant: its own bound} for those computed before `deadline` (the others: 0)."""
    out: dict[int, int] = {}
    for p in participants:
        left = deadline - time.monotonic()
        if left <= 0.05:
            break
        bound = participant_bound(problem, p, seconds=min(1.0, left))
        if bound:
            out[p] = bound
    return out


def held_bound(problem: Problem, participants: Iterable[int], *, deadline: float) -> int:
    """An upper bound on the meetings that can be held: each participant's meetings that cannot
    all fit its free slots on its own (a matching of its meetings to its slots and seats) leave
    at least that many out, and a meeting left out is counted by at most its two participants."""
    deficit = 0
    for p in participants:
        left = deadline - time.monotonic()
        if left <= 0.05:
            break
        mine = [m for m, meeting in enumerate(problem.meetings) if p in (meeting.a, meeting.b)]
        model = cp_model.CpModel()
        by_slot: dict[int, list] = {}
        held = []
        for m in mine:
            vars_ = [model.new_bool_var("") for _ in problem.allowed_slots(m)]
            for t, var in zip(problem.allowed_slots(m), vars_, strict=True):
                by_slot.setdefault(t, []).append(var)
            flag = model.new_bool_var("")
            model.add(sum(vars_) == flag)
            held.append(flag)
        for vars_ in by_slot.values():
            model.add(sum(vars_) <= problem.capacity_of(p))
        model.maximize(sum(held))
        solver = cp_solver(min(1.0, left), 1, 0)
        if solver.solve(model) == cp_model.OPTIMAL:
            deficit += len(mine) - round(solver.objective_value)
    return len(problem.meetings) - (deficit + 1) // 2

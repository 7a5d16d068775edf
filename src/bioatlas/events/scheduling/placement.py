"""First phase: which meetings are held, on a model with placements only (no break variables).

Every meeting is optional there (fixed ones excepted); the objective is the meetings held,
weighted so that a must-meet meeting counts a little more than a would-like one (and never more
than two would-like ones). Without the break and block variables the model is a small fraction of
the full one, so CP-SAT proves "every accepted meeting that can be placed is placed" quickly:
when it places them all the upper bound is met at once; when it cannot, its objective bound says
how many can be held at most. Fairness is not looked at here: with optional meetings it is widened
as far as needed (see `model`), so it never costs a meeting, and with required ones the full model
enforces it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

from ortools.sat.python import cp_model

from bioatlas.events.scheduling.problem import MUST_MEET, Problem
from bioatlas.events.scheduling.runner import Progress, Watch, cp_solver


@dataclass
class Placed:
    slot_of: dict[int, int]  # meeting -> slot, for the meetings held
    weight: int  # the weighted count reached (see `weights`)
    weight_bound: int  # an upper bound on it (== weight when proven)
    held_bound: int  # an upper bound on the number of meetings held
    proven: bool
    infeasible: bool = False  # a fixed meeting or a precedence cannot hold at all


def weights(problem: Problem) -> list[int]:
    """Each meeting's weight: n + 1, plus 1 for must-meet (n meetings)."""
    base = len(problem.meetings) + 1
    return [base + (1 if meeting.priority >= MUST_MEET else 0) for meeting in problem.meetings]


def weight_of(problem: Problem, held: Mapping[int, int] | set[int]) -> int:
    w = weights(problem)
    return sum(w[m] for m in held)


def place(problem: Problem, *, start: Mapping[int, int], seconds: float, workers: int, seed: int,
          on_progress: Progress | None = None, started: float = 0.0) -> Placed:
    """As many meetings as can be held (weighted), starting from `start` {meeting: slot}."""
    model = cp_model.CpModel()
    w = weights(problem)
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    by_participant_slot: dict[tuple[int, int], list] = {}
    by_slot: dict[int, list] = {}
    held: list = []
    for m, meeting in enumerate(problem.meetings):
        slots = problem.allowed_slots(m)
        for t in slots:
            var = model.new_bool_var(f"x{m}_{t}")
            x[m, t] = var
            model.add_hint(var, 1 if start.get(m) == t else 0)
            by_participant_slot.setdefault((meeting.a, t), []).append(var)
            by_participant_slot.setdefault((meeting.b, t), []).append(var)
            by_slot.setdefault(t, []).append(var)
        flag = model.new_bool_var(f"held{m}")
        model.add(sum(x[m, t] for t in slots) == flag)
        if meeting.fixed is not None:
            model.add(flag == 1)
        held.append(flag)
    for (p, _t), vars_ in by_participant_slot.items():
        cap = problem.capacity_of(p)
        if len(vars_) > cap:
            if cap == 1:
                model.add_at_most_one(vars_)
            else:
                model.add(sum(vars_) <= cap)
    for vars_ in by_slot.values():
        if len(vars_) > problem.tables:
            model.add(sum(vars_) <= problem.tables)
    for before, after in problem.precedences:
        slot_before = sum(t * x[before, t] for t in problem.allowed_slots(before))
        slot_after = sum(t * x[after, t] for t in problem.allowed_slots(after))
        model.add(slot_before < slot_after).only_enforce_if([held[before], held[after]])
    model.maximize(sum(w[m] * held[m] for m in range(len(held))))
    solver = cp_solver(seconds, workers, seed)
    status = solver.solve(model, Watch("meetings", on_progress, started))
    total = sum(w)
    if status == cp_model.INFEASIBLE:
        return Placed(slot_of={}, weight=0, weight_bound=0, held_bound=0, proven=True, infeasible=True)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Placed(slot_of={}, weight=0, weight_bound=total, held_bound=len(held), proven=False)
    slot_of = {m: t for (m, t), var in x.items() if solver.value(var)}
    reached = weight_of(problem, set(slot_of))
    if status == cp_model.OPTIMAL:
        bound = reached
    else:
        bound = min(total, int(solver.best_objective_bound + 1e-6))
    base = len(problem.meetings) + 1
    return Placed(slot_of=slot_of, weight=reached, weight_bound=bound, held_bound=min(len(held), bound // base),
                  proven=status == cp_model.OPTIMAL)


def repair(problem: Problem, slot_of: Mapping[int, int], *, deadline: float, seed: int = 0) -> dict[int, int]:
    """More meetings held: each meeting left out is tried again in a small neighbourhood (every
    meeting of its two participants may move, plus, on a second try, those of a few of their
    partners), the rest of the schedule kept; the meetings already held stay held. For large
    events, where the placement model is too big to improve on the greedy in time. Skipped with
    precedences."""
    rng = random.Random(seed)
    current = dict(slot_of)
    if problem.precedences:
        return current
    meetings = problem.meetings
    of: list[set[int]] = [set() for _ in range(problem.n_participants)]
    for m in current:
        of[meetings[m].a].add(m)
        of[meetings[m].b].add(m)
    left_out = sorted((m for m in range(len(meetings)) if m not in current and problem.allowed_slots(m)),
                      key=lambda m: -meetings[m].priority)
    for m in left_out:
        for widen in (0, 4, 12):
            if time.monotonic() > deadline - 0.1:
                return current
            a, b = meetings[m].a, meetings[m].b
            freed = set(of[a]) | set(of[b])
            partners = sorted({meetings[k].a + meetings[k].b - p for p in (a, b) for k in of[p]})
            for q in rng.sample(partners, k=min(widen, len(partners))):
                freed |= of[q]
            moved = _reseat(problem, current, freed, m, seconds=min(1.0, deadline - time.monotonic()))
            if moved is None:
                continue
            for k, t in moved.items():
                current[k] = t
            of[a].add(m)
            of[b].add(m)
            break
    return current


def _reseat(problem: Problem, current: Mapping[int, int], freed: set[int], extra: int,
            seconds: float) -> dict[int, int] | None:
    """Slots for `freed` (held ones, kept held) and `extra` (left out) together, the rest fixed."""
    meetings = problem.meetings
    load: dict[tuple[int, int], int] = {}
    tables = [0] * problem.n_slots
    for m, t in current.items():
        if m in freed:
            continue
        tables[t] += 1
        for p in (meetings[m].a, meetings[m].b):
            load[p, t] = load.get((p, t), 0) + 1
    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    by_pt: dict[tuple[int, int], list] = {}
    by_t: dict[int, list] = {}
    for m in [*freed, extra]:
        vars_ = []
        for t in problem.allowed_slots(m):
            if tables[t] >= problem.tables or any(load.get((p, t), 0) >= problem.capacity_of(p)
                                                  for p in (meetings[m].a, meetings[m].b)):
                continue
            var = model.new_bool_var("")
            if m != extra:
                model.add_hint(var, 1 if current[m] == t else 0)
            x[m, t] = var
            vars_.append(var)
            for p in (meetings[m].a, meetings[m].b):
                by_pt.setdefault((p, t), []).append(var)
            by_t.setdefault(t, []).append(var)
        if m == extra:
            if not vars_:
                return None
            model.add(sum(vars_) == 1)
        else:
            model.add_exactly_one(vars_)
    for t, vars_ in by_t.items():
        if len(vars_) > problem.tables - tables[t]:
            model.add(sum(vars_) <= problem.tables - tables[t])
    for (p, t), vars_ in by_pt.items():
        room = problem.capacity_of(p) - load.get((p, t), 0)
        if len(vars_) > room:
            model.add(sum(vars_) <= room)
    solver = cp_solver(seconds, 1, 0)
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return {m: t for (m, t), var in x.items() if solver.value(var)}

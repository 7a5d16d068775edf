"""Large neighbourhood search on the breaks, for a schedule whose meetings are chosen.

Each step frees the meetings of a few participants (one with breaks and some of its partners),
keeps every other meeting where it is, and lets CP-SAT (one worker, a second or two) re-place the
freed ones optimally: the sub-model has the freed meetings' slots, the tables and seats left by
the fixed ones, precedences, and the breaks of every participant they touch. Its objective is the
fairness excess (how far max - min breaks exceeds d) first, then those participants' breaks; the
spread never grows. A step is kept when it is no worse (equal steps let the search drift). The
neighbourhood grows when steps are solved to optimality quickly and shrinks when they time out.
The set of meetings held never changes here. On large events (thousands of meetings) this is
what lowers the breaks: the full model is too big for the time given.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping

from ortools.sat.python import cp_model

from bioatlas.events.scheduling.problem import Problem, count_breaks
from bioatlas.events.scheduling.runner import Progress, cp_solver


def _spread(breaks: list[int]) -> int:
    return max(breaks) - min(breaks) if breaks else 0


def excess(problem: Problem, breaks: list[int]) -> int:
    """How far the schedule's spread exceeds the fairness bound (0 without a bound)."""
    if problem.fairness is None:
        return 0
    return max(0, _spread(breaks) - problem.fairness)


class _Search:
    def __init__(self, problem: Problem, slot_of: Mapping[int, int], seed: int, windows: bool = False) -> None:
        self.problem = problem
        self.slot_of = dict(slot_of)
        self.rng = random.Random(seed)
        self.seed = seed
        self.of: list[list[int]] = [[] for _ in range(problem.n_participants)]
        for m in self.slot_of:
            meeting = problem.meetings[m]
            self.of[meeting.a].append(m)
            self.of[meeting.b].append(m)
        self.breaks = count_breaks(problem, self.slot_of)
        self.size = 40.0
        self.windows = windows
        self.allowed = {m: problem.allowed_slots(m) for m in self.slot_of}

    def neighbourhood(self) -> set[int]:
        problem = self.problem
        with_breaks = [p for p, b in enumerate(self.breaks) if b > 0]
        if excess(problem, self.breaks) > 0:  # the most broken ones first
            top = max(self.breaks)
            with_breaks = [p for p, b in enumerate(self.breaks) if b == top]
        elif self.windows and self.rng.random() < 0.5:
            return self.window()
        pool = with_breaks or [p for p in range(problem.n_participants) if self.of[p]]
        seed = self.rng.choice(pool)
        chosen = {seed}
        freed = set(self.of[seed])
        frontier = [problem.meetings[m].a + problem.meetings[m].b - seed for m in self.of[seed]]
        self.rng.shuffle(frontier)
        while frontier and len(freed) < self.size:
            q = frontier.pop()
            if q in chosen:
                continue
            chosen.add(q)
            freed |= set(self.of[q])
            if self.rng.random() < 0.3:  # now and then one step further
                more = [problem.meetings[m].a + problem.meetings[m].b - q for m in self.of[q]]
                self.rng.shuffle(more)
                frontier[:0] = more[:2]
        return freed

    def window(self) -> set[int]:
        """The meetings of two consecutive slots of a day (those of participants with breaks
        first), up to the neighbourhood's size: lets whole groups of meetings trade places, which
        the participant neighbourhoods reach only one participant at a time."""
        first, last = self.rng.choice(self.problem.day_ranges())
        t = self.rng.randint(first, max(first, last - 1))
        here = [m for m, s in self.slot_of.items() if s in (t, t + 1)]
        self.rng.shuffle(here)
        meetings = self.problem.meetings
        here.sort(key=lambda m: -(self.breaks[meetings[m].a] + self.breaks[meetings[m].b]))
        return set(here[:max(2, int(self.size))])

    def step(self, freed: set[int], seconds: float) -> tuple[bool, bool]:
        """Re-place the freed meetings; (improved or equal and kept, solved to optimality)."""
        problem = self.problem
        meetings = problem.meetings
        touched = sorted({p for m in freed for p in (meetings[m].a, meetings[m].b)})
        touched_set = set(touched)
        fixed_load: dict[tuple[int, int], int] = {}
        table_load = [0] * problem.n_slots
        for m, t in self.slot_of.items():
            if m in freed:
                continue
            table_load[t] += 1
            for p in (meetings[m].a, meetings[m].b):
                if p in touched_set:
                    fixed_load[p, t] = fixed_load.get((p, t), 0) + 1
        model = cp_model.CpModel()
        x: dict[tuple[int, int], cp_model.IntVar] = {}
        by_pt: dict[tuple[int, int], list] = {}
        by_t: dict[int, list] = {}
        for m in freed:
            meeting = meetings[m]
            vars_ = []
            for t in self.allowed[m]:
                if table_load[t] >= problem.tables:
                    continue
                if any(fixed_load.get((p, t), 0) >= problem.capacity_of(p) for p in (meeting.a, meeting.b)):
                    continue
                var = model.new_bool_var("")
                model.add_hint(var, 1 if self.slot_of[m] == t else 0)
                x[m, t] = var
                vars_.append(var)
                by_pt.setdefault((meeting.a, t), []).append(var)
                by_pt.setdefault((meeting.b, t), []).append(var)
                by_t.setdefault(t, []).append(var)
            model.add_exactly_one(vars_)
        for t, vars_ in by_t.items():
            if len(vars_) > problem.tables - table_load[t]:
                model.add(sum(vars_) <= problem.tables - table_load[t])
        for (p, t), vars_ in by_pt.items():
            room = problem.capacity_of(p) - fixed_load.get((p, t), 0)
            if len(vars_) > room:
                model.add(sum(vars_) <= room)
        for before, after in problem.precedences:
            if (before in freed or after in freed) and before in self.slot_of and after in self.slot_of:
                model.add(self._when(before, freed, x) < self._when(after, freed, x))
        counts = []
        for p in touched:
            busy: list = []
            for t in range(problem.n_slots):
                if fixed_load.get((p, t), 0):
                    busy.append(1)
                elif (p, t) in by_pt:
                    vars_ = by_pt[p, t]
                    if len(vars_) == 1:
                        busy.append(vars_[0])
                    else:
                        flag = model.new_bool_var("")
                        model.add_max_equality(flag, vars_)
                        busy.append(flag)
                else:
                    busy.append(0)
            terms: list = []
            for first, last in problem.day_ranges():
                day = busy[first:last + 1]
                if all(isinstance(b, int) and b == 0 for b in day):
                    continue
                if any(isinstance(b, int) and b == 1 for b in day):
                    terms.append(-1)
                else:
                    used = model.new_bool_var("")
                    model.add_max_equality(used, day)
                    terms.append(-used)
                for i, now in enumerate(day):
                    prev = day[i - 1] if i else 0
                    if isinstance(now, int):
                        if now == 1:  # busy now: a block starts unless busy before
                            terms.append(1 - prev)
                        continue
                    if isinstance(prev, int):
                        if prev == 0:
                            terms.append(now)
                        continue
                    start = model.new_bool_var("")  # exactly: busy now and not before
                    model.add_bool_or([start, now.negated(), prev])
                    model.add_implication(start, now)
                    model.add_implication(start, prev.negated())
                    terms.append(start)
            count = model.new_int_var(0, problem.n_slots, "")
            model.add(count == sum(terms))
            counts.append(count)
        others = [b for p, b in enumerate(self.breaks) if p not in touched_set]
        spread = _spread(self.breaks)
        top = model.new_int_var(0, problem.n_slots, "")
        low = model.new_int_var(0, problem.n_slots, "")
        model.add_max_equality(top, counts + ([max(others)] if others else []))
        model.add_min_equality(low, counts + ([min(others)] if others else []))
        model.add(top - low <= max(spread, problem.fairness or 0))  # the excess never grows
        over = model.new_int_var(0, problem.n_slots, "")
        if problem.fairness is not None:
            model.add(over >= top - low - problem.fairness)
        else:
            model.add(over == 0)
        weight = len(touched) * problem.n_slots + 1
        model.minimize(over * weight + sum(counts))
        before_cost = excess(problem, self.breaks) * weight + sum(self.breaks[p] for p in touched)
        solver = cp_solver(seconds, 1, self.seed)
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return False, False
        if solver.objective_value > before_cost + 1e-6:
            return False, status == cp_model.OPTIMAL
        for m in freed:
            for t in self.allowed[m]:
                chosen = x.get((m, t))
                if chosen is not None and solver.value(chosen):
                    self.slot_of[m] = t
        self.breaks = count_breaks(problem, self.slot_of)
        return True, status == cp_model.OPTIMAL

    def _when(self, m: int, freed: set[int], x: Mapping[tuple[int, int], cp_model.IntVar]):
        if m not in freed:
            return self.slot_of[m]
        return sum(t * var for (mm, t), var in x.items() if mm == m)


def improve(problem: Problem, slot_of: Mapping[int, int], *, deadline: float, lower: int = 0, seed: int = 0,
            patience: int | None = None, on_progress: Progress | None = None, started: float = 0.0,
            windows: bool = False) -> dict[int, int]:
    """A schedule of the same meetings with no more fairness excess and no more breaks, searched
    until `deadline`, until the breaks reach `lower` with no excess, until a neighbourhood holding
    every meeting is solved to optimality (nothing left to find for these meetings), or after
    `patience` steps in a row without progress. `windows`: half of the neighbourhoods (once the
    fairness bound is met) are the meetings of two consecutive slots (`_Search.window`)."""
    if not slot_of or problem.n_slots < 2:
        return dict(slot_of)
    search = _Search(problem, slot_of, seed, windows=windows)
    best = (excess(problem, search.breaks), sum(search.breaks))
    idle = 0
    while time.monotonic() < deadline - 0.1:
        if best[0] == 0 and best[1] <= lower:
            break
        if patience is not None and idle >= patience:
            break
        freed = search.neighbourhood()
        seconds = min(2.0, deadline - time.monotonic())
        began = time.monotonic()
        _kept, optimal = search.step(freed, seconds)
        if optimal and len(freed) == len(search.slot_of):
            break
        idle += 1
        took = time.monotonic() - began
        if optimal and took < seconds / 4:
            search.size = min(400.0, search.size * 1.15)
        elif not optimal:
            search.size = max(12.0, search.size * 0.85)
        now = (excess(problem, search.breaks), sum(search.breaks))
        if now < best:
            best, idle = now, 0
            if on_progress is not None:
                on_progress("breaks (local search)", now[1], lower, time.monotonic() - started)
    return dict(search.slot_of)

"""A fast constructive schedule: the solver's first hint, and its fallback when CP-SAT finds
nothing in time on large events. Meetings are placed one by one (fixed, then must-meet, then
the busiest participants' first), each in the allowed slot that adds the fewest breaks to its
two participants, then the closest to their other meetings, then the earliest; precedences with
already placed meetings, capacities, tables and unavailability are respected. Fairness is not
looked at."""

from __future__ import annotations

from bioatlas.events.scheduling.problem import MUST_MEET, Problem


def _breaks(slots: list[int], days: list[tuple[int, int]]) -> int:
    n = 0
    for first, last in days:
        day = [t for t in slots if first <= t <= last]
        n += sum(1 for a, b in zip(day, day[1:]) if b != a + 1)
    return n


def schedule(problem: Problem) -> dict[int, int]:
    """{meeting: slot} for the meetings it could place."""
    days = problem.day_ranges()
    degree = [0] * problem.n_participants
    for meeting in problem.meetings:
        degree[meeting.a] += 1
        degree[meeting.b] += 1
    order = sorted(range(len(problem.meetings)), key=lambda m: (
        problem.meetings[m].fixed is None, problem.meetings[m].priority < MUST_MEET,
        -max(degree[problem.meetings[m].a], degree[problem.meetings[m].b]), m))
    before: dict[int, list[int]] = {}
    after: dict[int, list[int]] = {}
    for b, a in problem.precedences:
        before.setdefault(a, []).append(b)
        after.setdefault(b, []).append(a)
    load: dict[tuple[int, int], int] = {}
    tables = [0] * problem.n_slots
    busy: list[list[int]] = [[] for _ in range(problem.n_participants)]
    slot_of: dict[int, int] = {}
    for m in order:
        meeting = problem.meetings[m]
        low = max((slot_of[b] for b in before.get(m, []) if b in slot_of), default=-1)
        high = min((slot_of[a] for a in after.get(m, []) if a in slot_of), default=problem.n_slots)
        best: tuple | None = None
        for t in problem.allowed_slots(m):
            if not low < t < high or tables[t] >= problem.tables:
                continue
            if any(load.get((p, t), 0) >= problem.capacity_of(p) for p in (meeting.a, meeting.b)):
                continue
            added = 0
            distance = 0
            for p in (meeting.a, meeting.b):
                mine = busy[p]
                if t not in mine:
                    added += _breaks(sorted([*mine, t]), days) - _breaks(sorted(mine), days)
                distance += min((abs(t - s) for s in mine), default=0)
            key = (added, distance, t)
            if best is None or key < best:
                best = key
        if best is None:
            continue
        t = best[2]
        slot_of[m] = t
        tables[t] += 1
        for p in (meeting.a, meeting.b):
            load[p, t] = load.get((p, t), 0) + 1
            if t not in busy[p]:
                busy[p].append(t)
    return slot_of

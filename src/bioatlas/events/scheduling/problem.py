"""The B2B meeting scheduling problem as plain data (no database, no solver).

Vocabulary of Bofill et al., "Constraint Solving Approaches to the Business-to-Business Meeting
Scheduling Problem", JAIR 74 (2022) 263-301: participants meet in pairs; a meeting takes one slot
and one table; a participant's *breaks* are the idle periods between two of its meetings (its
blocks of consecutive meetings minus one, counted per day); the objective is the sum over
participants, under a fairness bound `d` on the difference between the largest and the smallest
number of breaks of any participant.

Everything here is 0-based; the `.dzn` reader and the JSON output convert from and to the
1-based numbering of the benchmark files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

MUST_MEET = 2
WOULD_LIKE = 1


@dataclass(frozen=True)
class Meeting:
    """One accepted request between participants `a` and `b`.

    `slots`: the slots it may take (None: any slot; a session wish or a fixed slot narrows it);
    `fixed`: the slot it must take (the organiser placed it); `priority`: MUST_MEET or WOULD_LIKE
    (when not every meeting fits, must-meet meetings are kept first); `label`: how the infeasibility
    report names it."""

    a: int
    b: int
    slots: frozenset[int] | None = None
    fixed: int | None = None
    priority: int = WOULD_LIKE
    label: str = ""


@dataclass(frozen=True)
class Problem:
    """An instance. `days`: (first slot, last slot) of each day, inclusive (breaks are counted
    within a day; the night is not a break); `tables`: meetings a slot can hold; `capacity[p]`:
    meetings participant p can hold at once (its representatives; default 1); `unavailable[p]`:
    slots p cannot meet in (forbidden slots, or outside its availability); `precedences`: pairs
    (before, after) of meeting indexes; `require_all`: every meeting must be placed (the paper's
    problem; otherwise as many as possible are, must-meet first); `fairness`: the bound d, or None."""

    n_participants: int
    n_slots: int
    tables: int
    meetings: Sequence[Meeting]
    days: Sequence[tuple[int, int]] = ()
    capacity: Sequence[int] = ()
    unavailable: Sequence[frozenset[int]] = ()
    precedences: Sequence[tuple[int, int]] = ()
    require_all: bool = True
    fairness: int | None = 2
    participant_labels: Sequence[str] = ()

    def day_ranges(self) -> list[tuple[int, int]]:
        return list(self.days) if self.days else [(0, self.n_slots - 1)]

    def capacity_of(self, p: int) -> int:
        return self.capacity[p] if self.capacity else 1

    def unavailable_of(self, p: int) -> frozenset[int]:
        return self.unavailable[p] if self.unavailable else frozenset()

    def participant_label(self, p: int) -> str:
        return self.participant_labels[p] if self.participant_labels else f"participant {p + 1}"

    def meeting_label(self, m: int) -> str:
        meeting = self.meetings[m]
        return meeting.label or (f"meeting {m + 1} ({self.participant_label(meeting.a)} – "
                                 f"{self.participant_label(meeting.b)})")

    def allowed_slots(self, m: int) -> list[int]:
        """The slots meeting m may take: its own wish and fixed slot, minus the slots either
        participant cannot meet in."""
        meeting = self.meetings[m]
        slots = set(range(self.n_slots)) if meeting.slots is None else set(meeting.slots)
        if meeting.fixed is not None:
            slots &= {meeting.fixed}
        slots -= self.unavailable_of(meeting.a) | self.unavailable_of(meeting.b)
        return sorted(slots)


@dataclass(frozen=True)
class Placement:
    meeting: int
    slot: int
    table: int


@dataclass
class Result:
    """What the scheduler found. `status`: "optimal" (proven), "feasible" (a schedule, with the
    solver's bound on the breaks and the relative gap to it), "infeasible" (proven; `conflicts`
    names a set of requirements that cannot hold together) or "unknown" (no schedule found and
    none proven impossible within the time limit)."""

    status: str
    placements: list[Placement] = field(default_factory=list)
    total_breaks: int | None = None
    bound: int | None = None
    breaks: list[int] = field(default_factory=list)
    unplaced: list[int] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    held_bound: int | None = None  # a proven upper bound on the meetings that can be held
    seconds: float = 0.0
    fairness_excess: int = 0  # > 0: no schedule met the fairness bound in time; this one exceeds it by that much

    @property
    def spread(self) -> int:
        """Largest minus smallest number of breaks (what the fairness bound caps)."""
        return max(self.breaks) - min(self.breaks) if self.breaks else 0

    @property
    def gap(self) -> float | None:
        """(breaks - bound) / breaks: 0 when optimal; None without a schedule."""
        if self.total_breaks is None or self.bound is None:
            return None
        if self.total_breaks == 0:
            return 0.0
        return max(0.0, (self.total_breaks - self.bound) / self.total_breaks)

    def as_json(self) -> dict:
        """The JSON of `bioatlas events schedule --json` (issue 15): meetings and slots from 1,
        meetings in `requested` order; `conflicts` only when infeasible."""
        out: dict = {
            "status": self.status,
            "total_breaks": self.total_breaks,
            "meetings": [{"meeting": p.meeting + 1, "slot": p.slot + 1, "table": p.table + 1}
                         for p in sorted(self.placements, key=lambda p: p.meeting)],
        }
        if self.status == "infeasible":
            out["conflicts"] = list(self.conflicts)
        if self.fairness_excess:
            out["fairness_exceeded_by"] = self.fairness_excess
        return out


def count_breaks(problem: Problem, slot_of: dict[int, int]) -> list[int]:
    """Each participant's breaks for placed meetings {meeting: slot}, counted per day: the
    independent check of what the solver reports."""
    busy: list[set[int]] = [set() for _ in range(problem.n_participants)]
    for m, t in slot_of.items():
        meeting = problem.meetings[m]
        busy[meeting.a].add(t)
        busy[meeting.b].add(t)
    out = []
    for slots in busy:
        n = 0
        for first, last in problem.day_ranges():
            day = sorted(t for t in slots if first <= t <= last)
            n += sum(1 for prev, cur in zip(day, day[1:]) if cur != prev + 1)
        out.append(n)
    return out


def assign_tables(problem: Problem, slot_of: dict[int, int]) -> dict[int, int]:
    """Tables for placed meetings: per slot, a meeting keeps the table one of its participants
    sat at in the previous slot when it is free (fewer moves), else takes the lowest free one."""
    by_slot: dict[int, list[int]] = {}
    for m, t in slot_of.items():
        by_slot.setdefault(t, []).append(m)
    table_of: dict[int, int] = {}
    last_table: dict[int, int] = {}  # participant -> table in the previous slot
    for t in sorted(by_slot):
        free = set(range(problem.tables))
        chosen: dict[int, int] = {}
        pending = sorted(by_slot[t])
        for m in pending:
            meeting = problem.meetings[m]
            for p in (meeting.a, meeting.b):
                table = last_table.get(p)
                if table is not None and table in free and slot_of.get(m) == t and m not in chosen:
                    chosen[m] = table
                    free.discard(table)
        for m in pending:
            if m not in chosen:
                chosen[m] = min(free)
                free.discard(chosen[m])
        new_last: dict[int, int] = {}
        for m, table in chosen.items():
            meeting = problem.meetings[m]
            new_last[meeting.a] = table
            new_last[meeting.b] = table
        last_table = new_last
        table_of.update(chosen)
    return table_of

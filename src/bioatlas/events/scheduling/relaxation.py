"""A lower bound on the breaks of an event whose meetings cannot all be placed (the platform's
events, meetings optional; the benchmark's synthetic 500/3,000): RC2 on a relaxation.

The objective is lexicographic: the most meetings held, then (fairness widened as little as
needed) the fewest breaks. Some participants have more meetings than they can fit on their own
(`deficits`: a matching of each one's meetings to its free slots and seats); each of them loses at
least its deficit d_p, and a meeting left out counts for at most its two participants, so at
least N = ceil(sum d / 2) meetings are left out of every schedule. When a schedule holds exactly
n - N meetings (then the most that can be held: proven), every schedule holding as many leaves
out N meetings that together cover the deficits; since sum d >= 2N - 1, a meeting touching no
participant with a deficit cannot be among them (the N - 1 others would cover at most 2N - 2).
So the fewest breaks over those schedules is at least the optimum of the relaxation: every
meeting required except those of participants with a deficit, of which at most N are left out;
no table limit, no fairness bound (dropping rules only lowers the optimum). RC2's cost on it, core
by core, is a lower bound on the breaks of the lexicographic optimum whenever the schedule
returned holds n - N meetings (`applies`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable


from bioatlas.events.scheduling import maxsat
from bioatlas.events.scheduling.problem import Problem


def _matched(seats: list[tuple[int, int]], allowed: dict[int, set[int]]) -> int:
    """The most meetings (`allowed`: meeting -> its slots) given a seat (slot, k) each, one per seat."""
    holder: dict[tuple[int, int], int] = {}

    def augment(m: int, seen: set[tuple[int, int]]) -> bool:
        for seat in seats:
            if seat[0] in allowed[m] and seat not in seen:
                seen.add(seat)
                if seat not in holder or augment(holder[seat], seen):
                    holder[seat] = m
                    return True
        return False

    return sum(1 for m in allowed if augment(m, set()))


def deficits(problem: Problem) -> dict[int, int]:
    """{participant: meetings it cannot fit on its own} (participants with none left out): its
    meetings, each in a slot it may take (session, availability of both, fixed slot), at most
    `capacity` per slot, everyone else ignored; a maximum matching by augmenting paths."""
    mine: dict[int, list[int]] = {}
    for m, meeting in enumerate(problem.meetings):
        mine.setdefault(meeting.a, []).append(m)
        mine.setdefault(meeting.b, []).append(m)
    out: dict[int, int] = {}
    for p, meetings in mine.items():
        seats = [(t, k) for t in range(problem.n_slots) for k in range(problem.capacity_of(p))]
        matched = _matched(seats, {m: set(problem.allowed_slots(m)) for m in meetings})
        if matched < len(meetings):
            out[p] = len(meetings) - matched
    return out


@dataclasses.dataclass(frozen=True)
class Relaxed:
    problem: Problem  # every meeting required but `optional`, no fairness bound
    optional: frozenset[int]
    left_out: int  # N: the fewest meetings any schedule leaves out

    def applies(self, held: int) -> bool:
        """Whether the bound holds for a schedule holding `held` meetings (see the module doc)."""
        return held == len(self.problem.meetings) - self.left_out


def relax(problem: Problem) -> Relaxed:
    short = deficits(problem)
    total = sum(short.values())
    left_out = (total + 1) // 2
    optional = frozenset(m for m, mt in enumerate(problem.meetings) if mt.a in short or mt.b in short)
    return Relaxed(problem=dataclasses.replace(problem, require_all=True, fairness=None),
                   optional=optional, left_out=left_out)


def lower_bound(problem: Problem, *, seconds: float, on_bound: Callable[[int], None] | None = None,
                solver: str = "g3", tables: bool = False) -> tuple[int, Relaxed]:
    """RC2's cost on the relaxation after `seconds` (or its optimum, if reached first): a lower
    bound on the breaks when `Relaxed.applies` to the schedule. `solver`: an interruptible back-end."""
    relaxed = relax(problem)
    started = time.monotonic()
    encoded = maxsat.encode(relaxed.problem, implied=tables and not relaxed.optional, soft="gaps",
                            optional=relaxed.optional, left_out=relaxed.left_out, tables=tables)
    left = seconds - (time.monotonic() - started)
    if left <= 0:
        return 0, relaxed
    model, cost, interrupted = maxsat.run_rc2(encoded.wcnf, solver=solver, time_limit=left, on_bound=on_bound)
    if model is None and not interrupted:
        return 0, relaxed  # the relaxation itself has no solution: no bound from it
    return cost, relaxed

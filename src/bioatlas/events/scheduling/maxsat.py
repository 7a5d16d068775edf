"""The paper's problem as a weighted partial MaxSAT formula, solved by RC2 (PySAT): the comparison
asked by issue 15 between a MaxSAT solver and CP-SAT (`bench/b2b.py --maxsat`).

Scope: the problem of the benchmark files, every meeting required (`require_all`), and the
fairness bound read as "no participant has more than d breaks", which is exactly max - min <= d
when some participant has fewer than two meetings (it then has 0 breaks): true of all 20
instances of Bofill et al.; `encode` refuses other problems rather than solve a different one.

Hard clauses: `x[m, t]` exactly one slot per meeting (among the slots it may take, so sessions,
fixed slots and unavailability are in the variables), at most `capacity` meetings per participant
and slot, at most `tables` per slot (sequential counter), precedences (pairs of slots excluded),
`busy[p, t] <=> OR x`, `seen[p, t]` (p met earlier that day or now), `gap[p, t] <=> busy[p, t] and
not busy[p, t-1] and seen[p, t-1]` (a block starts after an earlier one: a break), and at most d
breaks per participant. Soft clauses: `not gap[p, t]`, weight 1, so the cost is the total breaks.
RC2 is core-guided: its cost only grows (a lower bound) until the first model, which is optimal.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from pysat.card import CardEnc, EncType
from pysat.examples.rc2 import RC2
from pysat.formula import WCNF, IDPool

from bioatlas.events.scheduling.problem import Problem, count_breaks


class Unsupported(ValueError):
    """A problem outside this model's scope (see the module doc)."""


@dataclass
class Encoded:
    wcnf: WCNF
    x: dict[tuple[int, int], int]


@dataclass
class MaxSatResult:
    status: str  # "optimal", "infeasible" or "unknown" (time out)
    slot_of: dict[int, int]
    total_breaks: int | None
    bound: int  # RC2's cost when it stopped: a lower bound on the breaks
    seconds: float


def _degree(problem: Problem) -> list[int]:
    degree = [0] * problem.n_participants
    for meeting in problem.meetings:
        degree[meeting.a] += 1
        degree[meeting.b] += 1
    return degree


def scope_error(problem: Problem) -> str | None:
    """Why the problem is outside this model's scope (None: inside)."""
    if not problem.require_all:
        return "every meeting must be required (the benchmark's problem)"
    if problem.fairness is not None and min(_degree(problem)) >= 2:
        return "fairness is encoded as 'at most d breaks each': needs a participant with < 2 meetings"
    return None


def encode(problem: Problem) -> Encoded:
    error = scope_error(problem)
    if error is not None:
        raise Unsupported(error)
    degree = _degree(problem)
    pool = IDPool()
    wcnf = WCNF()
    x: dict[tuple[int, int], int] = {}
    by_pt: dict[tuple[int, int], list[int]] = {}
    by_t: dict[int, list[int]] = {}
    for m, meeting in enumerate(problem.meetings):
        lits = []
        for t in problem.allowed_slots(m):
            var = pool.id(("x", m, t))
            x[m, t] = var
            lits.append(var)
            by_pt.setdefault((meeting.a, t), []).append(var)
            by_pt.setdefault((meeting.b, t), []).append(var)
            by_t.setdefault(t, []).append(var)
        for clause in CardEnc.equals(lits=lits, bound=1, vpool=pool, encoding=EncType.ladder).clauses:
            wcnf.append(clause)
    for (p, _t), lits in by_pt.items():
        if len(lits) > problem.capacity_of(p):
            encoding = EncType.ladder if problem.capacity_of(p) == 1 else EncType.seqcounter
            for clause in CardEnc.atmost(lits=lits, bound=problem.capacity_of(p), vpool=pool,
                                         encoding=encoding).clauses:
                wcnf.append(clause)
    for lits in by_t.values():
        if len(lits) > problem.tables:
            for clause in CardEnc.atmost(lits=lits, bound=problem.tables, vpool=pool,
                                         encoding=EncType.seqcounter).clauses:
                wcnf.append(clause)
    for before, after in problem.precedences:
        for tb in problem.allowed_slots(before):
            for ta in problem.allowed_slots(after):
                if tb >= ta:
                    wcnf.append([-x[before, tb], -x[after, ta]])
    for p in range(problem.n_participants):
        if degree[p] < 2:
            continue
        gaps: list[int] = []
        for first, last in problem.day_ranges():
            busy_prev: int = 0
            seen_prev: int | None = None
            for t in range(first, last + 1):
                lits = by_pt.get((p, t), [])
                busy = pool.id(("busy", p, t))
                for lit in lits:
                    wcnf.append([-lit, busy])
                wcnf.append([-busy, *lits])
                seen = pool.id(("seen", p, t))
                wcnf.append([-busy, seen])
                if seen_prev is None:
                    wcnf.append([-seen, busy])
                else:
                    wcnf.append([-seen_prev, seen])
                    wcnf.append([-seen, seen_prev, busy])
                    gap = pool.id(("gap", p, t))
                    wcnf.append([-gap, busy])
                    wcnf.append([-gap, -busy_prev])
                    wcnf.append([-gap, seen_prev])
                    wcnf.append([gap, -busy, busy_prev, -seen_prev])
                    wcnf.append([-gap], weight=1)
                    gaps.append(gap)
                busy_prev, seen_prev = busy, seen
        if problem.fairness is not None and len(gaps) > problem.fairness:
            for clause in CardEnc.atmost(lits=gaps, bound=problem.fairness, vpool=pool,
                                         encoding=EncType.seqcounter).clauses:
                wcnf.append(clause)
    return Encoded(wcnf=wcnf, x=x)


def solve(problem: Problem, *, time_limit: float = 60.0, solver: str = "g3") -> MaxSatResult:
    """RC2 (adapt, exhaust, minimise cores) with a time limit (an interrupt; RC2 may overrun it
    slightly to finish the core at hand)."""
    started = time.monotonic()
    encoded = encode(problem)
    with RC2(encoded.wcnf, solver=solver, adapt=True, exhaust=True, minz=True, trim=5) as rc2:
        timer = threading.Timer(time_limit, rc2.interrupt)
        timer.start()
        try:
            model = rc2.compute(expect_interrupt=True)
        finally:
            timer.cancel()
        seconds = time.monotonic() - started
        if model is None:
            if rc2.interrupted or seconds >= time_limit:
                return MaxSatResult("unknown", {}, None, rc2.cost, seconds)
            return MaxSatResult("infeasible", {}, None, rc2.cost, seconds)
        true = {lit for lit in model if lit > 0}
        slot_of = {m: t for (m, t), var in encoded.x.items() if var in true}
        total = sum(count_breaks(problem, slot_of))
        return MaxSatResult("optimal", slot_of, total, rc2.cost, seconds)

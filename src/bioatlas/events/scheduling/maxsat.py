"""The paper's problem as a weighted partial MaxSAT formula, solved by RC2 (PySAT): the comparison
asked by issue 15 between a MaxSAT solver and CP-SAT (`bench/b2b.py --maxsat`).

Scope: every meeting required (`require_all`: the benchmark's problem, or a platform event once
every accepted meeting is known to fit); `encode` refuses other problems rather than solve a
different one. The fairness bound max - min <= d: when some participant has fewer than two
meetings (it then has 0 breaks; true of all 20 instances of Bofill et al.) it is exactly "no
participant has more than d breaks", the paper's sorted break counters capped at d (`_counted`);
otherwise each participant's breaks are counted exactly in unary (`_exact_counter`) and indicators
"every participant has at least j breaks" tie the largest count to the smallest (`_fair_spread`).

Hard clauses: `x[m, t]` exactly one slot per meeting (among the slots it may take, so sessions,
fixed slots and unavailability are in the variables), at most `capacity` meetings per participant
and slot, at most `tables` per slot (over clusters of meetings sharing a participant, the paper's
4.5.2), the paper's implied constraints 1 (a participant of capacity 1 is busy in exactly as many
slots as it has meetings) and 2 (at most 2 x tables busy participants per slot), precedences (pairs of slots excluded),
`busy[p, t] <=> OR x`, `seen[p, t]` (p met earlier that day or now), `gap[p, t] <=> busy[p, t] and
not busy[p, t-1] and seen[p, t-1]` (a block starts after an earlier one: a break), and at most d
breaks per participant. Soft clauses: `not gap[p, t]`, weight 1, so the cost is the total breaks.
RC2 is core-guided: its cost only grows (a lower bound) until the first model, which is optimal.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
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
    return None


def clusters(problem: Problem) -> list[list[int]]:
    """A partition of the meetings into groups sharing a participant of capacity 1 (the paper's
    section 4.5.2): at most one meeting of a group takes a given slot, so the table count needs
    one literal per group and slot instead of one per meeting. Greedy: the participant with the
    most meetings not yet grouped takes them all."""
    left: dict[int, set[int]] = {}
    for m, meeting in enumerate(problem.meetings):
        for p in (meeting.a, meeting.b):
            if problem.capacity_of(p) == 1:
                left.setdefault(p, set()).add(m)
    grouped: set[int] = set()
    out: list[list[int]] = []
    while left:
        p = max(left, key=lambda q: (len(left[q]), -q))
        group = sorted(left.pop(p))
        if not group:
            continue
        out.append(group)
        grouped.update(group)
        for q in list(left):
            left[q] -= set(group)
            if not left[q]:
                del left[q]
    out.extend([m] for m in range(len(problem.meetings)) if m not in grouped)
    return out


def encode(problem: Problem, *, implied: bool = True, soft: str = "counter", optional: frozenset[int] = frozenset(),
           left_out: int = 0, tables: bool = True) -> Encoded:
    """The formula (see the module doc). `implied`: add the paper's two implied constraints
    (every participant of capacity 1 is busy in exactly as many slots as it has meetings; at most
    2 x tables participants are busy in a slot) and count tables over clusters (`clusters`).
    For a relaxation (`relaxation`: a lower bound, never a schedule): the meetings in `optional`
    may be left out, at most `left_out` of them, and `tables=False` drops the table limit."""
    error = scope_error(problem)
    if error is not None:
        raise Unsupported(error)
    degree = _degree(problem)
    pool = IDPool()
    wcnf = WCNF()
    x: dict[tuple[int, int], int] = {}
    by_pt: dict[tuple[int, int], list[int]] = {}
    by_t: dict[int, list[int]] = {}

    def card(lits: list[int], bound: int, kind: str) -> None:
        if kind == "atmost" and len(lits) <= bound:
            return
        if kind == "equals" and len(lits) <= bound:  # all of them (none can be enough: unsatisfiable)
            wcnf.extend([[lit] for lit in lits] if len(lits) == bound else [[]])
            return
        if bound == 0:
            wcnf.extend([[-lit] for lit in lits])
            return
        make = CardEnc.atmost if kind == "atmost" else CardEnc.equals
        encoding = EncType.ladder if bound == 1 else EncType.seqcounter if bound < 4 else EncType.cardnetwrk
        for clause in make(lits=lits, bound=bound, vpool=pool, encoding=encoding).clauses:
            wcnf.append(clause)

    lefts: list[int] = []
    for m, meeting in enumerate(problem.meetings):
        lits = []
        for t in problem.allowed_slots(m):
            var = pool.id(("x", m, t))
            x[m, t] = var
            lits.append(var)
            by_pt.setdefault((meeting.a, t), []).append(var)
            by_pt.setdefault((meeting.b, t), []).append(var)
            by_t.setdefault(t, []).append(var)
        if m in optional:
            left = pool.id(("left", m))
            wcnf.append([left, *lits])
            lefts.append(left)
            card(lits, 1, "atmost")
        else:
            card(lits, 1, "equals")
    if optional:
        card(lefts, left_out, "atmost")
    for (p, _t), lits in by_pt.items():
        card(lits, problem.capacity_of(p), "atmost")
    if not tables:
        pass
    elif implied:  # tables over clusters of meetings that exclude one another (4.5.2)
        groups = clusters(problem)
        for t in by_t:
            active = []
            for group in groups:
                inside = [x[m, t] for m in group if (m, t) in x]
                if not inside:
                    continue
                if len(inside) == 1:
                    active.append(inside[0])
                    continue
                lit = pool.id(("cluster", group[0], t))
                for var in inside:
                    wcnf.append([-var, lit])
                wcnf.append([-lit, *inside])
                active.append(lit)
            card(active, problem.tables, "atmost")
    else:
        for lits in by_t.values():
            card(lits, problem.tables, "atmost")
    for before, after in problem.precedences:
        for tb in problem.allowed_slots(before):
            for ta in problem.allowed_slots(after):
                if tb >= ta:
                    wcnf.append([-x[before, tb], -x[after, ta]])
    busy_at: dict[int, list[int]] = {}
    exact = problem.fairness is not None and soft == "counter" and min(degree, default=0) >= 2
    counters: list[list[int]] = []  # with `exact`: each participant's "at least k + 1 breaks"
    for p in range(problem.n_participants):
        mine = [(t, by_pt[p, t]) for t in range(problem.n_slots) if (p, t) in by_pt]
        busy_of: dict[int, int] = {}
        for t, lits in mine:
            busy = pool.id(("busy", p, t))
            busy_of[t] = busy
            busy_at.setdefault(t, []).append(busy)
            for lit in lits:
                wcnf.append([-lit, busy])
            wcnf.append([-busy, *lits])
        if implied and problem.capacity_of(p) == 1 and degree[p] >= 1 and not optional:  # implied constraint 1
            card(list(busy_of.values()), degree[p], "equals")
        if degree[p] < 2:
            continue
        gaps: list[int] = []
        for first, last in problem.day_ranges():
            busy_prev: int | None = None
            seen_prev: int | None = None
            for t in range(first, last + 1):
                busy = busy_of.get(t)
                if busy is None:  # p cannot meet here: busy is false
                    if seen_prev is not None:
                        seen = pool.id(("seen", p, t))
                        wcnf.append([-seen_prev, seen])
                        wcnf.append([-seen, seen_prev])
                        seen_prev = seen
                    busy_prev = None
                    continue
                seen = pool.id(("seen", p, t))
                wcnf.append([-busy, seen])
                if seen_prev is None:
                    wcnf.append([-seen, busy])
                else:
                    wcnf.append([-seen_prev, seen])
                    wcnf.append([-seen, seen_prev, busy])
                    gap = pool.id(("gap", p, t))
                    wcnf.append([-gap, busy])
                    if busy_prev is not None:
                        wcnf.append([-gap, -busy_prev])
                    wcnf.append([-gap, seen_prev])
                    wcnf.append([gap, -busy, -seen_prev] + ([busy_prev] if busy_prev is not None else []))
                    gaps.append(gap)
                busy_prev, seen_prev = busy, seen
        if exact:
            registers, clauses = _exact_counter(gaps, min(len(gaps), degree[p] - 1), pool)
            counters.append(registers)
            wcnf.extend(clauses)
            for reg in registers:
                wcnf.append([-reg], weight=1)
        elif soft == "counter" and problem.fairness is not None:
            for clause, weight in _counted(gaps, problem.fairness, pool):
                if weight:
                    wcnf.append(clause, weight=weight)
                else:
                    wcnf.append(clause)
        else:
            for gap in gaps:
                wcnf.append([-gap], weight=1)
            if problem.fairness is not None and len(gaps) > problem.fairness:
                card(gaps, problem.fairness, "atmost")
    if implied and tables:  # implied constraint 2: a meeting seats two participants
        for lits in busy_at.values():
            card(lits, 2 * problem.tables, "atmost")
    if exact and problem.fairness is not None:
        wcnf.extend(_fair_spread(counters, problem.fairness, pool))
    return Encoded(wcnf=wcnf, x=x)


def _exact_counter(gaps: list[int], width: int, pool: IDPool) -> tuple[list[int], list[list[int]]]:
    """A participant's breaks in unary, both ways: register k holds exactly when at least k + 1 of
    `gaps` do (k < `width`; a participant with m meetings has at most m - 1 breaks, so `width`
    = min(gaps, m - 1) loses nothing). A sequential counter with its downward clauses, so that the
    registers can be read by other constraints (the fairness spread), not only minimised."""
    clauses: list[list[int]] = []
    previous: list[int] = []
    for i, gap in enumerate(gaps):
        current = [pool.id(("exact", gap, k)) for k in range(min(width, i + 1))]
        for k, reg in enumerate(current):
            below = previous[k] if k < len(previous) else None  # at least k + 1 among the earlier gaps
            if below is not None:
                clauses.append([-below, reg])
                clauses.append([-reg, below, gap])
            else:
                clauses.append([-reg, gap])
            if k == 0:
                clauses.append([-gap, reg])
            else:
                clauses.append([-gap, -previous[k - 1], reg])
                clauses.append([-reg, previous[k - 1]])
        previous = current
    return previous, clauses


def _fair_spread(counters: list[list[int]], fairness: int, pool: IDPool) -> list[list[int]]:
    """max - min <= d over exact unary counters: `low[j]` ("every participant has at least j
    breaks") implies each participant's register j - 1, and a participant with at least j + d + 1
    breaks forces `low[j + 1]`."""
    clauses: list[list[int]] = []
    lows: dict[int, int] = {}

    def low(j: int) -> int:
        if j not in lows:
            lows[j] = pool.id(("low", j))
            for registers in counters:
                clauses.append([-lows[j], registers[j - 1]] if j - 1 < len(registers) else [-lows[j]])
        return lows[j]

    for registers in counters:
        for k in range(fairness, len(registers)):  # at least k + 1 breaks: min >= k + 1 - d
            clauses.append([-registers[k], low(k + 1 - fairness)])
    return clauses


def _counted(gaps: list[int], limit: int, pool: IDPool) -> list[tuple[list[int], int]]:
    """A participant's breaks in unary, as the paper's sorted break variables: `at[k]` holds when
    at least k + 1 of `gaps` do (a sequential counter, upward direction only, which is all a
    minimisation needs), `at[limit]` is false (the fairness bound), and the soft clauses are
    `not at[k]` for k < limit (cost: the participant's breaks). Clauses as (clause, weight), 0: hard."""
    out: list[tuple[list[int], int]] = []
    if not gaps:
        return out
    width = min(limit + 1, len(gaps))
    previous: list[int] = []
    for i, gap in enumerate(gaps):
        current = [pool.id(("at", gap, k)) for k in range(min(width, i + 1))]
        for k, reg in enumerate(current):
            if k < len(previous):
                out.append(([-previous[k], reg], 0))
            if k == 0:
                out.append(([-gap, reg], 0))
            else:
                out.append(([-gap, -previous[k - 1], reg], 0))
            if k > 0:
                out.append(([-reg, current[k - 1]], 0))
        previous = current
    for k, reg in enumerate(previous):
        if k >= limit:
            out.append(([-reg], 0))
        else:
            out.append(([-reg], 1))
    return out


INTERRUPTIBLE = frozenset({"g3", "g4", "mcb", "mgh", "gc3", "gc4", "m22", "mc"})  # SAT backends RC2 can stop
PORTFOLIO_BACKEND = "cd15"  # CaDiCaL 1.5.3: proved forum-14 and tic-13crafc where Glucose 3 did not in the same
#                             time; it cannot be interrupted, so it runs only in a process that is killed at the limit


def solve(problem: Problem, *, time_limit: float | None = 60.0, solver: str = "g3",
          on_bound: Callable[[int], None] | None = None, soft: str = "counter") -> MaxSatResult:
    """RC2 (adapt, exhaust, minimise cores). `time_limit`: an interrupt (RC2 may overrun it slightly
    to finish the core at hand); a backend that cannot be interrupted (CaDiCaL) needs None and
    runs until it is done (the portfolio runs it in a process it kills). `on_bound(cost)` is called
    (from a polling thread) each time RC2's cost, a lower bound on the breaks, grows."""
    if time_limit is not None and solver not in INTERRUPTIBLE:
        raise ValueError(f"{solver} cannot be interrupted: time_limit must be None")
    started = time.monotonic()
    encoded = encode(problem, soft=soft)
    model, cost, interrupted = run_rc2(encoded.wcnf, solver=solver, time_limit=time_limit, on_bound=on_bound)
    seconds = time.monotonic() - started
    if model is None:
        if interrupted or (time_limit is not None and seconds >= time_limit):
            return MaxSatResult("unknown", {}, None, cost, seconds)
        return MaxSatResult("infeasible", {}, None, cost, seconds)
    true = {lit for lit in model if lit > 0}
    slot_of = {m: t for (m, t), var in encoded.x.items() if var in true}
    total = sum(count_breaks(problem, slot_of))
    return MaxSatResult("optimal", slot_of, total, cost, seconds)


def run_rc2(wcnf: WCNF, *, solver: str, time_limit: float | None,
            on_bound: Callable[[int], None] | None = None) -> tuple[list[int] | None, int, bool]:
    """RC2 (adapt, exhaust, minimise cores, trim 5) on `wcnf`: (model or None, its cost when it
    stopped, whether it was interrupted). `time_limit`: an interrupt after that many seconds (an
    interruptible back-end only); `on_bound(cost)` is called from a polling thread each time the
    cost, a lower bound on the optimum, grows."""
    with RC2(wcnf, solver=solver, adapt=True, exhaust=True, minz=True, trim=5) as rc2:
        timer = threading.Timer(time_limit, rc2.interrupt) if time_limit is not None else None
        done = threading.Event()
        if timer is not None:
            timer.start()
        if on_bound is not None:
            report = on_bound

            def poll() -> None:
                seen = 0
                while not done.wait(0.5):
                    if rc2.cost > seen:
                        seen = rc2.cost
                        report(seen)

            threading.Thread(target=poll, daemon=True).start()
        try:
            model = rc2.compute(expect_interrupt=timer is not None)
        finally:
            done.set()
            if timer is not None:
                timer.cancel()
        return model, rc2.cost, bool(rc2.interrupted)

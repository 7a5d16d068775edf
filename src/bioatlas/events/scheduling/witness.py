"""The witness: "a schedule with at most k breaks?" asked of one SAT solver on the MaxSAT model's
clauses (`maxsat.encode`), from above: the other direction from RC2's cores, which raise a lower
bound and give no schedule until the optimum. The portfolio runs `search` in a process beside RC2
(`processes.witness_child`): it gives a schedule meeting every rule early and better ones as it
goes, each handed over at once."""

from __future__ import annotations

from collections.abc import Callable

from pysat.card import ITotalizer
from pysat.solvers import Solver

from bioatlas.events.scheduling.maxsat import PORTFOLIO_BACKEND, Encoded, encode
from bioatlas.events.scheduling.problem import Problem, count_breaks


def _soft_lits(encoded: Encoded) -> list[int]:
    """The literals whose truth breaks a soft clause (each soft clause is a unit)."""
    broken = []
    for clause in encoded.wcnf.soft:
        if len(clause) != 1:
            raise ValueError("the soft clauses are units")
        broken.append(-clause[0])
    return broken


def witness(problem: Problem, *, at_most: int, solver: str = PORTFOLIO_BACKEND) -> dict[int, int] | None:
    """A schedule {meeting: slot} with at most `at_most` breaks (every other rule kept, fairness
    included), or None when there is none (then the breaks' optimum exceeds `at_most`): one SAT call
    on the hard clauses plus "at most `at_most` of the soft clauses broken" (a totalizer). Where
    RC2's cost has reached the optimum, this plain call found the schedule faster than RC2's own
    last call (forum-13crafb, 6 breaks: 10.6 s of CPU; ticf-13crafb, 3: 20 s; docs/events.md).
    Uninterruptible back-end: run it in a process (the portfolio does)."""
    found: list[dict[int, int]] = []
    search(problem, floor=at_most, first=at_most, solver=solver, on_schedule=lambda slot_of, _b: found.append(slot_of))
    return found[-1] if found else None


def search(problem: Problem, *, floor: int, first: int | None = None, best: int | None = None,
           solver: str = PORTFOLIO_BACKEND, on_schedule: Callable[[dict[int, int], int], None],
           on_ask: Callable[[int | None], None] | None = None, on_no: Callable[[int], None] | None = None,
           bound: Callable[[], int] | None = None) -> None:
    """Schedules with fewer and fewer breaks from above, the other direction from RC2's cores: a
    binary search by "a schedule with at most k breaks?" between `floor` and the best schedule's
    breaks, all in one SAT solver (its learnt clauses kept; k is an assumption on an incremental
    totalizer). The first question is `first` (None: any schedule meeting every rule, fairness
    included, the cheapest question); then k = the middle of [floor, best - 1]; a
    yes with b breaks goes to `on_schedule(slot_of, b)` at once and b becomes the best, a no at k
    to `on_no(k)` (the optimum exceeds k) and k + 1 becomes the floor; it stops when the floor
    reaches the best (nothing left to ask at or above the floor) or when there is no schedule at
    all. `on_ask(k)` before each question. Never asks below `floor`, nor at or below `bound()`
    when given (the portfolio passes RC2's live bound: a "no" there is RC2's own work)."""
    encoded = encode(problem)
    broken = _soft_lits(encoded)
    with Solver(name=solver, bootstrap_with=encoded.wcnf.hard) as sat:
        totalizer: ITotalizer | None = None
        k = first
        while True:
            if on_ask is not None:
                on_ask(k)
            assumptions: list[int] = []
            if k is not None and k < len(broken):
                if k <= 0:
                    assumptions = [-lit for lit in broken]
                else:
                    if totalizer is None:  # every later k is below max(k, best)
                        top = max(k, best - 1 if best is not None else k)
                        totalizer = ITotalizer(lits=broken, ubound=min(top, len(broken) - 1),
                                               top_id=max(encoded.wcnf.nv, sat.nof_vars()))
                        sat.append_formula(totalizer.cnf.clauses)
                    assumptions = [-totalizer.rhs[k]]
            if sat.solve(assumptions=assumptions):
                true = {lit for lit in sat.get_model() or [] if lit > 0}
                slot_of = {m: t for (m, t), var in encoded.x.items() if var in true}
                best = sum(count_breaks(problem, slot_of))
                on_schedule(slot_of, best)
            elif k is None:
                return  # no schedule at all
            else:
                if on_no is not None:
                    on_no(k)
                floor = k + 1
            if bound is not None:
                floor = max(floor, bound() + 1)
            if best is None or floor > best - 1:
                return
            k = (floor + best - 1) // 2

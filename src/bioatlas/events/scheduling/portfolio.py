"""RC2, CP-SAT and a witness at the same time, each in its own process (`processes`): the
benchmark's problem (every meeting required).

RC2 (`maxsat`, core-guided) raises a lower bound on the breaks from below and gives no schedule
until it proves one optimal; CP-SAT's phases (`phases`) give schedules early and improve them;
the *witness* (`witness.search`) works from above: one SAT solver asked "a schedule with at most k
breaks?", first with no k (any schedule meeting every rule, fairness included: in under a second
on the 20 instances, so a fair schedule is at hand even if nothing else finishes), then by
binary search between one above RC2's live bound and its best schedule. Each schedule it finds is
handed over at once; each "no" raises the bound.

The witness's policy (docs/events.md, "Measured"): it never asks at or below RC2's bound (the
answer there is the "no" RC2 is proving itself); when the bound overtakes its question it is
stopped, and a new one asks "at most bound + 1?" only once the bound has stopped rising for
`WITNESS_DELAY` seconds (while it rises the question would soon be the bound's again). Where
RC2 had the optimal cost but not its schedule in time, this found it (forum-13crafb, 6 breaks).
Priorities: RC2, then the witness (niceness +5), then CP-SAT (+10).

The parent keeps the best schedule any process reported (`Best`: fair first, then fewest breaks;
one exceeding the fairness bound only when no fair one was seen, and then the result says so),
the largest lower bound (RC2's cost, the witness's "no", CP-SAT's bound), and stops everything
as soon as the best schedule meets the bound (proven optimal), a side proves the optimum, or the
time is up; messages already sent when it stops are read first. The children are terminated,
then killed: none is left.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from multiprocessing.connection import Connection, wait

from bioatlas.events.scheduling import maxsat, phases
from bioatlas.events.scheduling.diagnose import diagnose
from bioatlas.events.scheduling.lns import excess
from bioatlas.events.scheduling.problem import Problem, Result, count_breaks
from bioatlas.events.scheduling.processes import CP_NICE, context, cp_child, cp_workers, rc2_child, stop, witness_child
from bioatlas.events.scheduling.runner import Progress

GRACE = 5.0  # seconds a child may overrun the limit (a CP-SAT phase ending) before it is stopped
WITNESS_DELAY = 2.0  # seconds the bound must stay the same before the witness asks "at most bound + 1?"
DECIDE_DELAY = 10.0  # ... before it asks "at most bound?" with a schedule at bound + 1 at hand
START = 1.0  # seconds to start a child (the first start imports the solvers): the CP-SAT child's limit is shorter

Seen = Callable[[str, int, int], None]  # (source, breaks, fairness excess) of each complete schedule reported


class Best:
    """The best complete schedule seen: the least fairness excess (0: fair), then the fewest breaks."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.slot_of: dict[int, int] | None = None
        self.key: tuple[int, int] | None = None  # (fairness excess, breaks)
        self.source = ""

    def offer(self, slot_of: Mapping[int, int], source: str) -> tuple[int, int] | None:
        """Keep `slot_of` if it beats the best so far; its (excess, breaks), None if incomplete."""
        if len(slot_of) != len(self.problem.meetings):
            return None
        breaks = count_breaks(self.problem, dict(slot_of))
        key = (excess(self.problem, breaks), sum(breaks))
        if self.key is None or key < self.key:
            self.slot_of, self.key, self.source = dict(slot_of), key, source
        return key

    @property
    def fair_breaks(self) -> int | None:
        return self.key[1] if self.key is not None and self.key[0] == 0 else None


def next_question(fair: int | None, lower: int, stable: float) -> tuple[int, int | None] | None:
    """The witness to start now, as (floor, first question) for `witness.search`, or None: `fair`
    is the best fair schedule's breaks (None: none yet), `lower` the bound, stable for `stable` s.
    No fair schedule: any, at once. Else "at most lower + 1?" once the bound has stayed
    WITNESS_DELAY s, never lower (RC2's own question) but in one case: with a schedule at
    lower + 1 at hand and the bound unchanged for DECIDE_DELAY s, "at most lower?" is the one
    question left, and this plain call answered it faster than RC2 found its model (ticf-13crafb:
    RC2 held the optimal cost 30 s and more; the witness alone, 20 s of CPU)."""
    if fair is None:
        return lower + 1, None
    if fair <= lower:
        return None  # proven
    if fair == lower + 1:
        return (lower, lower) if stable >= DECIDE_DELAY else None
    return (lower + 1, lower + 1) if stable >= WITNESS_DELAY else None


def solve(problem: Problem, *, time_limit: float, workers: int = 8, seed: int = 0,
          hint: Mapping[int, int] | None = None, on_progress: Progress | None = None,
          backend: str = maxsat.PORTFOLIO_BACKEND, cp_nice: int = CP_NICE, on_seen: Seen | None = None) -> Result:
    """The best schedule of the three within `time_limit` (see the module doc). The problem must be
    in the MaxSAT model's scope (`maxsat.scope_error` is None) and pass `checks.precheck`.
    `on_seen(source, breaks, excess)`: every complete schedule a process reported."""
    started = time.monotonic()
    deadline = started + time_limit
    ctx = context()
    cp_conn, cp_end = ctx.Pipe(duplex=False)
    rc2_conn, rc2_end = ctx.Pipe(duplex=False)
    parent = os.getpid()
    shared_bound = ctx.Value("i", 0, lock=False)  # RC2's bound, read by the witness before each question
    children = [
        ctx.Process(target=cp_child, daemon=True, name="b2b-cp-sat",
                    args=(cp_end, parent, problem, max(1.0, time_limit - START), cp_workers(workers), seed,
                          dict(hint) if hint else None, cp_nice)),
        ctx.Process(target=rc2_child, daemon=True, name="b2b-rc2", args=(rc2_end, parent, problem, backend)),
    ]
    best = Best(problem)
    lower = 0
    bound_since = started
    cp_result: Result | None = None
    rc2_result: maxsat.MaxSatResult | None = None
    n = len(problem.meetings)
    witness = None
    witness_conn: Connection | None = None
    witness_k: int | None = None  # the question it is answering now
    deciding = False  # the witness asks "at most `lower`?" (see `steer_witness`)
    started_with: set[tuple[int, int | None]] = set()  # (floor, first) of each witness started

    def elapsed() -> float:
        return time.monotonic() - started

    def offer(slot_of: Mapping[int, int], source: str) -> None:
        before = best.key
        key = best.offer(slot_of, source)
        if key is None:
            return
        if on_seen is not None:
            on_seen(source, key[1], key[0])
        if best.key != before and on_progress is not None and key[0] == 0:
            on_progress("breaks (portfolio)", key[1], lower, elapsed())

    def raise_bound(value: int) -> None:
        nonlocal lower, bound_since
        if value > lower:
            lower, bound_since = value, time.monotonic()
            shared_bound.value = value
            if on_progress is not None:
                on_progress("breaks (MaxSAT bound)", best.key[1] if best.key else -1, lower, elapsed())

    def proven() -> bool:
        return best.fair_breaks is not None and best.fair_breaks <= lower

    def drop_witness() -> None:
        nonlocal witness, witness_conn, witness_k
        if witness is not None:
            stop(witness)
        if witness_conn is not None:
            if witness_conn in open_conns:
                open_conns.remove(witness_conn)
            witness_conn.close()
        witness, witness_conn, witness_k = None, None, None

    def steer_witness() -> None:
        """Stop a witness whose question became the bound; start one when there is a question."""
        nonlocal witness, witness_conn, witness_k, deciding
        if witness is not None:
            if witness_k is None or witness_k > lower or (deciding and witness_k == lower):
                return
            drop_witness()
        fair = best.fair_breaks
        asked = next_question(fair, lower, time.monotonic() - bound_since)
        if asked is None or asked in started_with:
            return
        floor, first = asked
        started_with.add(asked)
        witness_conn, end = ctx.Pipe(duplex=False)
        witness = ctx.Process(target=witness_child, daemon=True, name="b2b-witness",
                              args=(end, parent, problem, floor, first, fair, backend, shared_bound))
        witness.start()
        end.close()
        children.append(witness)
        open_conns.append(witness_conn)
        witness_k, deciding = first, first is not None and first <= lower

    def handle(conn: Connection, message: tuple) -> None:
        nonlocal witness_k, cp_result, rc2_result
        kind = message[0]
        if kind == "ask":
            witness_k = message[1]
            if on_progress is not None and witness_k is not None:
                on_progress(f"breaks (at most {witness_k}?)", best.key[1] if best.key else -1, lower, elapsed())
        elif kind == "witness":
            offer(message[1], "witness")
        elif kind == "no":
            raise_bound(message[1] + 1)  # no schedule with at most k breaks
        elif kind == "progress" and on_progress is not None:
            on_progress(*message[1:])
        elif kind == "schedule":
            offer(message[1], "cp-sat")
        elif kind == "bound":
            raise_bound(message[1])
        elif kind == "cp":
            cp_result = message[1]
            if cp_result.bound is not None and cp_result.status in ("optimal", "feasible"):
                raise_bound(cp_result.bound)
            offer({p.meeting: p.slot for p in cp_result.placements}, "cp-sat")
        elif kind == "rc2":
            rc2_result = message[1]
            raise_bound(rc2_result.bound)
            if rc2_result.status == "optimal":
                offer(rc2_result.slot_of, "rc2")
                raise_bound(rc2_result.total_breaks or 0)

    def receive(conn: Connection) -> None:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            if conn is witness_conn:
                drop_witness()
            elif conn in open_conns:
                open_conns.remove(conn)
            return
        handle(conn, message)

    open_conns: list[Connection] = [cp_conn, rc2_conn]
    try:
        for child in list(children):
            child.start()
        cp_end.close()
        rc2_end.close()
        while open_conns and not proven():
            if rc2_result is not None and rc2_result.status != "unknown":
                break
            if cp_result is not None and cp_result.status in ("optimal", "infeasible"):
                break
            if cp_result is not None and rc2_conn not in open_conns:
                break
            left = deadline + (GRACE if cp_result is None else 0.0) - time.monotonic()
            if left <= 0:
                break
            if rc2_result is None and rc2_conn in open_conns:
                steer_witness()
            for conn in wait(open_conns, timeout=min(left, WITNESS_DELAY / 2)):
                receive(conn)  # type: ignore[arg-type]
        for conn in list(open_conns):  # what was sent before the stop (a schedule found at the limit)
            while conn in open_conns and not conn.closed and conn.poll(0):
                receive(conn)
    finally:
        for child in children:
            stop(child)
        cp_conn.close()
        rc2_conn.close()
        drop_witness()
    if cp_result is not None and cp_result.status == "infeasible":
        cp_result.seconds = elapsed()
        return cp_result
    if best.slot_of is None and rc2_result is not None and rc2_result.status == "infeasible":
        return Result(status="infeasible", conflicts=diagnose(problem, seconds=max(5.0, deadline - time.monotonic())),
                      seconds=elapsed())
    if best.slot_of is None or best.key is None:
        return Result(status="unknown", held_bound=n, seconds=elapsed())
    result = phases.result_of(problem, best.slot_of, proven=True, lower=lower, held_bound=n, started=started)
    if best.key[0] > 0:  # no schedule met the fairness bound in time
        result.status = "feasible"
        result.fairness_excess = best.key[0]
    return result

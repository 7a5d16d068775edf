"""RC2 and CP-SAT at the same time, each in its own process: the benchmark's problem (every
meeting required).

The two are complementary (docs/events.md, "Measured"): RC2 (`maxsat`, core-guided) raises a lower
bound on the breaks and gives no schedule until it proves one optimal; CP-SAT's phases (`phases`)
give schedules early and improve them. Run one after the other, each had too little time; here
each has the whole time limit. RC2 uses CaDiCaL, which cannot be interrupted: its process is
killed at the limit, which a thread could not be.

A third process, the *witness*, asks "a schedule with at most k breaks?" as one plain SAT call
(`maxsat.witness`) for k one above RC2's bound, then for the bound itself once a schedule one above
is at hand; it is restarted when the question changes, and kept when the bound reaches its k (then
a yes is the optimum). Where RC2 had the optimal cost but not its schedule in time, this found it
(forum-13crafb). A "no" raises the bound. Priorities: RC2, then the witness (niceness +5), then
CP-SAT (+10).

The parent keeps the best schedule reported so far (CP-SAT sends each one as soon as it is found,
the first from its placement phase, so a schedule is at hand even if the process is stopped before
it returns), the largest lower bound (RC2's cost, CP-SAT's bound), and stops both as soon as the
best schedule meets the bound (proven optimal), either side proves the optimum, or the time is up.
Progress from both reaches `on_progress` as from CP-SAT alone. The children are started with
a fork server (`_context`: no fork of a process holding threads, such as the web server's job
runner), watch the process that started the search (they exit if it dies) and are terminated,
then killed, when the search ends: none is left.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Mapping
from multiprocessing.connection import Connection, wait

from bioatlas.events.scheduling import maxsat, phases
from bioatlas.events.scheduling.diagnose import diagnose
from bioatlas.events.scheduling.lns import excess
from bioatlas.events.scheduling.problem import Problem, Result, count_breaks
from bioatlas.events.scheduling.runner import Progress

GRACE = 5.0  # seconds a child may overrun the limit (a CP-SAT phase ending) before it is stopped
CP_NICE = 10  # the CP-SAT process's niceness above RC2's (0: the same priority); see `_cp_child`
WITNESS_NICE = 5  # the "at most k breaks?" process's niceness above RC2's
WITNESS_DELAY = 2.0  # seconds the question "a schedule with at most k breaks?" must stay the same before it is asked
START = 1.0  # seconds to start a child (the first start imports the solvers): the CP-SAT child's limit is shorter


def _watch_parent(parent: int) -> None:
    """Exit when the process that asked for the search is gone (so a killed job leaves no solver
    running; the children's own parent is the fork server, hence the pid)."""
    def loop() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(3)

    threading.Thread(target=loop, daemon=True).start()


def _cp_child(conn: Connection, parent: int, problem: Problem, time_limit: float, workers: int, seed: int,
              hint: Mapping[int, int] | None, nice: int = CP_NICE) -> None:
    _watch_parent(parent)
    if nice:
        # RC2 first: on the hard (21-22-slot) instances only RC2 proves the optimum, and on a busy
        # machine the kernel shares this search's CPU among its threads, so CP-SAT's threads took
        # two thirds of it. Niceness only orders the two: CP-SAT still gets any core RC2 leaves idle.
        os.nice(nice)
    lock = threading.Lock()

    def send(message: tuple) -> None:
        with lock:
            conn.send(message)

    result = phases.solve_cp(problem, time_limit=time_limit, workers=workers, seed=seed, hint=hint,
                             on_progress=lambda *args: send(("progress", *args)),
                             on_schedule=lambda slot_of: send(("schedule", slot_of)))
    send(("cp", result))


def _rc2_child(conn: Connection, parent: int, problem: Problem, backend: str) -> None:
    _watch_parent(parent)
    lock = threading.Lock()

    def send(message: tuple) -> None:
        with lock:
            conn.send(message)

    found = maxsat.solve(problem, time_limit=None, solver=backend, on_bound=lambda cost: send(("bound", cost)))
    send(("rc2", found))


def _witness_child(conn: Connection, parent: int, problem: Problem, at_most: int, backend: str) -> None:
    _watch_parent(parent)
    os.nice(WITNESS_NICE)  # after RC2, before CP-SAT: the CPU RC2 leaves
    conn.send(("witness", at_most, maxsat.witness(problem, at_most=at_most, solver=backend)))


def cp_workers(workers: int) -> int:
    """CP-SAT's threads beside RC2's one: at most one per core but one (at least 2). The kernel
    shares the CPU per thread, so 8 CP-SAT threads on 2 cores left RC2, the side that proves the
    hard instances, a ninth of this search's share (measured: forum-13crafc proven in 29 s with 2
    threads, not in 60 s with 8; one run each, load 10-13)."""
    return min(workers, max(2, (os.cpu_count() or 2) - 1))


def _context() -> multiprocessing.context.BaseContext:
    """`forkserver`: children are forked from a small server process started once (single-threaded,
    the solvers imported in advance), never from this process and its threads; a child starts in
    milliseconds instead of the seconds an interpreter takes to import OR-Tools."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["bioatlas.events.scheduling.portfolio"])
    return context


def _stop(process: multiprocessing.process.BaseProcess) -> None:
    if process.is_alive():
        process.terminate()
        process.join(2.0)
    if process.is_alive():
        process.kill()
        process.join(2.0)


def solve(problem: Problem, *, time_limit: float, workers: int = 8, seed: int = 0,
          hint: Mapping[int, int] | None = None, on_progress: Progress | None = None,
          backend: str = maxsat.PORTFOLIO_BACKEND, cp_nice: int = CP_NICE) -> Result:
    """The best schedule of both within `time_limit` (see the module doc). The problem must be in
    the MaxSAT model's scope (`maxsat.scope_error` is None) and pass `checks.precheck`."""
    started = time.monotonic()
    deadline = started + time_limit
    context = _context()
    cp_conn, cp_end = context.Pipe(duplex=False)
    rc2_conn, rc2_end = context.Pipe(duplex=False)
    parent = os.getpid()
    children = [
        context.Process(target=_cp_child, daemon=True, name="b2b-cp-sat",
                        args=(cp_end, parent, problem, max(1.0, time_limit - START), cp_workers(workers), seed,
                              dict(hint) if hint else None, cp_nice)),
        context.Process(target=_rc2_child, daemon=True, name="b2b-rc2", args=(rc2_end, parent, problem, backend)),
    ]
    best: dict[int, int] | None = None  # the best schedule meeting the fairness bound
    best_key: tuple[int, int] | None = None  # (fairness excess, breaks)
    lower = 0
    cp_result: Result | None = None
    rc2_result: maxsat.MaxSatResult | None = None
    n = len(problem.meetings)

    def elapsed() -> float:
        return time.monotonic() - started

    def offer(slot_of: Mapping[int, int]) -> None:
        nonlocal best, best_key
        if len(slot_of) != n:
            return
        breaks = count_breaks(problem, dict(slot_of))
        key = (excess(problem, breaks), sum(breaks))
        if best_key is None or key < best_key:
            best, best_key = dict(slot_of), key
            if on_progress is not None and key[0] == 0:
                on_progress("breaks (portfolio)", key[1], lower, elapsed())

    def raise_bound(value: int) -> None:
        nonlocal lower
        if value > lower:
            lower = value
            if on_progress is not None:
                on_progress("breaks (MaxSAT bound)", best_key[1] if best_key else -1, lower, elapsed())

    def proven() -> bool:
        return best_key is not None and best_key[0] == 0 and best_key[1] <= lower

    witness: multiprocessing.process.BaseProcess | None = None
    witness_conn: Connection | None = None
    witness_k = -1
    asked: set[int] = set()
    pending = (-1, 0.0)  # (the question's k, since when it has been the question)

    def question() -> int | None:
        """The k of "a schedule with at most k breaks?" worth asking now (None: none): one above
        RC2's bound (while RC2 proves the bound, this finds a schedule one above it: forum-13crafb,
        bound 5, optimum 6), or the bound itself once a schedule one above it is at hand."""
        if best_key is not None and best_key[0] == 0 and best_key[1] <= lower:
            return None
        k = lower if best_key is not None and best_key[0] == 0 and best_key[1] == lower + 1 else lower + 1
        return None if k in asked and k != witness_k else k

    def drop_witness() -> None:
        nonlocal witness, witness_conn, witness_k
        if witness is not None:
            _stop(witness)
        if witness_conn is not None:
            if witness_conn in open_conns:
                open_conns.remove(witness_conn)
            witness_conn.close()
        witness, witness_conn, witness_k = None, None, -1

    def steer_witness() -> None:
        nonlocal witness, witness_conn, witness_k, pending
        if witness is not None and witness_k not in (question(), lower):  # at the bound: the deciding question
            drop_witness()
        k = question()
        if k is None or witness is not None:
            return
        if pending[0] != k:
            pending = (k, time.monotonic())
        if time.monotonic() - pending[1] >= WITNESS_DELAY:
            witness_conn, end = context.Pipe(duplex=False)
            witness = context.Process(target=_witness_child, daemon=True, name="b2b-witness",
                                      args=(end, parent, problem, k, backend))
            witness.start()
            end.close()
            children.append(witness)
            open_conns.append(witness_conn)
            witness_k = k
            asked.add(k)
            if on_progress is not None:
                on_progress(f"breaks (at most {k}?)", best_key[1] if best_key else -1, lower, elapsed())

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
                try:
                    message = conn.recv()  # type: ignore[union-attr]
                except EOFError:
                    if conn is witness_conn:
                        drop_witness()
                    else:
                        open_conns.remove(conn)  # type: ignore[arg-type]
                    continue
                kind = message[0]
                if kind == "witness":
                    _kind, k, found = message
                    if found is None:
                        raise_bound(k + 1)  # no schedule with at most k breaks
                    else:
                        offer(found)
                    if conn is witness_conn:
                        drop_witness()
                    continue
                if kind == "progress" and on_progress is not None:
                    on_progress(*message[1:])
                elif kind == "schedule":
                    offer(message[1])
                elif kind == "bound":
                    raise_bound(message[1])
                elif kind == "cp":
                    cp_result = message[1]
                    if cp_result.bound is not None and cp_result.status in ("optimal", "feasible"):
                        raise_bound(cp_result.bound)
                    offer({p.meeting: p.slot for p in cp_result.placements})
                elif kind == "rc2":
                    rc2_result = message[1]
                    raise_bound(rc2_result.bound)
                    if rc2_result.status == "optimal":
                        offer(rc2_result.slot_of)
                        raise_bound(rc2_result.total_breaks or 0)
    finally:
        for child in children:
            _stop(child)
        cp_conn.close()
        rc2_conn.close()
        drop_witness()
    if cp_result is not None and cp_result.status == "infeasible":
        cp_result.seconds = elapsed()
        return cp_result
    if best is None and rc2_result is not None and rc2_result.status == "infeasible":
        return Result(status="infeasible", conflicts=diagnose(problem, seconds=max(5.0, deadline - time.monotonic())),
                      seconds=elapsed())
    if best is None:
        return Result(status="unknown", held_bound=n, seconds=elapsed())
    result = phases.result_of(problem, best, proven=True, lower=lower, held_bound=n, started=started)
    if best_key is not None and best_key[0] > 0:  # no schedule met the fairness bound in time
        result.status = "feasible"
        result.fairness_excess = best_key[0]
    return result

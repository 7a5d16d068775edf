"""The portfolio's child processes (`portfolio`): CP-SAT's phases, RC2, and the witness's binary
search "a schedule with at most k breaks?", each sending what it finds through a pipe as soon as
it is found. Started from a fork server (`context`: no fork of a process holding threads, such as
the web server's job runner); each watches the process that started the search and exits if it
dies; `stop` terminates, then kills."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Mapping
from multiprocessing.connection import Connection

from bioatlas.events.scheduling import maxsat, phases, witness
from bioatlas.events.scheduling.problem import Problem

CP_NICE = 10  # the CP-SAT process's niceness above RC2's (0: the same priority); see `cp_child`
WITNESS_NICE = 5  # the witness's niceness above RC2's: after RC2, before CP-SAT


def watch_parent(parent: int) -> None:
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


def _sender(conn: Connection):
    lock = threading.Lock()

    def send(message: tuple) -> None:
        with lock:
            conn.send(message)

    return send


def cp_child(conn: Connection, parent: int, problem: Problem, time_limit: float, workers: int, seed: int,
             hint: Mapping[int, int] | None, nice: int = CP_NICE) -> None:
    watch_parent(parent)
    if nice:
        # RC2 first: on the hard (21-22-slot) instances only RC2 proves the optimum, and on a busy
        # machine the kernel shares this search's CPU among its threads, so CP-SAT's threads took
        # two thirds of it. Niceness only orders the two: CP-SAT still gets any core RC2 leaves idle.
        os.nice(nice)
    send = _sender(conn)
    result = phases.solve_cp(problem, time_limit=time_limit, workers=workers, seed=seed, hint=hint,
                             on_progress=lambda *args: send(("progress", *args)),
                             on_schedule=lambda slot_of: send(("schedule", slot_of)))
    send(("cp", result))


def rc2_child(conn: Connection, parent: int, problem: Problem, backend: str) -> None:
    watch_parent(parent)
    send = _sender(conn)
    found = maxsat.solve(problem, time_limit=None, solver=backend, on_bound=lambda cost: send(("bound", cost)))
    send(("rc2", found))


def witness_child(conn: Connection, parent: int, problem: Problem, floor: int, first: int | None,
                  best: int | None, backend: str, bound) -> None:
    """`witness.search` from `first`, never at or below `floor` - 1 nor RC2's live bound (`bound`, a
    shared integer): each question ("ask", k), each schedule ("witness", slot_of) the moment it is
    found, each "no" ("no", k)."""
    watch_parent(parent)
    os.nice(WITNESS_NICE)
    witness.search(problem, floor=floor, first=first, best=best, solver=backend,
                  on_ask=lambda k: conn.send(("ask", k)),
                  on_schedule=lambda slot_of, _breaks: conn.send(("witness", slot_of)),
                  on_no=lambda k: conn.send(("no", k)), bound=lambda: int(bound.value))


def cp_workers(workers: int) -> int:
    """CP-SAT's threads beside RC2's one: at most one per core but one (at least 2). The kernel
    shares the CPU per thread, so 8 CP-SAT threads on 2 cores left RC2, the side that proves the
    hard instances, a ninth of this search's share (measured: forum-13crafc proven in 29 s with 2
    threads, not in 60 s with 8; one run each, load 10-13)."""
    return min(workers, max(2, (os.cpu_count() or 2) - 1))


def context() -> multiprocessing.context.BaseContext:
    """`forkserver`: children are forked from a small server process started once (single-threaded,
    the solvers imported in advance), never from this process and its threads; a child starts in
    milliseconds instead of the seconds an interpreter takes to import OR-Tools."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["bioatlas.events.scheduling.processes"])
    return ctx


def stop(process: multiprocessing.process.BaseProcess) -> None:
    if process.is_alive():
        process.terminate()
        process.join(2.0)
    if process.is_alive():
        process.kill()
        process.join(2.0)

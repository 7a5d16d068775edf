"""Passes of one search run side by side (`tantivy_search._total`): the binding releases the GIL
while Tantivy searches or aggregates, so the count of each other selected facet without its own
clause (a pass over the text's matches, ~20 ms at 1M for a broad text) runs on another core while
this thread counts the matches. The CPU is the same; the wait is the longest pass instead of
their sum when a core is free. A pass no thread has started when this thread is done is run here
(never a wait behind other searches' passes)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

THREADS = 2  # passes run ahead at once, for all searches of this process
_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_running = 0  # calls `ahead` started and not ended (`running`)


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="tantivy-pass")
        return _pool


def ahead(calls: list[Callable[[], object]]) -> list[tuple[Future, Callable[[], object]]]:
    """Start `calls` on the pool (none when THREADS is 0); `join` waits for them."""
    global _running
    if not calls:
        return []
    with _lock:
        _running += len(calls)
    if THREADS <= 0:
        return [(_done(), call) for call in calls]
    pool = _executor()
    return [(pool.submit(_counted, call), call) for call in calls]


def _counted(call: Callable[[], object]) -> object:
    try:
        return call()
    finally:
        _ended()  # before its future says done: `running()` is 0 once `join` returned


def _ended() -> None:
    global _running
    with _lock:
        _running -= 1


def running() -> int:
    """Calls `ahead` started and not ended: 0 once each search that started some joined them
    (checked after every test: a pass never outlives its search)."""
    with _lock:
        return _running


def join(started: list[tuple[Future, Callable[[], object]]]) -> None:
    """Wait for the calls `ahead` started; one not started yet is cancelled and run in this thread.
    The first error of a call is raised here once every call ended: none is left running on the
    pool after its search, on an engine its caller may close."""
    error: BaseException | None = None
    for future, call in started:
        try:
            if future.cancel():  # never started: ends here
                _ended()
                if error is None:
                    call()
            else:
                future.result()
        except BaseException as exc:  # noqa: BLE001 (raised below, once the others ended)
            error = error or exc
    if error is not None:
        raise error


def _done() -> Future:
    future: Future = Future()
    future.cancel()  # never started: `join` runs its call
    return future

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


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="tantivy-pass")
        return _pool


def ahead(calls: list[Callable[[], object]]) -> list[tuple[Future, Callable[[], object]]]:
    """Start `calls` on the pool (none when THREADS is 0); `join` waits for them."""
    if not calls or THREADS <= 0:
        return [(_done(), call) for call in calls] if calls else []
    pool = _executor()
    return [(pool.submit(call), call) for call in calls]


def join(started: list[tuple[Future, Callable[[], object]]]) -> None:
    """Wait for the calls `ahead` started; one not started yet is cancelled and run in this thread.
    An error of a call is raised here."""
    for future, call in started:
        if future.cancel():
            call()
        else:
            future.result()


def _done() -> Future:
    future: Future = Future()
    future.cancel()  # never started: `join` runs its call
    return future

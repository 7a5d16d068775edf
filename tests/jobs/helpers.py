"""A queue on a temporary SQLite file with test tasks, and a real huey consumer run in threads of
the test process (started from the main thread, its signal handlers put back afterwards)."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from pathlib import Path

from huey import signals as S

from bioatlas.core.plugins import TaskSpec

CALLS: dict[str, int] = {}


def record(*, path: str, word: str) -> str:
    """Append a word to a file (the visible effect of a job)."""
    with Path(path).open("a", encoding="utf-8") as fh:
        fh.write(word + "\n")
    return word


def always_fails(*, n: int) -> None:
    raise ValueError(f"boom {n}")


def fails_once(*, key: str) -> str:
    CALLS[key] = CALLS.get(key, 0) + 1
    if CALLS[key] == 1:
        raise ConnectionError("SMTP server away")
    return "sent"


SPECS = [
    TaskSpec(name="test.record", func=record),
    TaskSpec(name="test.always_fails", func=always_fails, retries=2, retry_delay=0),
    TaskSpec(name="test.fails_once", func=fails_once, retries=3, retry_delay=0),
]


class Finished:
    """Counts the jobs that reached an end (done, or failed with no retry left) through huey's
    signals, connected after the recorder so `job_runs` is written when they fire."""

    def __init__(self, huey) -> None:
        self.ended: list[str] = []
        self.changed = threading.Condition()
        huey.signal(S.SIGNAL_COMPLETE)(self._end)
        huey.signal(S.SIGNAL_ERROR)(self._error)

    def _end(self, signal, task, *args) -> None:
        with self.changed:
            self.ended.append(task.id)
            self.changed.notify_all()

    def _error(self, signal, task, *args) -> None:
        if not task.retries:
            self._end(signal, task)

    def wait(self, count: int, timeout: float = 60) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: len(self.ended) >= count, timeout=timeout)


@contextmanager
def consumer(queue, workers: int = 2):
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    running = queue.consumer(workers=workers, initial_delay=0.01, backoff=1.1, max_delay=0.05,
                             check_worker_health=False)
    running.start()
    try:
        yield running
    finally:
        running.stop(graceful=True)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)

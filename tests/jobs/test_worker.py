"""End to end with a real worker process: a large commit leaves actors without vectors and queues
`search.embed` after the commit; no worker runs yet; `bioatlas jobs worker` started afterwards
(a separate process, as after a restart) encodes them and records the run."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time

from sqlalchemy import func, select

from bioatlas.jobs import service
from bioatlas.jobs.models import JobRun
from bioatlas.search.semantic import sync
from bioatlas.search.semantic.models import ActorEmbedding
from tests.search.semantic import realdata


def _wait_for_line(proc, needle: str, timeout: float) -> list[str]:
    """The worker's log lines up to the one holding `needle` (fails on timeout or exit)."""
    lines: list[str] = []
    sel = selectors.DefaultSelector()
    sel.register(proc.stderr, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not sel.select(timeout=deadline - time.monotonic()):
            break
        line = proc.stderr.readline()
        if not line:
            break  # the worker exited
        lines.append(line)
        if needle in line:
            return lines
    raise AssertionError(f"no {needle!r} from the worker; its log:\n{''.join(lines)[-3000:]}")


def test_worker_process_runs_the_embedding_queued_before_it_started(settings, db, database_url, tmp_path,
                                                                     monkeypatch):
    monkeypatch.setattr(sync, "INLINE_LIMIT", 2)  # every commit of more than 2 actors defers its vectors
    monkeypatch.setattr(service, "_configured", None)
    service.configure(settings)  # the web process's queue (create_app does the same)
    with db() as s:
        ids = realdata.load(s)  # one commit of 17 actors: no vector encoded inline
        assert s.scalar(select(func.count()).select_from(ActorEmbedding)) == 0
        (job,) = s.scalars(select(JobRun)).all()
        assert (job.task, job.status, job.attempts) == ("search.embed", "queued", 0)
    assert service.queue_for(settings).pending() == 1

    env = {**os.environ, "DATABASE_URL": database_url, "BIOATLAS_DATA_DIR": str(tmp_path),
           "BIOATLAS_ENVIRONMENT": "test"}
    worker = subprocess.Popen([sys.executable, "-m", "bioatlas", "jobs", "worker"], env=env,
                              stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        _wait_for_line(worker, f"job {job.id} search.embed: done", timeout=240)
    finally:
        worker.send_signal(signal.SIGINT)  # graceful: running jobs finish first
        worker.wait(timeout=60)
        worker.stderr.close()
    with db() as s:
        assert s.scalar(select(func.count()).select_from(ActorEmbedding)) == len(ids)
        run = s.get(JobRun, job.id)
        assert (run.status, run.attempts, run.error) == ("done", 1, None)
    queue = service.queue_for(settings)  # only periodic jobs may wait (queued at a minute's start as it stopped)
    assert [type(t).__name__ for t in queue.huey.pending() if not queue.specs[type(t).__name__].schedule] == []

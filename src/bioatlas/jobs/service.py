"""The task queue's public interface, for the other rooms and for task code.

- `enqueue(name, *, settings, delay=None, **kwargs) -> job id`: run a task of the plug-in hook
  `bioatlas_tasks` in the worker (arguments must pickle; pass ids, not ORM objects).
- `enqueue_after_commit(session, name, **kwargs)`: the same once `session` commits (nothing on
  rollback), on the queue `configure()`d in this process; for work that must see the commit.
- `configure(settings)`: the queue of this process (`create_app`, every CLI command, the worker);
  `current_settings()` / `current_sessions()`: the worker's settings and database, for task code.
- `recent(session, *, limit)`, `counts(session)`, `prune(session, *, days)`: the `job_runs` record.
- `run_worker(*, settings, workers)`: the consumer (`bioatlas jobs worker`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import timedelta
from typing import cast

from sqlalchemy import delete, event, func, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session, sessionmaker

from bioatlas.core.config import Settings
from bioatlas.jobs.models import JobRun, now
from bioatlas.jobs.queue import Queue, build_queue

log = logging.getLogger(__name__)
_lock = threading.Lock()
_queues: dict[Settings, Queue] = {}
_configured: Settings | None = None
_AFTER_COMMIT = "jobs_after_commit"
_HOOKED = "jobs_after_commit_hooked"


def configure(settings: Settings) -> None:
    """Make `settings`' queue the one of this process (built on first use)."""
    global _configured
    _configured = settings


def is_configured() -> bool:
    return _configured is not None


def current_settings() -> Settings:
    """The settings of the process running the task (the worker's)."""
    if _configured is None:
        raise RuntimeError("no task queue configured in this process (jobs.service.configure(settings))")
    return _configured


def current_sessions() -> sessionmaker[Session]:
    """Sessions on the worker's database, for task code (one engine per process)."""
    return queue_for(current_settings()).sessions


def queue_for(settings: Settings) -> Queue:
    """The queue of these settings, built once per process."""
    with _lock:
        queue = _queues.get(settings)
        if queue is None:
            queue = _queues[settings] = build_queue(settings)
        return queue


def enqueue(name: str, *, settings: Settings, delay: float | None = None, **kwargs) -> str:
    """Put a job on the queue; returns its id (the `job_runs` row). KeyError for an unknown task."""
    return queue_for(settings).enqueue(name, delay=delay, **kwargs)


def enqueue_after_commit(session: Session, name: str, **kwargs) -> bool:
    """Enqueue `name(**kwargs)` on this process's queue once `session` commits (the worker then
    sees the committed rows); the same job asked twice in one transaction is queued once. False
    (nothing queued) when no queue is configured in this process."""
    if _configured is None:
        return False
    if not session.in_transaction():
        session.begin()  # as autobegin would: the jobs belong to this transaction
    pending = session.info.setdefault(_AFTER_COMMIT, {})
    pending[(name, repr(sorted(kwargs.items())))] = (name, kwargs)
    if not session.info.get(_HOOKED):
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_soft_rollback", _after_rollback)
        session.info[_HOOKED] = True
    return True


def _after_commit(session: Session) -> None:
    settings = _configured
    for name, kwargs in session.info.pop(_AFTER_COMMIT, {}).values():
        if settings is None:
            break
        try:
            enqueue(name, settings=settings, **kwargs)
        except Exception:  # the commit is done: say so loudly, never undo it
            log.exception("could not enqueue %s after commit", name)


def _after_rollback(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:  # the whole transaction is gone (a savepoint keeps them)
        session.info.pop(_AFTER_COMMIT, None)


def recent(session: Session, *, limit: int = 50, status: str | None = None) -> list[JobRun]:
    """The latest jobs, newest first (optionally of one status)."""
    query = select(JobRun).order_by(JobRun.enqueued_at.desc(), JobRun.id).limit(limit)
    if status:
        query = query.where(JobRun.status == status)
    return list(session.scalars(query))


def counts(session: Session) -> dict[str, int]:
    """Jobs per status."""
    return {status: n for status, n in session.execute(select(JobRun.status, func.count()).group_by(JobRun.status))}


def prune(session: Session, *, days: int = 30, periodic: Iterable[str] = (), periodic_days: int = 1) -> int:
    """Delete the finished jobs (done or failed) older than `days`, and the done runs of the
    `periodic` tasks (one a minute for some) older than `periodic_days`; returns how many."""
    finished = JobRun.status.in_(("done", "failed"))
    deleted = cast(CursorResult, session.execute(delete(JobRun).where(finished, JobRun.finished_at < now() - timedelta(days=days))))
    total = deleted.rowcount or 0
    names = sorted(set(periodic))
    if names:
        cutoff = now() - timedelta(days=periodic_days)
        deleted = cast(CursorResult, session.execute(delete(JobRun).where(
            JobRun.status == "done", JobRun.task.in_(names), JobRun.finished_at < cutoff)))
        total += deleted.rowcount or 0
    return total


def run_worker(*, settings: Settings, workers: int = 1) -> None:
    """Run the consumer until SIGINT (graceful: running jobs finish first) or SIGTERM (at once:
    running jobs are recorded failed, "not run to the end: interrupted")."""
    configure(settings)
    queue = queue_for(settings)
    log.info("worker on %s: %d thread(s), tasks %s", queue.huey.storage.__class__.__name__, workers,
             ", ".join(sorted(queue.tasks)))
    queue.consumer(workers=workers).run()

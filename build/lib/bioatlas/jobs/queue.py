"""The huey instance built from the settings, with every feature's tasks registered.

Storage (`BIOATLAS_JOBS_URL`): empty = a SQLite file `jobs.sqlite3` in the data directory (one
machine, no service to run); `sqlite:///path`; `postgresql://…` (huey's `huey_*` tables, several
machines on one database); `redis://…` (several machines, needs the `redis` package).

Each `TaskSpec` of the plug-in hook `bioatlas_tasks` becomes a huey task named after the spec (a
periodic one when it has a `schedule`), with its retries. huey's signals keep `job_runs` up to date:
queued (in the process that enqueues), running, retrying, done, failed (in the worker)."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from huey import Huey, PostgresHuey, RedisHuey, SqliteHuey, crontab
from huey import signals as S
from huey.exceptions import ConfigurationError
from huey.utils import normalize_time
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bioatlas.core import db
from bioatlas.core.config import Settings
from bioatlas.core.plugins import TaskSpec, collect
from bioatlas.jobs.models import JobRun, now

log = logging.getLogger(__name__)
QUEUE_NAME = "bioatlas"
SECRET_WORDS = ("pass", "secret", "token", "key", "auth", "cookie", "credential")
ARGS_CHARS = 500
ERROR_CHARS = 4000


class JobsConfigError(ValueError):
    """The queue cannot be built from the settings (the message names BIOATLAS_JOBS_URL)."""


def location(settings: Settings) -> str:
    """Where the queue lives: the setting, or the SQLite file in the data directory."""
    if settings.jobs_url:
        return settings.jobs_url
    return f"sqlite:///{(Path(settings.data_dir) / 'jobs.sqlite3').resolve()}"


def make_huey(settings: Settings) -> Huey:
    """The huey instance on the configured storage (no results stored: `job_runs` is the record)."""
    where = location(settings)
    common = {"results": False, "utc": True}
    if where.startswith("sqlite:///"):
        path = Path(where.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(QUEUE_NAME, filename=str(path), **common)
    if where.startswith("postgresql://"):
        return PostgresHuey(QUEUE_NAME, dsn=where, **common)
    try:
        return RedisHuey(QUEUE_NAME, url=where, **common)
    except ConfigurationError as exc:  # the `redis` package is missing
        raise JobsConfigError(f"BIOATLAS_JOBS_URL: cannot use Redis ({exc}); install the `redis` package") from None


def summarize(kwargs: Mapping[str, Any]) -> str:
    """The arguments of a job as short text, values of secret-looking names masked."""
    parts = []
    for name in sorted(kwargs):
        value = kwargs[name]
        shown = "***" if any(word in name.lower() for word in SECRET_WORDS) else repr(value)
        parts.append(f"{name}={shown[:80]}")
    text = ", ".join(parts)
    return text if len(text) <= ARGS_CHARS else text[: ARGS_CHARS - 1] + "…"


def error_text(exc: BaseException) -> str:
    """The exception's type and message (the worker's log has the traceback)."""
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return text[:ERROR_CHARS]


class Recorder:
    """Writes `job_runs` from huey's signals, each in its own short transaction; a failure to
    record is logged by huey and never stops a job."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def connect(self, huey: Huey) -> None:
        huey.signal(S.SIGNAL_ENQUEUED)(self.enqueued)
        huey.signal(S.SIGNAL_EXECUTING)(self.executing)
        huey.signal(S.SIGNAL_COMPLETE)(self.complete)
        huey.signal(S.SIGNAL_ERROR)(self.error)
        huey.signal(S.SIGNAL_RETRYING)(self.retrying)
        for signal in (S.SIGNAL_REVOKED, S.SIGNAL_EXPIRED, S.SIGNAL_CANCELED, S.SIGNAL_INTERRUPTED,
                       S.SIGNAL_TIMEOUT, S.SIGNAL_LOCKED):
            huey.signal(signal)(self.stopped)

    def _write(self, task, update: Callable[[JobRun], None], *, insert_only: bool = False) -> None:
        for _ in range(2):  # the other process may insert the row between our read and our insert
            with self.sessions() as session:
                row = session.get(JobRun, task.id)
                if row is None:
                    _, kwargs = task.data if task.data else ((), {})
                    row = JobRun(id=task.id, task=type(task).__name__, args=summarize(kwargs or {}),
                                 status="queued", attempts=0, enqueued_at=now())
                    session.add(row)
                elif insert_only:
                    return
                update(row)
                try:
                    session.commit()
                    return
                except IntegrityError:
                    session.rollback()
                    if insert_only:
                        return

    def enqueued(self, signal, task, *args) -> None:
        # first enqueue: a new row; a retry re-enqueues the same id and keeps its status
        self._write(task, lambda row: None, insert_only=True)

    def executing(self, signal, task, *args) -> None:
        def update(row: JobRun) -> None:
            row.status, row.attempts, row.started_at, row.finished_at = "running", row.attempts + 1, now(), None
        self._write(task, update)

    def complete(self, signal, task, *args) -> None:
        def update(row: JobRun) -> None:
            row.status, row.finished_at, row.error = "done", now(), None
        self._write(task, update)
        log.info("job %s %s: done", task.id, type(task).__name__)

    def error(self, signal, task, exc=None, *args) -> None:
        def update(row: JobRun) -> None:
            row.error = error_text(exc) if exc is not None else "error"
            row.status = "retrying" if task.retries else "failed"
            row.finished_at = None if task.retries else now()
        self._write(task, update)
        log.info("job %s %s: %s", task.id, type(task).__name__, "will be retried" if task.retries else "failed")

    def retrying(self, signal, task, *args) -> None:
        def update(row: JobRun) -> None:
            row.status = "retrying"
        self._write(task, update)

    def stopped(self, signal, task, *args) -> None:
        def update(row: JobRun) -> None:
            row.status, row.finished_at = "failed", now()
            row.error = row.error or f"not run to the end: {signal}"
        self._write(task, update)


def _runner(spec: TaskSpec) -> Callable[..., Any]:
    def run(**kwargs):
        return spec.func(**kwargs)
    run.__doc__ = spec.func.__doc__
    return run


@dataclass
class Queue:
    """A huey instance with the tasks registered by name, and the recorder of its runs."""

    huey: Huey
    settings: Settings
    sessions: sessionmaker[Session]
    tasks: dict[str, Any] = field(default_factory=dict)
    specs: dict[str, TaskSpec] = field(default_factory=dict)

    def register(self, spec: TaskSpec) -> None:
        if spec.name in self.tasks:
            raise ValueError(f"task {spec.name!r} is registered twice")
        options = {"retries": spec.retries, "retry_delay": spec.retry_delay, "name": spec.name}
        if spec.schedule:
            decorator = self.huey.periodic_task(crontab(**dict(spec.schedule)), **options)
        else:
            decorator = self.huey.task(**options)
        self.tasks[spec.name] = decorator(_runner(spec))
        self.specs[spec.name] = spec

    def enqueue(self, name: str, *, delay: float | None = None, **kwargs) -> str:
        """Put one job on the queue; its id (huey's task id, also the `job_runs` id)."""
        if name not in self.tasks:
            raise KeyError(f"unknown task {name!r} (known: {', '.join(sorted(self.tasks)) or 'none'})")
        task = self.tasks[name].s(**kwargs)
        if delay:
            task.eta = normalize_time(delay=delay, utc=True)  # the worker keeps it on its schedule
        self.huey.enqueue(task)
        return task.id

    def pending(self) -> int:
        return self.huey.pending_count()

    def consumer(self, *, workers: int = 1, **options):
        """huey's consumer on this queue (threads; periodic tasks on). An idle worker polls the
        queue at most every second (huey's default backs off to 10 s; measured cost of a poll on
        the SQLite file: well under a millisecond)."""
        options = {"initial_delay": 0.1, "backoff": 1.15, "max_delay": 1.0, **options}
        return self.huey.create_consumer(workers=workers, worker_type="thread", periodic=True, **options)


def build_queue(settings: Settings, *, specs: Iterable[TaskSpec] | None = None) -> Queue:
    """The queue of the settings with every feature's tasks (or the ones given)."""
    engine = db.make_engine(settings.resolved_database_url)
    sessions = db.make_sessionmaker(engine)
    queue = Queue(huey=make_huey(settings), settings=settings, sessions=sessions)
    for spec in (specs if specs is not None else collect("bioatlas_tasks")):
        queue.register(spec)
    Recorder(sessions).connect(queue.huey)
    return queue

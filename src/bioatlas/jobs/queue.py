"""The huey instance built from the settings, with every feature's tasks registered.

Storage (`BIOATLAS_JOBS_URL`): empty = a SQLite file `jobs.sqlite3` in the data directory (one
machine, no service to run); `sqlite:///path`; `postgresql://…` (huey's `huey_*` tables, several
machines on one database); `redis://…` (several machines, needs the `redis` package).

Each `TaskSpec` of the plug-in hook `bioatlas_tasks` becomes a huey task named after the spec (a
periodic one when it has a `schedule`), with its retries. huey's signals keep `job_runs` up to date
(`jobs.recorder`: queued in the process that enqueues; running, retrying, done, failed in the
worker; a busy database retried, then the change kept for the next write)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from huey import Huey, PostgresHuey, RedisHuey, SqliteHuey, crontab
from huey.exceptions import ConfigurationError
from huey.utils import normalize_time
from sqlalchemy.orm import Session, sessionmaker

from bioatlas.core import db
from bioatlas.core.config import Settings
from bioatlas.core.plugins import TaskSpec, collect
from bioatlas.jobs.recorder import Recorder

QUEUE_NAME = "bioatlas"


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
    recorder: Recorder | None = None

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


def build_queue(settings: Settings, *, specs: Iterable[TaskSpec] | None = None,
                sessions: sessionmaker[Session] | None = None) -> Queue:
    """The queue of the settings with every feature's tasks (or the ones given), recording its
    runs through `sessions` (default: a new engine on the settings' database)."""
    if sessions is None:
        sessions = db.make_sessionmaker(db.make_engine(settings.resolved_database_url))
    queue = Queue(huey=make_huey(settings), settings=settings, sessions=sessions)
    for spec in (specs if specs is not None else collect("bioatlas_tasks")):
        queue.register(spec)
    queue.recorder = Recorder(sessions)
    queue.recorder.connect(queue.huey)
    return queue

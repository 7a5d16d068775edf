"""`job_runs` written from huey's signals: queued (in the process that enqueues), running,
retrying, done, failed (in the worker).

Each signal becomes a `Change` whose values are taken when the signal fires (the time, the status
the task's retries give, the error text): a change written late still says what happened when it
happened, never a made-up status or time. A change is written in its own short transaction.

A busy database must not lose the record nor hold the job for ever (an edit loop and the worker's
index saves writing the atlas's SQLite file: "database is locked" once its busy_timeout of 5 s
has passed). A write that fails that way (`transient`) is tried again after PAUSES, up to ATTEMPTS
times, no new attempt starting RETRY_FOR seconds after the first (SQLite's busy_timeout already
waits and retries inside one attempt). If it still fails, the change is kept in this process's
memory, a warning names the job (once per job while it has changes waiting), and it is written,
in order and before anything newer, with the next change this process records (in the worker:
within a minute, `jobs.save_indexes` runs every minute) or at the worker's shutdown. Other errors
are raised as before (huey logs them; the job goes on). With several worker processes, a retry
may run in another one while this one keeps the failed attempt's changes: written after the
retry's, they count the attempt and leave its status, times and error alone (a change older than
the row's `started_at` is stale)."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from huey import Huey
from huey import signals as S
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bioatlas.jobs.models import JobRun, now

log = logging.getLogger(__name__)
SECRET_WORDS = ("pass", "secret", "token", "key", "auth", "cookie", "credential")
ARGS_CHARS = 500
ERROR_CHARS = 4000


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


def transient(exc: BaseException) -> bool:
    """A write worth trying again: SQLite busy or locked, a PostgreSQL operational error (a lock or
    statement timeout, a lost connection, a serialization failure), another process's insert of
    the same row. Not SQLite's other operational errors (a missing table, a read-only file)."""
    if isinstance(exc, IntegrityError):
        return True  # the other process inserted the row between our read and our insert
    if not isinstance(exc, OperationalError):
        return False
    if isinstance(exc.orig, sqlite3.OperationalError):
        text = str(exc.orig).lower()
        return "locked" in text or "busy" in text
    return True


@dataclass(frozen=True, eq=False)
class Change:
    """One signal's effect on a job's row, its values fixed when the signal fired."""

    job: str  # huey's task id
    task: str
    args: str
    at: datetime
    what: str  # the signal
    update: Callable[[JobRun], None]
    insert_only: bool = False  # enqueued: a new row, or nothing (a retry keeps its status)
    # what is left of it once a later attempt was recorded first (another worker process ran the
    # retry while this one kept the change): an attempt still counts; a status, time or error not
    stale: Callable[[JobRun], None] | None = None


class Recorder:
    """Writes `job_runs` from huey's signals (see the module's docstring)."""

    ATTEMPTS = 3
    PAUSES = (0.1, 0.5)  # seconds before the second and the third attempt
    RETRY_FOR = 3.0  # no attempt starts later than this after the first
    KEEP = 10_000  # changes kept at most while the database refuses them (the oldest dropped, logged)

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self._late: list[Change] = []  # kept after failed attempts, oldest first
        self._mutex = threading.Lock()  # guards _late
        self._writer = threading.Lock()  # one writer of the kept changes at a time

    def connect(self, huey: Huey) -> None:
        huey.signal(S.SIGNAL_ENQUEUED)(self.enqueued)
        huey.signal(S.SIGNAL_EXECUTING)(self.executing)
        huey.signal(S.SIGNAL_COMPLETE)(self.complete)
        huey.signal(S.SIGNAL_ERROR)(self.error)
        huey.signal(S.SIGNAL_RETRYING)(self.retrying)
        for signal in (S.SIGNAL_REVOKED, S.SIGNAL_EXPIRED, S.SIGNAL_CANCELED, S.SIGNAL_INTERRUPTED,
                       S.SIGNAL_TIMEOUT, S.SIGNAL_LOCKED):
            huey.signal(signal)(self.stopped)
        huey.on_shutdown("bioatlas_job_runs")(self.flush)  # the worker's last chance to write them

    # -- the signals -----------------------------------------------------------------------
    def enqueued(self, signal, task, *args) -> None:
        # first enqueue: a new row; a retry re-enqueues the same id and keeps its status
        self.record(self._change(signal, task, lambda row: None, insert_only=True))

    def executing(self, signal, task, *args) -> None:
        at = now()

        def update(row: JobRun) -> None:
            row.status, row.attempts, row.started_at, row.finished_at = "running", row.attempts + 1, at, None

        def counted(row: JobRun) -> None:
            row.attempts += 1
        self.record(self._change(signal, task, update, at=at, stale=counted))

    def complete(self, signal, task, *args) -> None:
        at = now()

        def update(row: JobRun) -> None:
            row.status, row.finished_at, row.error = "done", at, None
        self.record(self._change(signal, task, update, at=at))
        log.info("job %s %s: done", task.id, type(task).__name__)

    def error(self, signal, task, exc=None, *args) -> None:
        at, again = now(), bool(task.retries)
        text = error_text(exc) if exc is not None else "error"

        def update(row: JobRun) -> None:
            row.error, row.status, row.finished_at = text, "retrying" if again else "failed", None if again else at
        self.record(self._change(signal, task, update, at=at))
        log.info("job %s %s: %s", task.id, type(task).__name__, "will be retried" if again else "failed")

    def retrying(self, signal, task, *args) -> None:
        def update(row: JobRun) -> None:
            row.status = "retrying"
        self.record(self._change(signal, task, update))

    def stopped(self, signal, task, *args) -> None:
        at = now()

        def update(row: JobRun) -> None:
            row.status, row.finished_at = "failed", at
            row.error = row.error or f"not run to the end: {signal}"
        self.record(self._change(signal, task, update, at=at))

    @staticmethod
    def _change(signal, task, update, *, at: datetime | None = None, insert_only: bool = False,
                stale: Callable[[JobRun], None] | None = None) -> Change:
        _, kwargs = task.data if task.data else ((), {})
        return Change(job=task.id, task=type(task).__name__, args=summarize(kwargs or {}), at=at or now(),
                      what=str(signal), update=update, insert_only=insert_only, stale=stale)

    # -- writing ---------------------------------------------------------------------------
    def record(self, change: Change) -> None:
        """Write `change`, after the changes kept from earlier failures; keep it when the
        database stays busy (see the module's docstring)."""
        with self._mutex:
            behind = bool(self._late)
        if not behind:  # the usual case: one short transaction, threads side by side
            failure = self._write([change])
            if failure is not None:
                self._keep(change, failure)
            return
        with self._writer:
            self._write_late(change)

    def flush(self) -> bool:
        """Write the changes kept from earlier failures; True when none is left (the worker's
        shutdown: what is still kept then is lost, and said so)."""
        with self._writer:
            if self._write_late(None):
                return True
        with self._mutex:
            kept = list(self._late)
        log.error("job_runs: %d change(s) of job(s) %s still not written", len(kept), _ids(kept))
        return False

    def waiting(self) -> list[str]:
        """The jobs with changes kept in this process, oldest first."""
        with self._mutex:
            return list(dict.fromkeys(c.job for c in self._late))

    def _write_late(self, change: Change | None) -> bool:
        with self._mutex:
            batch = [*self._late, *([change] if change else [])]
        if not batch:
            return True
        failure = self._write(batch)
        if failure is not None:
            if change is not None:
                self._keep(change, failure)
            return False
        with self._mutex:
            written = {id(c) for c in batch}
            self._late = [c for c in self._late if id(c) not in written]
        late = [c for c in batch if c is not change]
        log.info("job_runs: %d change(s) of job(s) %s written late", len(late), _ids(late))
        return True

    def _write(self, batch: list[Change]) -> BaseException | None:
        """Apply `batch` in one transaction, tried again while the failure is transient; the last
        failure, or None once written."""
        started = time.monotonic()
        failure: BaseException | None = None
        for attempt in range(self.ATTEMPTS):
            if attempt:
                if time.monotonic() - started >= self.RETRY_FOR:
                    break
                self._pause(self.PAUSES[min(attempt, len(self.PAUSES)) - 1])
            try:
                self._apply(batch)
                return None
            except (OperationalError, IntegrityError) as exc:
                if not transient(exc):
                    raise
                failure = exc
        return failure

    def _pause(self, seconds: float) -> None:
        time.sleep(seconds)

    def _apply(self, batch: list[Change]) -> None:
        with self.sessions() as session:
            rows: dict[str, JobRun] = {}
            for change in batch:
                row = rows.get(change.job) or session.get(JobRun, change.job)
                if row is None:
                    row = JobRun(id=change.job, task=change.task, args=change.args, status="queued", attempts=0,
                                 enqueued_at=change.at)
                    session.add(row)
                elif change.insert_only:
                    rows[change.job] = row
                    continue
                rows[change.job] = row
                if row.started_at is not None and change.at < _utc(row.started_at):
                    if change.stale is not None:  # a later attempt is recorded already
                        change.stale(row)
                    continue
                change.update(row)
            session.commit()

    def _keep(self, change: Change, failure: BaseException) -> None:
        with self._mutex:
            known = any(c.job == change.job for c in self._late)
            self._late.append(change)
            dropped = self._late[: max(0, len(self._late) - self.KEEP)]
            del self._late[: len(dropped)]
        if not known:
            reason = str(getattr(failure, "orig", None) or failure).splitlines()[0]
            log.warning("job %s %s: signal %r not recorded in job_runs (%s); kept to be written with the "
                        "next record", change.job, change.task, change.what, reason)
        if dropped:
            log.error("job_runs: %d change(s) of job(s) %s dropped: more than %d kept", len(dropped), _ids(dropped),
                      self.KEEP)


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)  # SQLite gives UTC times naive


def _ids(changes: list[Change], shown: int = 10) -> str:
    """The jobs of `changes`, the first `shown` of them, for a log line."""
    jobs = list(dict.fromkeys(c.job for c in changes))
    return ", ".join(jobs[:shown]) + (f" and {len(jobs) - shown} more" if len(jobs) > shown else "")

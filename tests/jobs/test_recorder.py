"""`job_runs` on a busy database (`jobs/recorder.py`): another connection holds the write lock
(SQLite `BEGIN IMMEDIATE`; PostgreSQL an EXCLUSIVE table lock) past the recorder's busy timeout
(lowered here to 100 ms). The job still runs; its changes are tried again a bounded number of
times, then kept, logged once with the job's id, and written with the next record, with the
times of the signals. A lock gone before the next attempt: written then, nothing kept."""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, event, text

from bioatlas.core.db import make_engine, make_sessionmaker
from bioatlas.jobs.models import JobRun
from bioatlas.jobs.queue import build_queue
from bioatlas.jobs.recorder import Recorder
from tests.jobs.helpers import SPECS, Finished, consumer

WAIT_MS = 100  # the recorder's busy timeout (SQLite) or lock timeout (PostgreSQL) in these tests


class WriteLock:
    """A second connection holding the database's write lock (SQLite) or `job_runs`' (PostgreSQL:
    reads still go through, as in SQLite's WAL mode)."""

    def __init__(self, engine) -> None:
        self.sqlite = engine.dialect.name == "sqlite"
        if self.sqlite:
            self.conn = sqlite3.connect(engine.url.database, isolation_level=None, check_same_thread=False)
        else:
            self.conn = engine.connect()

    def hold(self) -> None:
        if self.sqlite:
            self.conn.execute("BEGIN IMMEDIATE")
        else:
            self.conn.execute(text("LOCK TABLE job_runs IN EXCLUSIVE MODE"))

    def release(self) -> None:
        if self.sqlite:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
        else:
            self.conn.rollback()

    def close(self) -> None:
        self.release()
        self.conn.close()


@pytest.fixture
def busy(engine, db, settings):
    """A queue recording through an engine that waits WAIT_MS for a lock, a write lock to take,
    and the recorder's pauses noted instead of slept."""
    if engine.dialect.name == "sqlite":
        recording = make_engine(str(engine.url))
        event.listen(recording, "connect", lambda conn, _: conn.execute(f"PRAGMA busy_timeout={WAIT_MS}"))
    else:
        recording = create_engine(engine.url, connect_args={"options": f"-c lock_timeout={WAIT_MS}"})
    queue = build_queue(settings, specs=SPECS, sessions=make_sessionmaker(recording))
    recorder = queue.recorder
    assert isinstance(recorder, Recorder)
    pauses: list[float] = []
    recorder._pause = pauses.append  # type: ignore[method-assign]
    lock = WriteLock(engine)
    yield queue, recorder, lock, pauses
    lock.close()
    recording.dispose()


def _run(db, job_id):
    with db() as s:
        return s.get(JobRun, job_id)


def _warnings(caplog, job_id) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and job_id in r.getMessage()]


def test_a_busy_database_delays_the_record_of_a_job_and_loses_nothing(busy, db, tmp_path, caplog):
    queue, recorder, lock, pauses = busy
    out = tmp_path / "out.txt"
    finished = Finished(queue.huey)
    lock.hold()
    with caplog.at_level(logging.INFO, logger="bioatlas.jobs.recorder"):
        job = queue.enqueue("test.record", path=str(out), word="alpha")  # queued: not recorded
        assert pauses == list(Recorder.PAUSES)  # tried ATTEMPTS times, then kept
        with consumer(queue, workers=1):
            assert finished.wait(1), "the job did not run while its record waited"
        assert out.read_text().split() == ["alpha"]
        assert _run(db, job) is None  # running, done: kept too (the worker's shutdown tried them)
        assert recorder.waiting() == [job]
        assert len(_warnings(caplog, job)) == 1, "logged once, with the job's id"
        released = datetime.now(timezone.utc)
        lock.release()
        second = queue.enqueue("test.record", path=str(out), word="beta")  # the next record
    run = _run(db, job)
    assert (run.task, run.status, run.attempts, run.error) == ("test.record", "done", 1, None)
    times = [t if t.tzinfo else t.replace(tzinfo=timezone.utc) for t in (run.enqueued_at, run.started_at, run.finished_at)]
    assert times == sorted(times) and times[-1] < released  # when it happened, not when written
    assert _run(db, second).status == "queued"
    assert recorder.waiting() == []
    assert any("written late" in r.getMessage() and job in r.getMessage() for r in caplog.records)


def test_a_lock_gone_before_the_next_attempt_is_written_then(busy, db, tmp_path, caplog):
    queue, recorder, lock, pauses = busy
    lock.hold()
    recorder._pause = lambda seconds: (pauses.append(seconds), lock.release())  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING, logger="bioatlas.jobs.recorder"):
        job = queue.enqueue("test.record", path=str(tmp_path / "out.txt"), word="alpha")
    assert pauses == [Recorder.PAUSES[0]]  # one more attempt, which went through
    assert _run(db, job).status == "queued"
    assert recorder.waiting() == [] and not _warnings(caplog, job)
    assert recorder.flush()


def test_the_worker_writes_what_it_kept_when_it_stops(busy, db, tmp_path):
    queue, recorder, lock, pauses = busy
    finished = Finished(queue.huey)
    job = queue.enqueue("test.record", path=str(tmp_path / "out.txt"), word="alpha")
    lock.hold()
    stopping = []
    queue.huey.on_shutdown("release_first")(lambda: (stopping.append(1), lock.release()))
    queue.huey.unregister_on_shutdown("bioatlas_job_runs")
    queue.huey.on_shutdown("bioatlas_job_runs")(recorder.flush)  # after the release above
    with consumer(queue, workers=1):
        assert finished.wait(1)
        assert recorder.waiting() == [job] and _run(db, job).status == "queued"
    assert stopping and recorder.waiting() == []
    assert _run(db, job).status == "done"


def test_the_jobs_page_shows_a_job_recorded_late_as_it_ran(busy, db, client, tmp_path):
    """Nothing made up: while its changes wait the page shows what was recorded (here nothing);
    once written, the status, attempts and times the signals had."""
    from tests.accounts.fixtures import login, make_user

    queue, recorder, lock, pauses = busy
    finished = Finished(queue.huey)
    make_user(db, "admin@example.org", admin=True)
    assert login(client, "admin@example.org").status_code == 303
    lock.hold()
    job = queue.enqueue("test.always_fails", n=7)  # retried twice, then failed
    with consumer(queue, workers=1):
        assert finished.wait(1)
    assert f'data-job="{job}"' not in client.get("/admin/jobs").text
    lock.release()
    assert recorder.flush() and recorder.waiting() == []
    page = client.get("/admin/jobs", params={"lang": "en"}).text
    assert f'data-job="{job}" data-status="failed"' in page and "Failed (1)" in page
    run = _run(db, job)
    assert (run.status, run.attempts, run.error) == ("failed", 3, "ValueError: boom 7")
    assert "ValueError: boom 7" in page


def test_what_is_kept_is_bounded_and_a_last_failure_said(busy, db, tmp_path, caplog):
    queue, recorder, lock, pauses = busy
    recorder.KEEP = 2  # type: ignore[misc]
    lock.hold()
    with caplog.at_level(logging.WARNING, logger="bioatlas.jobs.recorder"):
        jobs = [queue.enqueue("test.record", path=str(tmp_path / "out.txt"), word=w) for w in ("a", "b", "c")]
        assert recorder.waiting() == jobs[1:]  # the oldest dropped, and said so
        assert not recorder.flush()  # still locked: the shutdown's last try says what is lost
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2 and jobs[0] in errors[0] and "dropped" in errors[0]
    assert jobs[1] in errors[1] and jobs[2] in errors[1] and "not written" in errors[1]
    lock.release()
    assert recorder.flush()
    assert [_run(db, j) is None for j in jobs] == [True, False, False]


def test_a_kept_change_older_than_a_retry_recorded_elsewhere_leaves_its_status(busy, db):
    """Two worker processes: the first keeps attempt 1's error (its database busy) while the second
    runs the retry and records it done; the first's late write counts the attempt, nothing else."""
    queue, first, lock, pauses = busy
    second = Recorder(first.sessions)  # another worker process on the same database
    task = queue.tasks["test.fails_once"].s(key="late")
    first.enqueued("enqueued", task)
    first.executing("executing", task)
    lock.hold()
    first.error("error", task, ConnectionError("SMTP server away"))  # retries left: "retrying", kept
    assert first.waiting() == [task.id]
    lock.release()
    second.executing("executing", task)
    second.complete("complete", task)
    assert first.flush()
    run = _run(db, task.id)
    assert (run.status, run.attempts, run.error) == ("done", 2, None)
    lost = queue.tasks["test.fails_once"].s(key="lost")  # the first's executing kept too: still counted
    first.enqueued("enqueued", lost)
    lock.hold()
    first.executing("executing", lost)
    lock.release()
    second.executing("executing", lost)
    second.complete("complete", lost)
    assert first.flush()
    assert (_run(db, lost.id).status, _run(db, lost.id).attempts) == ("done", 2)

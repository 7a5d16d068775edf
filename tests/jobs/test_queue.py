"""The task queue with a real huey consumer on a SQLite file: a job queued while no worker runs
is done once one starts (the queue survives a restart); a failing job is retried, then kept as
failed with its error; `job_runs` follows each job through its signals."""

from __future__ import annotations

import importlib.util
from datetime import datetime

import pytest
from sqlalchemy import select

from bioatlas.jobs import service
from bioatlas.jobs.models import JobRun
from bioatlas.jobs.queue import JobsConfigError, build_queue, location, make_huey
from bioatlas.jobs.recorder import summarize
from tests.conftest import TEST_DB_URL
from tests.jobs.helpers import CALLS, SPECS, Finished, consumer


# the default SQLite file, and huey's tables in PostgreSQL when the tests run on it
STORAGES = ["sqlite"] + (["postgresql"] if TEST_DB_URL.startswith("postgresql") else [])


@pytest.fixture(params=STORAGES)
def queue_settings(request, settings, database_url):
    if request.param == "sqlite":
        return settings
    chosen = settings.model_copy(update={"jobs_url": database_url})
    build_queue(chosen, specs=[]).huey.flush()  # huey's tables are shared by the tests: start empty
    return chosen


def _run(db, job_id):
    with db() as s:
        return s.get(JobRun, job_id)


def test_a_job_queued_before_the_worker_starts_runs_after_a_restart(queue_settings, db, tmp_path):
    settings = queue_settings
    out = tmp_path / "out.txt"
    producer = build_queue(settings, specs=SPECS)  # the web process
    ids = [producer.enqueue("test.record", path=str(out), word=w) for w in ("alpha", "beta")]
    assert {_run(db, i).status for i in ids} == {"queued"}
    assert _run(db, ids[0]).args == f"path={str(out)!r}, word='alpha'"
    assert not out.exists()
    producer.huey.storage.close()
    del producer  # the process that queued the jobs is gone; only the SQLite file remains

    worker = build_queue(settings, specs=SPECS)  # a worker started later, in a new process
    assert worker.pending() == 2
    finished = Finished(worker.huey)
    with consumer(worker):
        assert finished.wait(2), "the worker did not run the queued jobs"
    assert sorted(out.read_text().split()) == ["alpha", "beta"]
    for job_id in ids:
        run = _run(db, job_id)
        assert (run.task, run.status, run.attempts, run.error) == ("test.record", "done", 1, None)
        assert run.started_at is not None and run.finished_at is not None
    assert worker.pending() == 0


def test_failing_job_is_retried_then_kept_failed_with_its_error(queue_settings, db):
    queue = build_queue(queue_settings, specs=SPECS)
    CALLS.clear()
    failing = queue.enqueue("test.always_fails", n=7)
    flaky = queue.enqueue("test.fails_once", key="mail-1")
    finished = Finished(queue.huey)
    with consumer(queue):
        assert finished.wait(2), "the jobs did not end"
    run = _run(db, failing)
    assert (run.status, run.attempts) == ("failed", 3)  # the first run and its 2 retries
    assert run.error == "ValueError: boom 7" and run.finished_at is not None
    run = _run(db, flaky)
    assert (run.status, run.attempts, run.error) == ("done", 2, None)
    assert CALLS["mail-1"] == 2
    with db() as s:
        assert [r.id for r in service.recent(s, limit=10, status="failed")] == [failing]
        assert service.counts(s) == {"failed": 1, "done": 1}


def test_default_location_and_storages(settings, tmp_path):
    assert location(settings) == f"sqlite:///{tmp_path.resolve() / 'jobs.sqlite3'}"
    assert type(build_queue(settings, specs=[]).huey).__name__ == "SqliteHuey"
    other = settings.model_copy(update={"jobs_url": f"sqlite:///{tmp_path / 'q' / 'other.db'}"})
    assert location(other).endswith("/q/other.db")
    build_queue(other, specs=[])
    assert (tmp_path / "q" / "other.db").exists()
    redis = settings.model_copy(update={"jobs_url": "redis://127.0.0.1:6379/0"})
    if importlib.util.find_spec("redis") is None:  # an optional dependency: a clear error without it
        with pytest.raises(JobsConfigError, match="BIOATLAS_JOBS_URL.*redis"):
            make_huey(redis)
    else:
        assert type(make_huey(redis)).__name__ == "RedisHuey"  # connects lazily


def test_unknown_task_and_secret_arguments(settings):
    queue = build_queue(settings, specs=SPECS)
    with pytest.raises(KeyError, match="unknown task 'nope'"):
        queue.enqueue("nope")
    assert summarize({"smtp_password": "hunter2", "api_token": "x", "user_id": 4}) == \
        "api_token=***, smtp_password=***, user_id=4"
    assert len(summarize({"text": "x" * 2000})) <= 80 + len("text=")


def test_periodic_tasks_are_registered_from_the_plugins(settings):
    queue = build_queue(settings)
    assert {"jobs.prune", "search.embed"} <= set(queue.tasks)
    def due(hour, minute):
        return {type(t).__name__ for t in queue.huey.read_periodic(datetime(2026, 12, 7, hour, minute))}

    assert "jobs.prune" in due(3, 17) and "jobs.prune" not in due(3, 18)  # daily at 03:17
    assert "jobs.save_indexes" in due(3, 18) and "jobs.save_indexes" in due(14, 59)  # every minute


def test_enqueue_after_commit_waits_for_the_commit(settings, db, monkeypatch):
    monkeypatch.setattr(service, "_configured", None)
    with db() as s:
        assert service.enqueue_after_commit(s, "search.embed") is False  # no queue in this process
    service.configure(settings)
    queue = service.queue_for(settings)
    with db() as s:
        assert service.enqueue_after_commit(s, "search.embed") is True
        assert service.enqueue_after_commit(s, "search.embed") is True  # same job: queued once
        assert queue.pending() == 0
        s.rollback()
        assert queue.pending() == 0  # rolled back: nothing queued
        service.enqueue_after_commit(s, "search.embed", everything=True)
        s.commit()
        assert queue.pending() == 1
        s.commit()
        assert queue.pending() == 1
    with db() as s:
        (run,) = s.scalars(select(JobRun)).all()
        assert (run.task, run.status, run.args) == ("search.embed", "queued", "everything=True")


def test_bad_jobs_url_is_refused():
    from bioatlas.core.config import SettingsError, load_settings

    with pytest.raises(SettingsError, match="BIOATLAS_JOBS_URL"):
        load_settings(jobs_url="amqp://broker")


def test_prune_keeps_recent_and_failed_jobs(settings, db, monkeypatch):
    from datetime import timedelta

    from bioatlas.jobs import tasks
    from bioatlas.jobs.models import now

    old, recent = now() - timedelta(days=40), now() - timedelta(hours=30)
    rows = {
        "old-done": ("search.embed", "done", old), "old-failed": ("search.embed", "failed", old),
        "recent-done": ("search.embed", "done", recent), "minute-done": ("jobs.prune", "done", recent),
        "minute-failed": ("jobs.prune", "failed", recent), "running": ("search.embed", "running", None),
    }
    with db() as s:
        for key, (task, status, finished) in rows.items():
            s.add(JobRun(id=key, task=task, args="", status=status, attempts=1, enqueued_at=old,
                         finished_at=finished))
        s.commit()
    monkeypatch.setattr(service, "_configured", None)
    service.configure(settings)
    assert tasks.prune_runs() == 3  # both old ones, and the day-old success of a periodic task
    with db() as s:
        assert {r.id for r in s.scalars(select(JobRun))} == {"recent-done", "minute-failed", "running"}

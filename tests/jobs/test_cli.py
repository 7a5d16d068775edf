"""`bioatlas jobs enqueue|list` and `bioatlas settings` on the test database (the worker command
runs in tests/jobs/test_worker.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from typer.testing import CliRunner

from bioatlas.cli import app
from bioatlas.jobs import service
from bioatlas.jobs.models import JobRun


def test_enqueue_list_and_errors(monkeypatch, database_url, tmp_path, db):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BIOATLAS_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(service, "_configured", None)
    runner = CliRunner()
    queued = runner.invoke(app, ["jobs", "enqueue", "search.embed", "--args", '{"everything": true}'])
    assert queued.exit_code == 0, queued.output
    job_id = queued.stdout.strip()
    assert len(job_id) == 36
    listed = runner.invoke(app, ["jobs", "list", "--status", "queued"])
    assert listed.exit_code == 0 and job_id[:8] in listed.stdout and "search.embed" in listed.stdout
    assert "queued 1" in listed.output
    assert (tmp_path / "jobs.sqlite3").exists()  # the default queue: a file in the data directory
    unknown = runner.invoke(app, ["jobs", "enqueue", "no.such"])
    assert unknown.exit_code == 2 and "unknown task 'no.such'" in unknown.output
    bad = runner.invoke(app, ["jobs", "enqueue", "search.embed", "--args", "[1]"])
    assert bad.exit_code == 2 and "--args" in bad.output
    status = runner.invoke(app, ["jobs", "list", "--status", "lost"])
    assert status.exit_code == 2 and "--status" in status.output
    monkeypatch.setenv("BIOATLAS_JOBS_URL", "amqp://broker")
    refused = runner.invoke(app, ["jobs", "list"])
    assert refused.exit_code == 2 and "BIOATLAS_JOBS_URL" in refused.output


def test_settings_list_the_queue(monkeypatch):
    r = CliRunner().invoke(app, ["settings"])
    assert r.exit_code == 0 and "BIOATLAS_JOBS_URL" in r.stdout


def test_list_shows_times_in_utc(monkeypatch, database_url, tmp_path, db):
    """PostgreSQL gives the times in the session's time zone: the list says them in UTC."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BIOATLAS_DATA_DIR", str(tmp_path))
    paris = timezone(timedelta(hours=1))
    row = JobRun(id="c" * 32, task="jobs.prune", args="", status="done", attempts=1,
                 enqueued_at=datetime(2026, 12, 7, 4, 17, 5, tzinfo=paris),
                 finished_at=datetime(2026, 12, 7, 4, 17, 9, tzinfo=paris))
    monkeypatch.setattr(service, "recent", lambda session, **kw: [row])
    listed = CliRunner().invoke(app, ["jobs", "list"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    assert "times in UTC" in listed.stdout and "2026-12-07 03:17:05" in listed.stdout
    assert "2026-12-07 03:17:09" in listed.stdout and "04:17" not in listed.stdout

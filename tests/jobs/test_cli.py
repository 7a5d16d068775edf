"""`bioatlas jobs enqueue|list` and `bioatlas settings` on the test database (the worker command
runs in tests/jobs/test_worker.py)."""

from __future__ import annotations

from typer.testing import CliRunner

from bioatlas.cli import app
from bioatlas.jobs import service


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

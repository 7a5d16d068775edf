"""`bioatlas calls list | results | close` on the test database."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from bioatlas.calls import service
from bioatlas.cli import app
from tests.calls.helpers import add_actor, apply, make_call, make_user


@pytest.fixture
def run(monkeypatch, database_url, tmp_path, db):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BIOATLAS_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args), catch_exceptions=False)


def test_list_results_close(run, db, tmp_path):
    actor = add_actor(db, "Yposkesi", "91000")
    uid = make_user(db, "a@example.org")
    call_id = make_call(db, manager=None)
    app_id = apply(db, call_id=call_id, user_id=uid, actor_id=actor)
    listed = json.loads(run("calls", "list", "--json").stdout)
    assert [(c["id"], c["applications"], c["open"]) for c in listed] == [(call_id, 1, True)]
    out = tmp_path / "results.csv"
    assert run("calls", "results", str(call_id), "--output", str(out)).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["application_id"], r["applicant"], r["decision"]) for r in rows] == [(str(app_id), "Yposkesi", "")]
    scores = run("calls", "results", str(call_id), "--scores")
    assert scores.stdout.startswith("subject_id,subject,reviewer,criterion")
    closed = run("calls", "close", str(call_id))
    assert closed.exit_code == 0 and "Europe/Paris" in closed.output
    with db() as s:
        call = service.get_call(s, call_id=call_id)
        assert not service.is_open(call)
    again = run("calls", "close", str(call_id))
    assert again.exit_code == 1 and "closes_at" in again.output and "nothing was changed" in again.output
    missing = run("calls", "close", "999999")
    assert missing.exit_code == 2 and "call_id" in missing.output


def test_help_texts(run):
    top = run("calls", "--help").output
    assert all(word in top for word in ("list", "results", "close"))
    assert "--scores" in run("calls", "results", "--help").output
    assert "--drafts" in run("calls", "list", "--help").output

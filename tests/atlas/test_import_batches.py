"""The spreadsheet import checks every row before writing, then writes in bounded transactions
(issue 20 item 2): a server's writes wait for one batch, never for the whole file."""

from __future__ import annotations

import sqlite3

from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from bioatlas.atlas.importer import run as run_module
from bioatlas.atlas.models import Actor, Relation
from bioatlas.core.dialect import dialect_for
from tests.atlas.test_import_run import ROWS, counts, run, write_csv


def _commits(engine) -> list[int]:
    seen: list[int] = []
    event.listen(engine, "commit", lambda conn: seen.append(1))
    return seen


def test_rows_are_written_in_bounded_transactions(db, engine, taxonomies, tmp_path):
    commits = _commits(engine)
    report = run(db, write_csv(tmp_path / "a.csv", ROWS), taxonomies, batch_rows=2)
    assert report.committed and not report.errors, report.as_dict()
    assert report.created == len(ROWS) and [line for line, _, _ in report.actors] == list(range(2, 2 + len(ROWS)))
    assert len(commits) >= 4  # 7 rows in batches of 2
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Actor)) == len(ROWS)
        # Genopole (batch 2) is a member of Medicen (batch 1): names written by earlier batches resolve
        medicen = s.scalar(select(Actor.id).where(Actor.name == "Medicen Paris Region"))
        assert s.scalar(select(Relation.target_id).where(Relation.relation == "member_of")) == medicen


def test_a_bad_row_late_in_the_file_writes_nothing_even_in_batches(db, taxonomies, tmp_path):
    before = counts(db)
    rows = ROWS + [["Organisation sans type", "", "Type inconnu XYZ", "", "", "", "", "", "", "", ""]]
    report = run(db, write_csv(tmp_path / "a.csv", rows), taxonomies, batch_rows=2)
    assert not report.committed and report.errors and report.errors[0].line == len(rows) + 1
    assert counts(db) == before


def _transient(engine):
    """The error a busy database raises on this backend (SQLite's lock, PostgreSQL's serialisation)."""
    if dialect_for(engine).name == "sqlite":
        return OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))

    class Serialization(Exception):
        sqlstate = "40001"
    return OperationalError("INSERT", {}, Serialization("could not serialize access"))


def test_a_busy_database_retries_the_batch_and_loses_nothing(db, engine, taxonomies, tmp_path, monkeypatch):
    monkeypatch.setattr(run_module.time, "sleep", lambda seconds: None)
    calls = {"n": 0}
    real_write = run_module._write

    def busy_once(session, *args, **kwargs):
        calls["n"] += 1
        done = real_write(session, *args, **kwargs)
        if calls["n"] == 2:  # the second batch's rows are flushed, then the database is busy
            session.flush()
            raise _transient(engine)
        return done

    monkeypatch.setattr(run_module, "_write", busy_once)
    report = run(db, write_csv(tmp_path / "a.csv", ROWS), taxonomies, batch_rows=3)
    assert calls["n"] == 4  # 3 batches, the second one twice
    assert report.committed and report.created == len(ROWS) and not report.errors, report.as_dict()
    with db() as s:
        names = s.scalars(select(Actor.name)).all()
    assert sorted(names) == sorted(r[0] for r in ROWS)  # each row once: the failed attempt was rolled back


def test_a_batch_made_ambiguous_meanwhile_stops_and_says_what_is_written(db, taxonomies, tmp_path, monkeypatch):
    real_write = run_module._write
    calls = {"n": 0}

    def concurrent_twin(session, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # between two batches, someone else creates a second "Cellectis"
            with db() as other, other.begin():
                for _ in range(2):
                    other.add(Actor(name="Cellectis", name_key="cellectis", kind="company", status="active"))
        return real_write(session, *args, **kwargs)

    monkeypatch.setattr(run_module, "_write", concurrent_twin)
    report = run(db, write_csv(tmp_path / "a.csv", ROWS), taxonomies, batch_rows=3)
    assert report.committed and report.created == 3  # the first batch stays written
    assert [e.line for e in report.errors] == [6] and "several actors" in report.errors[0].reason
    assert any("stopped at the batch starting on line 5" in w and "re-run the same file" in w for w in report.warnings)
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Actor).where(Actor.name == "CHU Dijon Bourgogne")) == 0


def test_a_batch_ends_when_its_time_is_up(db, engine, taxonomies, tmp_path, monkeypatch):
    """On a loaded machine a batch is bounded by time, not only by rows: with no time at all each
    transaction writes one row (and the import leaves the lock to waiting writers in between)."""
    pauses: list[float] = []
    monkeypatch.setattr(run_module.time, "sleep", pauses.append)
    commits = _commits(engine)
    report = run(db, write_csv(tmp_path / "a.csv", ROWS), taxonomies, batch_rows=1000, batch_seconds=0.0)
    assert report.committed and report.created == len(ROWS)
    assert len(commits) >= len(ROWS) and pauses == [run_module.YIELD_SECONDS] * (len(ROWS) - 1)

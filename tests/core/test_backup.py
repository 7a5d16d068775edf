"""Online backup and restore (`bioatlas db backup|restore`): a backup taken while a writer keeps
committing holds every write confirmed before it started, and restores into a working database;
bad files are refused naming the file, and leave the target as it was."""

from __future__ import annotations

import json
import threading
import uuid

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from bioatlas.cli import app
from bioatlas.core import backup, migrate
from bioatlas.core.db import make_engine
from bioatlas.core.errors import FileError


def _writer(engine, confirmed: list[int], stop: threading.Event) -> None:
    """Commit one audit row per transaction; `confirmed` gets its number once the commit returned."""
    i = 0
    while not stop.is_set():
        i += 1
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO audit_events (at, event, detail) VALUES (CURRENT_TIMESTAMP, 'canary', :d)"),
                         {"d": str(i)})
        confirmed.append(i)


@pytest.fixture
def fresh_target(engine, tmp_path):
    """An empty database of the same backend to restore into (never the test database itself)."""
    if engine.dialect.name == "sqlite":
        target = make_engine(f"sqlite:///{tmp_path / 'restored.db'}")
        yield target
        target.dispose()
        return
    name = f"restore_{uuid.uuid4().hex[:8]}"
    admin = engine.execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    target = make_engine(engine.url.set(database=name).render_as_string(hide_password=False))
    yield target
    target.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))  # the CLI's engine may still be connected


def _canaries(engine) -> set[int]:
    with engine.connect() as conn:
        return {int(d) for d in conn.execute(text("SELECT detail FROM audit_events WHERE event = 'canary'")).scalars()}


def test_backup_under_writes_keeps_every_confirmed_write_and_restores(db, engine, fresh_target, tmp_path):
    confirmed: list[int] = []
    stop = threading.Event()
    thread = threading.Thread(target=_writer, args=(engine, confirmed, stop))
    thread.start()
    try:
        while len(confirmed) < 50:
            threading.Event().wait(0.01)
        before = set(confirmed)
        report = backup.backup(engine, tmp_path / "atlas.backup")
        after = set(confirmed)
        while len(confirmed) < len(after) + 20:  # the writer went on during and after the backup
            threading.Event().wait(0.01)
    finally:
        stop.set()
        thread.join()
    assert report.bytes > 0 and report.revision == migrate.current(engine)
    assert not list(tmp_path.glob(".*.part"))

    backup.restore(fresh_target, tmp_path / "atlas.backup")
    restored = _canaries(fresh_target)
    assert before <= restored  # nothing confirmed before the backup started is lost
    assert restored <= after | {max(after) + 1}  # one snapshot: at most the commit in flight
    assert restored == set(range(1, max(restored) + 1))  # and no hole
    assert migrate.current(fresh_target) == migrate.current(engine)
    assert len(_canaries(engine)) > len(restored)  # the source kept its later writes


def test_a_file_that_is_not_a_backup_is_refused_and_the_target_is_unchanged(db, engine, fresh_target, tmp_path):
    backup.backup(engine, tmp_path / "good.backup")
    backup.restore(fresh_target, tmp_path / "good.backup")
    with fresh_target.begin() as conn:
        conn.execute(text("INSERT INTO audit_events (at, event, detail) VALUES (CURRENT_TIMESTAMP, 'canary', '7')"))
    bad = tmp_path / "notes.txt"
    bad.write_text("not a database\n" * 100)
    with pytest.raises(FileError) as exc:
        backup.restore(fresh_target, bad)
    assert "notes.txt" in str(exc.value)
    with pytest.raises(FileError, match="no such file"):
        backup.restore(fresh_target, tmp_path / "missing.backup")
    assert _canaries(fresh_target) == {7}


def test_cli_backup_then_restore(db, engine, database_url, fresh_target, tmp_path, monkeypatch):
    """The commands, end to end: back up the test database, restore into another database (never
    the suite's own: other connections of the run hold it)."""
    monkeypatch.setenv("BIOATLAS_DATA_DIR", str(tmp_path))
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_events (at, event, detail) VALUES (CURRENT_TIMESTAMP, 'canary', '1')"))
    runner = CliRunner()
    monkeypatch.setenv("DATABASE_URL", database_url)
    made = runner.invoke(app, ["db", "backup", str(tmp_path / "cli.backup"), "--json"], catch_exceptions=False)
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["bytes"] > 0
    monkeypatch.setenv("DATABASE_URL", fresh_target.url.render_as_string(hide_password=False))
    refused = runner.invoke(app, ["db", "restore", str(tmp_path / "nothing.backup"), "--yes"])
    said = "".join(refused.output.split())  # whatever the terminal's width
    assert refused.exit_code == 1 and "nothing.backup" in said and "unchanged" in said
    done = runner.invoke(app, ["db", "restore", str(tmp_path / "cli.backup"), "--yes"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert _canaries(fresh_target) == {1}

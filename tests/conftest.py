"""Shared fixtures. The backend is SQLite (a temporary file) unless BIOATLAS_TEST_DATABASE_URL
points at a PostgreSQL database, which `make test` / `.ci/run` set for the second pass."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from bioatlas.atlas.taxonomy import load_taxonomies
from bioatlas.core.config import Settings, load_settings
from bioatlas.core.db import Base, make_engine, make_sessionmaker
from bioatlas.accounts import credentials
from bioatlas.atlas import changelog
from bioatlas.core import listeners, migrate

listeners.install()  # as create_app and the CLI do: change log, search documents, vectors

# argon2's production cost (~0.3 s for each hash and each check on this machine) protects stored
# passwords; the tests sign up and log in hundreds of people and test the flows, not the cost. In
# this test process only, the cheapest parameters (still argon2id; production code is untouched,
# and a hash made with other parameters still verifies, then is rehashed as in production).
# Patched where the hashing lives (`accounts/credentials.py`; `tests/accounts/test_test_hasher.py`
# fails if this stops taking effect, e.g. after the module moves again).
credentials._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
TEST_DB_URL = os.environ.get("BIOATLAS_TEST_DATABASE_URL", "")


def pytest_report_header(config):
    return f"bioatlas backend: {'postgresql' if TEST_DB_URL.startswith('postgresql') else 'sqlite'}"


@pytest.fixture(scope="session")
def backend() -> str:
    return "postgresql" if TEST_DB_URL.startswith("postgresql") else "sqlite"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if TEST_DB_URL:
        return TEST_DB_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def engine(database_url):
    settings = load_settings(database_url=database_url, environment="test")
    eng = make_engine(settings.resolved_database_url)
    if eng.dialect.name == "postgresql":
        with eng.begin() as conn:  # a clean schema for every run
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


def _wipe_postgresql(conn, tables: list) -> None:
    """Empties the tables holding rows (asked in one round trip) with DELETE, children first, and
    restarts the id sequences that moved, the change log's excepted: the state a TRUNCATE of every
    table with RESTART IDENTITY leaves, for ~0.05 s instead of 0.15-0.5 s (a TRUNCATE recreates the
    files of each of the ~100 tables and their indexes, empty or not; most tests fill a few)."""
    quote = conn.dialect.identifier_preparer.quote
    probe = " UNION ALL ".join(f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM {quote(t.name)})" for t in tables)
    filled = set(conn.execute(text(probe)).scalars())
    for table in reversed(tables):
        if table.name in filled:
            conn.execute(table.delete())
    # sequences owned by a column of these tables ('a': serial, 'i': identity) that handed out a value
    conn.execute(text(
        "SELECT setval(s.oid, q.start_value, false) FROM pg_sequences q"
        " JOIN pg_class s ON s.relname = q.sequencename AND s.relnamespace = to_regnamespace(q.schemaname)"
        " JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')"
        " JOIN pg_class t ON t.oid = d.refobjid"
        " WHERE q.schemaname = current_schema() AND q.last_value IS NOT NULL AND t.relname = ANY(:names)"),
        {"names": [t.name for t in tables]})


def _wipe(engine) -> None:
    migrate.import_all_models()
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            _wipe_postgresql(conn, [t for t in Base.metadata.sorted_tables if t.name != "actor_change_log"])
        else:
            for table in reversed(Base.metadata.sorted_tables):
                if table.name != "actor_change_log":
                    conn.execute(table.delete())
        # the change log is never emptied, as in production (`changelog.prune` keeps a row), and
        # says that everything changed: in-memory indexes cached across tests rebuild
        conn.execute(text("DELETE FROM actor_change_log WHERE seq < (SELECT max(seq) FROM actor_change_log)"))
        changelog.note_everything(conn)


@pytest.fixture(autouse=True)
def _dispose_test_engines(monkeypatch):
    """Close the pools of the engines a test creates (its apps, its CLI calls) when it ends: the
    in-memory indexes keep their engines for the whole run, and idle pooled connections would pile
    up on PostgreSQL until it refuses clients."""
    import bioatlas.app
    import bioatlas.core.db

    made = []
    real = bioatlas.core.db.make_engine

    def tracking(*args, **kwargs):
        engine = real(*args, **kwargs)
        made.append(engine)
        return engine

    monkeypatch.setattr(bioatlas.core.db, "make_engine", tracking)
    monkeypatch.setattr(bioatlas.app, "make_engine", tracking)
    yield
    for engine in made:
        engine.dispose()


@pytest.fixture(autouse=True)
def _nothing_of_the_search_outlives_the_test():
    """Fail the test that leaves a search pass running on the process's pool or a background
    Tantivy rebuild behind: either reads (and a rebuild writes) the files and the database of a
    test that comes after it, which may have replaced them (docs/testing.md, "What outlives a
    test"). The rebuild is waited for first, so that the next test starts clean. ~10 µs."""
    yield
    from bioatlas.search import tantivy_index, tantivy_parallel

    left = {key: t for key, t in tantivy_index.rebuilding.items() if t.is_alive()}
    for thread in left.values():
        thread.join(600)
    running = tantivy_parallel.running()
    assert not left, f"a background Tantivy rebuild outlived the test (join it): {sorted(left)}"
    assert not running, f"{running} search pass(es) still running on the pool after the test (parallel.join)"


@pytest.fixture
def db(engine):
    """A session factory on a migrated, empty database; emptied again after the test."""
    _wipe(engine)
    yield make_sessionmaker(engine)
    _wipe(engine)


@pytest.fixture
def session(db):
    s = db()
    yield s
    s.rollback()
    s.close()


@pytest.fixture(scope="session")
def taxonomies():
    return load_taxonomies()


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return load_settings(database_url=database_url, environment="test", data_dir=tmp_path, admin_token="t" * 32)


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"../shared not found at {SHARED}: the tests read the real open data there")
    return SHARED


@pytest.fixture
def app(settings, db):
    from bioatlas.app import create_app

    return create_app(settings)


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as c:
        yield c

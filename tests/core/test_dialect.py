"""The database dialect object (core/dialect.py): each operation checked against the backend the
tests run on (SQLite, or PostgreSQL with BIOATLAS_TEST_DATABASE_URL)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    create_mock_engine,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from bioatlas.atlas.models import Site
from bioatlas.core.dialect import (
    PostgreSQLDialect,
    SQLiteDialect,
    UnsupportedDatabase,
    dialect_for,
)

_md = MetaData()
PROBE = Table(
    "dialect_probe", _md,
    Column("id", Integer, primary_key=True),
    Column("label", String(40)),
    Column("at", DateTime(timezone=True)),
)


@pytest.fixture
def probe(engine):
    _md.create_all(engine)
    yield PROBE
    _md.drop_all(engine)


def test_the_backend_of_an_engine_a_connection_a_session_or_a_name(engine, backend):
    expected = {"sqlite": SQLiteDialect, "postgresql": PostgreSQLDialect}[backend]
    with engine.connect() as conn, Session(engine) as session:
        for bind in (engine, conn, session, backend):
            assert type(dialect_for(bind)) is expected
            assert dialect_for(bind).name == backend
    assert dialect_for("sqlite").alter_in_batches and not dialect_for("postgresql").alter_in_batches


def test_an_unknown_backend_is_refused_by_name():
    with pytest.raises(UnsupportedDatabase, match="'mysql'"):
        dialect_for("mysql")
    with pytest.raises(UnsupportedDatabase, match="SQLite or PostgreSQL"):
        dialect_for(create_mock_engine("mssql://", executor=print))


def test_choose_gives_the_value_of_this_backend_and_names_a_missing_one(backend):
    d = dialect_for(backend)
    assert d.choose(sqlite="s", postgresql="p") == backend[0]
    other = "postgresql" if backend == "sqlite" else "sqlite"
    with pytest.raises(UnsupportedDatabase, match=backend):
        d.choose(**{other: 1})


def test_concat_agg_reads_back_exactly_with_nan_for_null(engine):
    d = dialect_for(engine)
    third = 1 / 3
    values = (
        "SELECT CAST(1 AS DOUBLE PRECISION) / 3 AS v, 7 AS n UNION ALL SELECT NULL, 8 "
        "UNION ALL SELECT 2.5, 9 UNION ALL SELECT CAST(1e-300 AS DOUBLE PRECISION), 10"
    )
    with engine.connect() as conn:
        reals, ints = conn.execute(text(
            f"SELECT {d.concat_agg('v', real=True)}, {d.concat_agg('n')} FROM ({values}) AS t"
        )).one()
    got = np.fromstring(reals, dtype=np.float64, sep=",")
    assert sorted(np.fromstring(ints, dtype=np.int64, sep=",").tolist()) == [7, 8, 9, 10]
    assert np.isnan(got).sum() == 1
    assert sorted(got[~np.isnan(got)].tolist()) == sorted([third, 2.5, 1e-300])  # exact, not 15 digits


def test_allocate_ids_then_insert_rows_round_trip(engine, probe):
    d = dialect_for(engine)
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with Session(engine) as session:
        session.execute(probe.insert().values(id=1, label="first", at=at))
        if d.name == "postgresql":  # an explicit id leaves the sequence behind: as the bulk loader never does
            session.execute(text("SELECT setval(pg_get_serial_sequence('dialect_probe', 'id'), 1)"))
        ids = d.allocate_ids(session, table=probe, n=3)
        assert ids == sorted(ids) and len(set(ids)) == 3 and min(ids) > 1
        d.insert_rows(session.connection(), table=probe,
                      rows=[{"id": i, "label": f"n{i}", "at": at} for i in ids])
        d.insert_rows(session.connection(), table=probe, rows=[])
        session.commit()
        rows = session.execute(select(probe.c.id, probe.c.label, probe.c.at).order_by(probe.c.id)).all()
    assert [r.id for r in rows] == [1, *ids]
    assert [r.label for r in rows[1:]] == [f"n{i}" for i in ids]
    for r in rows:  # the datetime went through the column's bind processor
        assert r.at.replace(tzinfo=r.at.tzinfo or UTC) == at


def test_now_reads_like_the_stored_timestamps(engine, probe):
    d = dialect_for(engine)
    now = d.now()
    with Session(engine) as session:
        session.execute(probe.insert().values(id=1, label="x", at=now))
        back = session.scalar(select(probe.c.at))
    assert (now.tzinfo is None) == (back.tzinfo is None) == (d.name == "sqlite")
    assert back == now  # comparable: no naive/aware mix
    assert abs((now.replace(tzinfo=UTC) - datetime.now(UTC)).total_seconds()) < 60


def test_unindexed_column_keeps_its_meaning(engine):
    d = dialect_for(engine)
    expr = d.unindexed(Site.region)
    sql = str(expr.compile(engine))
    assert sql == ("+sites.region" if d.name == "sqlite" else "sites.region")
    with engine.connect() as conn:  # still a valid condition on the sites table
        conn.execute(select(Site.id).where(expr == "11").limit(1)).all()


def test_streaming_cursor_reads_in_batches(engine):
    d = dialect_for(engine)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))  # a transaction is open (named cursors need one)
        cursor = d.streaming_cursor(conn.connection.dbapi_connection, "bioatlas_probe")
        try:
            if d.name == "postgresql":
                assert cursor.name == "bioatlas_probe"  # server-side
            cursor.execute("SELECT * FROM (SELECT 1 AS v UNION ALL SELECT 2 UNION ALL SELECT 3) AS t ORDER BY v")
            batches = []
            while rows := cursor.fetchmany(2):
                batches.append([r[0] for r in rows])
        finally:
            cursor.close()
    assert batches == [[1, 2], [3]]


def test_guard_keeps_the_transaction_usable_after_a_failure(engine):
    d = dialect_for(engine)
    with Session(engine) as session:
        with pytest.raises(DBAPIError), d.guard(session):
            session.execute(text("SELECT * FROM no_such_table_here"))
        assert session.scalar(text("SELECT 41 + 1")) == 42
        session.rollback()


def test_advisory_lock_holds_until_the_transaction_ends(engine):
    d = dialect_for(engine)
    key = 0x74657374
    with Session(engine) as session:
        d.advisory_xact_lock(session, key)
        if d.name == "postgresql":
            with engine.connect() as other:
                assert other.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}) is False
                other.rollback()
        session.commit()
        if d.name == "postgresql":
            with engine.connect() as other:
                assert other.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}) is True
                other.rollback()
        assert session.scalar(text("SELECT 1")) == 1

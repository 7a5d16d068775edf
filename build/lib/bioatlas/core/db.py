"""Engine and sessions. SQLite runs in WAL mode with foreign keys on; PostgreSQL through psycopg."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import MetaData, create_engine, event, inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA synchronous=NORMAL")
    # Deleted content is overwritten with zeros, not left in free pages (erasure of personal data;
    # some builds enable it at compile time, most do not).
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def make_sessionmaker(engine: Engine | Connection) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """One unit of work on a session already open (a request's): commit on success, roll back
    everything on any error. Service functions wrap their writes in it; handlers never commit."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


_tables_seen: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def table_exists(session: Session, name: str) -> bool:
    """Whether the session's database has this table (a database not yet migrated may lack it).
    Only a yes is remembered per engine: a table created later in the process is seen."""
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    seen = _tables_seen.setdefault(engine, set())
    if name not in seen and inspect(session.connection()).has_table(name):
        seen.add(name)
    return name in seen

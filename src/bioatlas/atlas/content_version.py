"""The content version: one counter that grows with every commit that wrote content.

The change log (`atlas.changelog`) says which actors changed; pages and API answers also show
what is not an actor row (an author's name, a relation's target, a room's own rows). A commit
listener sets a flag when a flush writes any table but the quiet ones below (sessions, rate
limits, audit, job runs: writes no answer shows) and, just before the commit, adds one to
`content_version.seq` in the same transaction. `version()` reads the change log's seq and this
counter in one statement: the response cache and the HTTP validators key on the pair, so a
committed change, whichever process made it, is never answered from a stale entry.

Writers that bypass the ORM list their actors in the change log (`changelog.note`: set-based
loaders, merges) or call `note()` (the search's full reindex); raw SQL that does neither is not
seen (see docs/performance.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timezone
from itertools import chain

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.orm import Session

from bioatlas.atlas.models import ChangeLogEntry, ContentVersion
from bioatlas.core.db import table_exists
from bioatlas.core.plugins import CommitListener

FLAG = "content_changed"
BUSY = "content_version:busy"
QUIET = frozenset({"user_sessions", "rate_limit_hits", "audit_events", "job_runs", "email_tokens",
                   "content_version", "actor_change_log", "notification_outbox"})


def note(session: Session) -> None:
    """Move the content version at the next commit (writers that bypass the ORM flush)."""
    session.info[FLAG] = True


def _after_flush(session: Session, _context) -> None:
    if session.info.get(FLAG):
        return
    for obj in chain(session.new, session.dirty, session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table is not None and table not in QUIET:
            session.info[FLAG] = True
            return


def _before_commit(session: Session) -> None:
    if session.info.get(BUSY) or not session.info.get(FLAG):
        return
    session.info[BUSY] = True
    try:
        session.flush()
        if not table_exists(session, ContentVersion.__tablename__):
            return
        now = datetime.now(timezone.utc)
        bumped = session.execute(update(ContentVersion).where(ContentVersion.id == 1)
                                 .values(seq=ContentVersion.seq + 1, changed_at=now)).rowcount
        if not bumped:
            session.execute(insert(ContentVersion).values(id=1, seq=1, changed_at=now))
    finally:
        session.info.pop(BUSY, None)
        session.info.pop(FLAG, None)


def _after_rollback(session: Session, *_args) -> None:
    session.info.pop(FLAG, None)


# after the change log (order 20) and the search documents: they flush content too
LISTENER = CommitListener(name="content_version", after_flush=_after_flush, before_commit=_before_commit,
                          after_rollback=_after_rollback, order=90)


_ONE = ContentVersion.id == 1
VERSION = select(select(func.max(ChangeLogEntry.seq)).scalar_subquery(),
                 select(ContentVersion.seq).where(_ONE).scalar_subquery(),
                 select(ContentVersion.changed_at).where(_ONE).scalar_subquery())


def version(connection: Connection | Session) -> tuple[int, int, datetime | None]:
    """(change log seq, content seq, time of the latest content change, UTC) in one statement
    (built once: a request pays for the query, not for compiling it)."""
    return _as_version(connection.execute(VERSION).one())


def _as_version(row) -> tuple[int, int, datetime | None]:
    at = row[2]
    if at is not None:  # SQLite hands back naive times (stored in UTC)
        at = at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)
    return int(row[0] or 0), int(row[1] or 0), at


def sqlite_file(engine: Engine) -> bool:
    """Whether the engine's database is a SQLite file (not an in-memory database)."""
    database = engine.url.database or ""
    return engine.dialect.name == "sqlite" and database not in ("", ":memory:") and "mode=memory" not in database


class FileVersion:
    """`version()` of a SQLite file read on a connection of its own, with the statement compiled
    once and no pool, session or result machinery: a few tens of microseconds, so the response
    cache reads it on the event loop instead of through the thread pool (in WAL mode a reader
    never waits for a writer; each SELECT is its own read transaction, so a commit by any
    process is seen by the next call). One connection per process: after a fork the parent's is
    kept aside, never used or closed (SQLite's rule for connections across a fork)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sql = str(VERSION.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
        kind = ContentVersion.__table__.c.changed_at.type.dialect_impl(engine.dialect)
        self.parse: Callable | None = kind.result_processor(engine.dialect, None)
        self.pid = 0
        self.connection = None
        self.inherited: list = []

    def __call__(self) -> tuple[int, int, datetime | None]:
        if self.pid != os.getpid():
            if self.connection is not None:
                self.inherited.append(self.connection)
            self.connection = self.engine.raw_connection()
            self.connection.detach()  # its own, for good: never handed back to the pool
            self.pid = os.getpid()
        cursor = self.connection.cursor()
        try:
            seq, content, at = cursor.execute(self.sql).fetchone()
        finally:
            cursor.close()
        return _as_version((seq, content, self.parse(at) if self.parse and at is not None else at))

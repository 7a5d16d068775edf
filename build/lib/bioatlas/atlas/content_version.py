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

from datetime import datetime, timezone
from itertools import chain

from sqlalchemy import Connection, func, insert, select, update
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
    row = connection.execute(VERSION).one()
    at = row[2]
    if at is not None:  # SQLite hands back naive times (stored in UTC)
        at = at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)
    return int(row[0] or 0), int(row[1] or 0), at

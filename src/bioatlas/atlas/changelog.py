"""The change log of actors: which actors each commit touched, in commit order.

Every commit that touches an actor — its row, names, sites or capabilities, through the ORM, or
ids listed with `note()` by set-based writers (bulk loader, merges) — inserts one row per actor
into `actor_change_log` in the same transaction, just before it commits. In-memory indexes built
from the database (search facets, map clusters) remember the `latest()` seq they were built at;
before answering they ask `since()` which actors changed after it and refresh only those.

Order: `seq` must grow in commit order, or a reader could step over a change committed late.
SQLite has one writer at a time; on PostgreSQL the committing writers take a transaction-level
advisory lock before they draw their seqs, which holds until their commit.

Writers that bypass the session (raw SQL, benchmark data builders) are not logged: indexes built
after them see their rows anyway. `prune()` keeps the log short; a reader older than the oldest
kept row gets None from `since()` and rebuilds.
"""

from __future__ import annotations

from datetime import datetime, timezone
from itertools import chain

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from bioatlas.atlas.models import Actor, ActorName, Capability, ChangeLogEntry, ContentVersion, Site
from bioatlas.core.dialect import dialect_for
from bioatlas.core.listeners import touched_listener

PENDING = "changelog_pending"
TRACKED = (ActorName, Site, Capability)
LOCK_KEY = 0x62696F61  # "bioa": the advisory lock of the change log writers (PostgreSQL)
CHUNK = 10_000
EVERYTHING = 0  # an actor_id of 0 in the log: every actor may have changed (readers rebuild)


def note_touched_actors(session: Session, key: str) -> None:
    """Add the ids of the actors touched by the current flush to `session.info[key]`."""
    dirty = session.info.setdefault(key, set())
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Actor):
            dirty.add(obj.id)
        elif isinstance(obj, TRACKED):
            dirty.add(obj.actor_id)


def note(session: Session, ids) -> None:
    """Log these actors as changed at the next commit (for writers that bypass the ORM)."""
    session.info.setdefault(PENDING, set()).update(ids)


def latest(session: Session) -> int:
    """The highest seq of the log, 0 when it is empty (one index lookup)."""
    return int(session.scalar(select(func.max(ChangeLogEntry.seq))) or 0)


def since(session: Session, seq: int, limit: int) -> set[int] | None:
    """The actors changed after `seq`; None when more than `limit` did, when `note_everything` was
    called, or when the log was pruned past `seq` (the caller rebuilds). Read `latest()` first: a change committed in between is
    returned twice, never missed. Seqs are never reused (AUTOINCREMENT on SQLite, a sequence on
    PostgreSQL), so a `seq` above the newest one means the log was emptied: rebuild too."""
    oldest, top = session.execute(select(func.min(ChangeLogEntry.seq), func.max(ChangeLogEntry.seq))).one()
    if (oldest is not None and seq < oldest - 1) or seq > (top or 0):
        return None
    ids = session.scalars(
        select(ChangeLogEntry.actor_id).where(ChangeLogEntry.seq > seq).distinct().limit(limit + 1)
    ).all()
    return None if len(ids) > limit or EVERYTHING in ids else set(ids)


_TOP = select(ChangeLogEntry.seq, ChangeLogEntry.actor_id, ChangeLogEntry.changed_at) \
    .order_by(ChangeLogEntry.seq.desc()).limit(1)


def position(session: Session) -> tuple[int, tuple | None]:
    """`latest()` and the `mark()` of that seq in one statement (an index's freshness check)."""
    row = session.execute(_TOP).first()
    return (0, None) if row is None else (int(row[0]), (row[1], str(row[2])))


def mark(session: Session, seq: int) -> tuple | None:
    """(actor id, time) of the log row `seq`; None for 0 or a pruned row."""
    if seq <= 0:
        return None
    row = session.execute(select(ChangeLogEntry.actor_id, ChangeLogEntry.changed_at).where(ChangeLogEntry.seq == seq)).first()
    return (row[0], str(row[1])) if row else None


def files_mark(session: Session, seq: int) -> list | None:
    """What index files saved as of log row `seq` are told apart by (`core/index_files.py`): the
    row's `mark()`; for an empty log (seq 0: an atlas loaded by raw SQL and never edited since),
    the content version and the size and highest id of every table the indexes read, so that
    another atlas, or rows added by a writer that bypassed the log, is never read from files."""
    if seq > 0:
        found = mark(session, seq)
        return None if found is None else list(found)
    out: list = ["empty log", session.scalar(select(ContentVersion.seq).where(ContentVersion.id == 1))]
    for model in (Actor, ActorName, Site, Capability):
        out.extend(session.execute(select(func.count(), func.max(model.id))).one())
    out.append(str(session.scalar(select(func.max(Actor.updated_at)))))
    return out


def save_due(session: Session, saved: int, top: int, *, edits: int, quiet: float, now: datetime | None = None) -> bool:
    """Whether index files saved as of seq `saved` are worth saving again at `top`: `edits` log rows
    behind or more, or the log quiet for `quiet` seconds (its newest row at least that old)."""
    if top - saved >= edits:
        return True
    newest = session.scalar(select(ChangeLogEntry.changed_at).where(ChangeLogEntry.seq == top))
    if newest is None:
        return True
    if newest.tzinfo is None:  # SQLite gives back naive UTC times
        newest = newest.replace(tzinfo=timezone.utc)
    return ((now or datetime.now(timezone.utc)) - newest).total_seconds() >= quiet


def note_everything(connection) -> None:
    """Log that every actor may have changed (after raw SQL that rewrote or emptied the atlas)."""
    connection.execute(insert(ChangeLogEntry).values(actor_id=EVERYTHING, changed_at=datetime.now(timezone.utc)))


def prune(session: Session, keep: int) -> int:
    """Delete all but the newest `keep` rows (at least one stays, so that `latest()` never goes
    back); returns how many went."""
    keep = max(1, keep)
    top = latest(session)
    return session.execute(delete(ChangeLogEntry).where(ChangeLogEntry.seq <= top - keep)).rowcount or 0


def _write(session: Session, ids: set[int]) -> None:
    """Log the touched actors in commit order (a transaction-level advisory lock on PostgreSQL)."""
    ordered = sorted(ids)
    dialect_for(session).advisory_xact_lock(session, LOCK_KEY)
    now = datetime.now(timezone.utc)
    for start in range(0, len(ordered), CHUNK):
        session.execute(insert(ChangeLogEntry), [{"actor_id": i, "changed_at": now} for i in ordered[start:start + CHUNK]])


LISTENER = touched_listener(name="changelog", order=20, key=PENDING, note=note_touched_actors,
                            table=ChangeLogEntry.__tablename__, work=_write)

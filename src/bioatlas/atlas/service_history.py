"""An actor's history and the change log as the atlas's service offers them (re-exported by
`atlas.service`, the only module other rooms import)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from bioatlas.atlas import changelog, content_version, history
from bioatlas.atlas.models import Actor, ActorChange, Source
from bioatlas.core.config import Settings

# --- history --------------------------------------------------------------------------------------


def actor_snapshot(*, actor: Actor) -> dict[str, object]:
    """The actor's facts as plain comparable values (taken before a change, for `record_changes`)."""
    return history.snapshot(actor)


def record_changes(session: Session, *, actor: Actor, before: dict | None, source: Source, at: datetime) -> int:
    """Store one history row per field that differs between `before` and the actor now."""
    return history.record_changes(session, actor, before, source, at)


def get_change(session: Session, *, change_id: int) -> ActorChange | None:
    return session.get(ActorChange, change_id)


def add_change(
    session: Session, *, actor_id: int, source: Source, at: datetime, action: str, field: str,
    old_value: str | None = None, new_value: str | None = None,
) -> ActorChange:
    """Append a history row written by another room (a merge, a revert) for an actor."""
    change = ActorChange(actor_id=actor_id, source=source, at=at, action=action, field=field,
                         old_value=old_value, new_value=new_value)
    session.add(change)
    return change


# --- change log (in-memory indexes stay fresh through it) ------------------------------------------


def latest_change(session: Session) -> int:
    """The newest seq of the change log (0 when empty)."""
    return changelog.latest(session)


def change_position(session: Session) -> tuple[int, tuple | None]:
    """(`latest_change`, `change_mark` of that seq), read in one statement."""
    return changelog.position(session)


def note_content_changed(session: Session) -> None:
    """Move the data version at this transaction's commit: for writers that bypass the ORM and
    touch no actor (a full reindex of derived tables), so no cached answer outlives them."""
    content_version.note(session)


def data_version(connection: Connection | Session) -> tuple[int, int, datetime | None]:
    """(change log seq, content seq, time of the latest content change), one statement: any
    committed change moves the pair (see `atlas.content_version`); response caches key on it."""
    return content_version.version(connection)


def data_version_reader(*, engine: Engine) -> tuple[Callable[[], tuple[int, int, datetime | None]], bool]:
    """A function reading `data_version` of the engine's database, and whether it is cheap enough
    to call on the event loop: a SQLite file's reader keeps a connection of its own (tens of
    microseconds a call); any other database's takes a pooled connection per call (the thread pool)."""
    if content_version.sqlite_file(engine):
        return content_version.FileVersion(engine), True

    def read() -> tuple[int, int, datetime | None]:
        with engine.connect() as connection:
            return content_version.version(connection)

    return read, False


def changes_since(session: Session, *, seq: int, limit: int) -> set[int] | None:
    """Actors changed after `seq`; None when the reader must rebuild (see `atlas.changelog.since`)."""
    return changelog.since(session, seq, limit)


def note_everything(session: Session) -> None:
    """Log that every actor may have changed (after raw SQL rewrites, a rebuilt read model): the
    in-memory and on-disk indexes rebuild at their next look."""
    changelog.note_everything(session.connection())


def change_mark(session: Session, *, seq: int) -> tuple | None:
    """(actor id, time) of the log row `seq`, or None: tells a log emptied and refilled up to the
    same seq from the log a reader built on."""
    return changelog.mark(session, seq)


def files_mark(session: Session, *, seq: int) -> list | None:
    """What index files saved as of log row `seq` are told apart by (`atlas.changelog.files_mark`:
    the row's mark, or a fingerprint of the content when the log is empty)."""
    return changelog.files_mark(session, seq)


def files_due(session: Session, *, settings: Settings, now: datetime | None = None) -> Callable[[int, int], bool]:
    """Whether index files saved as of log seq `saved` should be saved again at `top`, as a function
    of (saved, top) for `LiveIndex.save_behind`: `settings.index_save_edits` log rows behind or
    more, or no edit for `settings.index_save_quiet` seconds (`atlas.changelog.save_due`)."""
    return lambda saved, top: changelog.save_due(session, saved, top, edits=settings.index_save_edits,
                                                 quiet=settings.index_save_quiet, now=now)


def note_changed(session: Session, *, actor_ids: Iterable[int]) -> None:
    """Tell the change log these actors changed in this transaction (raw SQL, merges)."""
    changelog.note(session, actor_ids)


note_touched_actors = changelog.note_touched_actors  # (session, key): a commit listener's after-flush step

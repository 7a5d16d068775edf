"""Keep the search index up to date: every flush notes the actors whose facts changed (actor,
names, sites, capabilities), and their documents are rewritten just before the commit, in the
same transaction. Set-based loaders that bypass the ORM (`atlas.bulk`) add the ids they
create to `session.info["bulk_actor_ids"]`.
"""

from __future__ import annotations

import weakref

from sqlalchemy import event
from sqlalchemy.orm import Session

from bioatlas.atlas.changelog import note_touched_actors

DIRTY = "search_dirty"
BULK = "bulk_actor_ids"
_BUSY = "search_reindexing"
_ready: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _after_flush(session: Session, _context) -> None:
    note_touched_actors(session, DIRTY)


def _ready_for(session: Session) -> bool:
    from bioatlas.search.index import index_ready

    engine = session.get_bind()
    if engine not in _ready:
        _ready[engine] = index_ready(session)
    return _ready[engine]


def _before_commit(session: Session) -> None:
    if session.info.get(_BUSY):
        return
    from bioatlas.search.index import reindex

    session.info[_BUSY] = True
    try:
        session.flush()
        ids = session.info.pop(DIRTY, set()) | session.info.pop(BULK, set())
        ids.discard(None)
        if ids and _ready_for(session):
            reindex(session, ids)
    finally:
        session.info.pop(_BUSY, None)


def _forget(session: Session, *_args) -> None:
    session.info.pop(DIRTY, None)
    session.info.pop(BULK, None)


def install() -> None:
    """Listen on every Session (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_rollback", _forget)


def forget_readiness() -> None:
    """Ask again whether the search tables exist (after a migration in the same process)."""
    _ready.clear()

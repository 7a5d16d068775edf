"""Keep the search index up to date: every flush notes the actors whose facts changed (actor,
names, sites, capabilities), and their documents are rewritten just before the commit, in the
same transaction. Set-based loaders that bypass the ORM (`atlas.bulk`) add the ids they
create to `session.info["bulk_actor_ids"]`.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bioatlas.atlas.service import note_touched_actors
from bioatlas.core.db import table_exists
from bioatlas.core.plugins import CommitListener

DIRTY = "search_dirty"
BULK = "bulk_actor_ids"
_BUSY = "search_reindexing"


def _after_flush(session: Session, _context) -> None:
    note_touched_actors(session, DIRTY)


def _before_commit(session: Session) -> None:
    if session.info.get(_BUSY):
        return
    from bioatlas.search.index import reindex

    session.info[_BUSY] = True
    try:
        session.flush()
        ids = session.info.pop(DIRTY, set()) | session.info.pop(BULK, set())
        ids.discard(None)
        if ids and table_exists(session, "search_documents"):
            reindex(session, ids)
    finally:
        session.info.pop(_BUSY, None)


def _forget(session: Session, *_args) -> None:
    session.info.pop(DIRTY, None)
    session.info.pop(BULK, None)


LISTENER = CommitListener(name="search.fulltext", after_flush=_after_flush, before_commit=_before_commit,
                          after_rollback=_forget, order=30)

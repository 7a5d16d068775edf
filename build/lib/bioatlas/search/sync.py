"""Keep the search index up to date: every flush notes the actors whose facts changed (actor,
names, sites, capabilities), and their documents are rewritten just before the commit, in the
same transaction. Set-based loaders that bypass the ORM (`atlas.bulk`) add the ids they
create to `session.info["bulk_actor_ids"]`.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bioatlas.atlas.service import note_touched_actors
from bioatlas.core.listeners import touched_listener
from bioatlas.search.index import reindex

DIRTY = "search_dirty"


def _reindex(session: Session, ids: set[int]) -> None:
    reindex(session, ids)


LISTENER = touched_listener(name="search.fulltext", order=30, key=DIRTY, note=note_touched_actors,
                            table="search_documents", work=_reindex, bulk="take")

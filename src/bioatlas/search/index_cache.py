"""One in-memory facet index (`facet_index.State`) per engine and process, kept fresh through the
change log (`atlas.changelog`) by a `core.live_index.LiveIndex`.

Before each search `current(session)` reads the log's latest seq (one index lookup) and the row
the index was built at (one primary-key lookup: a log emptied and refilled up to the same seq, as
a test database wiped with RESTART IDENTITY is, no longer holds the same row, and the index is
rebuilt). When newer rows exist, the few actors they name are absorbed; more than ABSORB_LIMIT
changed actors, a stale share of the index above REBUILD_SHARE, or a pruned log: rebuilt.
Refreshes run under the index's lock; states are replaced whole, so searches keep the state they
started with and never wait when nothing changed.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from bioatlas.atlas import service as atlas
from bioatlas.atlas.service import Taxonomy
from bioatlas.core.live_index import LiveIndex, Stats
from bioatlas.search import facet_index, log_position
from bioatlas.search.facet_files import FacetFiles
from bioatlas.search.facet_index import NeedsRebuild, State

log = logging.getLogger(__name__)
ABSORB_LIMIT = 5_000
REBUILD_SHARE = 0.05  # rebuild when more than this share of rows have been absorbed since the build


def _mark(session: Session, seq: int) -> tuple | None:
    """(actor id, time) of the log row `seq`: tells a log emptied and refilled from the same log."""
    return log_position.mark(session, seq)


def _build(session: Session, seq: int, previous: State | None, taxonomies: dict[str, Taxonomy]) -> State:
    state = facet_index.build(session, taxonomies, seq, _mark(session, seq))
    log.info("search facet index: %d actors", state.size)
    return state


def _absorb(session: Session, state: State, changed: set[int], seq: int, taxonomies) -> State | None:
    if int(state.stale.sum()) + len(changed) > max(ABSORB_LIMIT, REBUILD_SHARE * state.size):
        return None
    try:
        return facet_index.absorb(session, state, changed, seq, _mark(session, seq))
    except NeedsRebuild:
        return None


LIVE: LiveIndex[State] = LiveIndex("search facets", build=_build, absorb=_absorb, latest=log_position.latest,
                                   since=lambda session, seq, limit: atlas.changes_since(session, seq=seq, limit=limit), limit=lambda: ABSORB_LIMIT, mark=_mark,
                                   store=FacetFiles())


def current(session: Session, taxonomies: dict[str, Taxonomy]) -> State:
    """The index of this session's database, brought up to the change log's latest seq."""
    return LIVE.get(session, taxonomies)


def rebuild(session: Session, taxonomies) -> State:
    """Build this engine's index now."""
    return LIVE.rebuild(session, taxonomies)


def forget(session: Session) -> None:
    """Drop this engine's index (the next search rebuilds it)."""
    LIVE.forget(session)


def stats() -> Stats:
    """Builds and absorbs of this process's facet indexes, and the seconds they took."""
    return LIVE.stats

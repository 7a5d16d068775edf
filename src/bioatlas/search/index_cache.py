"""One in-memory facet index (`facet_index.State`) per engine and process, kept fresh through the
change log (`atlas.changelog`).

Before each search `current(session)` reads the log's latest seq (one index lookup) and the row
the index was built at (one primary-key lookup: a log emptied and refilled up to the same seq, as
a test database wiped with RESTART IDENTITY is, no longer holds the same row, and the index is
rebuilt). When newer rows exist, the few actors they name are absorbed; more than ABSORB_LIMIT
changed actors, a stale share of the index above REBUILD_SHARE, or a pruned log: rebuilt.
Refreshes run under a lock; searches keep the state they started with.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.atlas import changelog
from bioatlas.atlas.models import ChangeLogEntry
from bioatlas.atlas.taxonomy import Taxonomy
from bioatlas.search import facet_index
from bioatlas.search.facet_index import NeedsRebuild, State

log = logging.getLogger(__name__)
ABSORB_LIMIT = 5_000
REBUILD_SHARE = 0.05  # rebuild when more than this share of rows have been absorbed since the build
_holders: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_holders_lock = threading.Lock()
stats = {"builds": 0, "absorbs": 0, "build_seconds": 0.0, "absorb_seconds": 0.0}


class _Holder:
    def __init__(self):
        self.state: State | None = None
        self.lock = threading.Lock()


def _holder(session: Session) -> _Holder:
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    with _holders_lock:
        holder = _holders.get(engine)
        if holder is None:
            holder = _holders[engine] = _Holder()
        return holder


def _mark(session: Session, seq: int) -> tuple | None:
    if seq <= 0:
        return None
    row = session.execute(select(ChangeLogEntry.actor_id, ChangeLogEntry.changed_at).where(ChangeLogEntry.seq == seq)).first()
    return (row[0], str(row[1])) if row else None


def _fresh(session: Session, state: State, top: int) -> bool:
    return state.seq == top and _mark(session, top) == state.mark


def current(session: Session, taxonomies: dict[str, Taxonomy]) -> State:
    """The index of this session's database, brought up to the change log's latest seq."""
    holder = _holder(session)
    top = changelog.latest(session)
    state = holder.state
    if state is not None and _fresh(session, state, top):
        return state
    with holder.lock:
        state = holder.state
        top = changelog.latest(session)
        if state is not None and _fresh(session, state, top):
            return state
        holder.state = _refresh(session, state, top, taxonomies)
        return holder.state


def _refresh(session: Session, state: State | None, top: int, taxonomies) -> State:
    mark = _mark(session, top)
    if state is not None and state.seq <= top and (state.seq == 0 or _mark(session, state.seq) == state.mark):
        changed = changelog.since(session, state.seq, ABSORB_LIMIT)
        stale = int(state.stale.sum()) + len(changed or ())
        if changed is not None and stale <= max(ABSORB_LIMIT, REBUILD_SHARE * state.size):
            start = time.perf_counter()
            try:
                new = facet_index.absorb(session, state, changed, top, mark)
            except NeedsRebuild:
                pass
            else:
                stats["absorbs"] += 1
                stats["absorb_seconds"] += time.perf_counter() - start
                return new
    return rebuild(session, taxonomies, top, mark)


def rebuild(session: Session, taxonomies, top: int | None = None, mark: tuple | None = None) -> State:
    start = time.perf_counter()
    if top is None:
        top = changelog.latest(session)
        mark = _mark(session, top)
    state = facet_index.build(session, taxonomies, top, mark)
    stats["builds"] += 1
    stats["build_seconds"] += time.perf_counter() - start
    log.info("search facet index: %d actors in %.1f s", state.size, time.perf_counter() - start)
    return state


def forget(session: Session) -> None:
    """Drop this engine's index (the next search rebuilds it)."""
    _holder(session).state = None

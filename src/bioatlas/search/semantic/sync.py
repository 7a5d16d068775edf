"""Keep vectors up to date on edit and import: every flush notes the actors whose facts changed
(actor, names, sites, capabilities); just before the commit, their texts are rebuilt and those
whose hash changed are re-encoded, in the same transaction. Set-based loaders (`atlas.bulk`) list
their actor ids in `session.info["bulk_actor_ids"]`. Above `INLINE_LIMIT` actors in one commit,
encoding inline would hold the transaction too long: the vectors whose text changed are dropped
instead (all of them above `HASH_LIMIT`), and the task `search.embed` (queued after the commit when
this process has a task queue) or `bioatlas search embed` encodes what is missing."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from bioatlas.atlas.service import note_touched_actors
from bioatlas.core.db import table_exists
from bioatlas.core.plugins import CommitListener
from bioatlas.jobs.service import enqueue_after_commit

log = logging.getLogger(__name__)
DIRTY = "semantic_dirty"
BULK = "bulk_actor_ids"
_BUSY = "semantic_embedding"
INLINE_LIMIT = 500  # encoded in the commit (≈ 400 short texts/s on an idle core)
HASH_LIMIT = 50_000  # above INLINE_LIMIT: only the stale vectors are dropped (hashes, no encoding)


def _after_flush(session: Session, _context) -> None:
    note_touched_actors(session, DIRTY)


def _before_commit(session: Session) -> None:
    if session.info.get(_BUSY):
        return
    session.info[_BUSY] = True
    try:
        session.flush()
        ids = session.info.pop(DIRTY, set()) | set(session.info.get(BULK, ()))
        ids.discard(None)
        if not ids or not table_exists(session, "actor_embeddings"):
            return
        from bioatlas.search.semantic.store import drop_stale, embed_actors, forget

        if len(ids) <= INLINE_LIMIT:
            embed_actors(session, ids)
        elif len(ids) <= HASH_LIMIT:
            drop_stale(session, ids)  # new actors, and those whose text changed, lack a vector now
            _embed_later(session, len(ids))
        else:
            forget(session, ids)
            _embed_later(session, len(ids))
    finally:
        session.info.pop(_BUSY, None)


def _embed_later(session: Session, changed: int) -> None:
    """The task queue encodes the missing vectors once this commit is done (when this process has
    a queue); otherwise they wait for `bioatlas search embed`."""
    if enqueue_after_commit(session, "search.embed"):
        log.info("%d actors changed: their new vectors are queued (task search.embed)", changed)
    else:
        log.warning("%d actors changed: new vectors wait for `bioatlas search embed`", changed)


def _forget(session: Session, *_args) -> None:
    session.info.pop(DIRTY, None)


LISTENER = CommitListener(name="search.semantic", after_flush=_after_flush, before_commit=_before_commit,
                          after_rollback=_forget, order=10)

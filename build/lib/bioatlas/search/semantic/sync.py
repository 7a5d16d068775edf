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
from bioatlas.core.listeners import touched_listener
from bioatlas.jobs.service import enqueue_after_commit
from bioatlas.search.semantic.store import drop_stale, embed_actors, forget

log = logging.getLogger(__name__)
DIRTY = "semantic_dirty"
INLINE_LIMIT = 500  # encoded in the commit (≈ 400 short texts/s on an idle core)
HASH_LIMIT = 50_000  # above INLINE_LIMIT: only the stale vectors are dropped (hashes, no encoding)


def _encode(session: Session, ids: set[int]) -> None:
    if len(ids) <= INLINE_LIMIT:
        embed_actors(session, ids)
    elif len(ids) <= HASH_LIMIT:
        drop_stale(session, ids)  # new actors, and those whose text changed, lack a vector now
        _embed_later(session, len(ids))
    else:
        forget(session, ids)
        _embed_later(session, len(ids))


def _embed_later(session: Session, changed: int) -> None:
    """The task queue encodes the missing vectors once this commit is done (when this process has
    a queue); otherwise they wait for `bioatlas search embed`."""
    if enqueue_after_commit(session, "search.embed"):
        log.info("%d actors changed: their new vectors are queued (task search.embed)", changed)
    else:
        log.warning("%d actors changed: new vectors wait for `bioatlas search embed`", changed)


LISTENER = touched_listener(name="search.semantic", order=10, key=DIRTY, note=note_touched_actors,
                            table="actor_embeddings", work=_encode, bulk="read")

"""Write embeddings: encode the actors whose text changed (by hash) and store their vectors."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

# reads atlas tables: search is the atlas's read model
from bioatlas.atlas.models import Actor
from bioatlas.search.semantic import encoder
from bioatlas.search.semantic.documents import ID_CHUNK, actor_texts, text_hash
from bioatlas.search.semantic.models import ActorEmbedding


@dataclass
class EmbedStats:
    encoded: int = 0
    unchanged: int = 0
    seconds_encoding: float = 0.0

    def add(self, other: EmbedStats) -> None:
        self.encoded += other.encoded
        self.unchanged += other.unchanged
        self.seconds_encoding += other.seconds_encoding


def _stored_hashes(session: Session, ids: list[int]) -> dict[int, tuple[str, str]]:
    out: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start:start + ID_CHUNK]
        for aid, model, h in session.execute(
            select(ActorEmbedding.actor_id, ActorEmbedding.model, ActorEmbedding.text_hash)
            .where(ActorEmbedding.actor_id.in_(chunk))
        ):
            out[aid] = (model, h)
    return out


def embed_actors(session: Session, actor_ids: Iterable[int], *, force: bool = False) -> EmbedStats:
    """Encode the given actors whose text (or the model) changed since their stored vector; with
    `force`, all of them. Runs in the caller's transaction."""
    import time

    model = encoder.model_id()
    texts = actor_texts(session, actor_ids)
    ids = sorted(texts)
    stored = {} if force else _stored_hashes(session, ids)
    hashes = {aid: text_hash(texts[aid], model) for aid in ids}
    todo = [aid for aid in ids if force or stored.get(aid) != (model, hashes[aid])]
    stats = EmbedStats(unchanged=len(ids) - len(todo))
    if not todo:
        return stats
    start = time.perf_counter()
    vectors = encoder.encode([texts[aid] for aid in todo])
    stats.seconds_encoding = time.perf_counter() - start
    now = datetime.now(UTC)
    for s in range(0, len(todo), ID_CHUNK):
        chunk = todo[s:s + ID_CHUNK]
        session.execute(delete(ActorEmbedding).where(ActorEmbedding.actor_id.in_(chunk)))
        session.execute(insert(ActorEmbedding), [
            {"actor_id": aid, "model": model, "text_hash": hashes[aid],
             "vector": encoder.to_bytes(vectors[s + j]), "embedded_at": now}
            for j, aid in enumerate(chunk)
        ])
    stats.encoded = len(todo)
    return stats


def drop_stale(session: Session, actor_ids: Iterable[int]) -> int:
    """Delete the stored vectors whose text changed (hashes only, no encoding); return how many."""
    model = encoder.model_id()
    texts = actor_texts(session, actor_ids)
    stored = _stored_hashes(session, sorted(texts))
    stale = [aid for aid, (m, h) in stored.items() if (m, h) != (model, text_hash(texts[aid], model))]
    for s in range(0, len(stale), ID_CHUNK):
        session.execute(delete(ActorEmbedding).where(ActorEmbedding.actor_id.in_(stale[s:s + ID_CHUNK])))
    return len(stale)


def forget(session: Session, actor_ids: Iterable[int]) -> None:
    """Drop stored vectors (too many changes to encode inline): `bioatlas search embed` redoes them."""
    if session.scalar(select(ActorEmbedding.actor_id).limit(1)) is None:
        return  # nothing stored yet (a first bulk load)
    ids = sorted({int(i) for i in actor_ids})
    for s in range(0, len(ids), ID_CHUNK):
        session.execute(delete(ActorEmbedding).where(ActorEmbedding.actor_id.in_(ids[s:s + ID_CHUNK])))


def pending_ids(session: Session, *, everything: bool = False, after: int = 0, limit: int = 1000) -> list[int]:
    """Next actor ids (above `after`) to look at: all of them, or those with no vector of the
    current model."""
    query = select(Actor.id).where(Actor.id > after).order_by(Actor.id).limit(limit)
    if not everything:
        query = query.outerjoin(ActorEmbedding, ActorEmbedding.actor_id == Actor.id).where(
            or_(ActorEmbedding.actor_id.is_(None), ActorEmbedding.model != encoder.model_id())
        )
    return list(session.scalars(query))


def embed_pending(session_factory: Callable[[], Session], *, everything: bool = False, force: bool = False,
                  batch: int = 1000, progress: Callable[[EmbedStats], None] | None = None) -> EmbedStats:
    """Embed every actor lacking a current vector (or, with `everything`, check all by hash; with
    `force`, re-encode all), one committed batch at a time: vectors are derived data, an
    interrupted run keeps the batches done and the next run goes on from there."""
    total = EmbedStats()
    after = 0
    while True:
        with session_factory() as session:
            ids = pending_ids(session, everything=everything or force, after=after, limit=batch)
            if not ids:
                break
            total.add(embed_actors(session, ids, force=force))
            session.commit()
        after = ids[-1]
        if progress:
            progress(total)
    return total

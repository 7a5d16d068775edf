"""One resolver per database, rebuilt when the atlas has changed since it was built.

The atlas's state is summed up by a cheap signature (actor count, largest actor id, largest name
id, largest history id); a request that finds it unchanged reuses the in-memory index.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bioatlas.atlas.models import Actor, ActorChange, ActorName
from bioatlas.resolve.index import build_index
from bioatlas.resolve.resolver import Resolution, Resolver

MAX_BATCH = 1000  # mentions per batch request or `match` call chunk


@dataclass
class _Cached:
    signature: tuple
    resolver: Resolver


_cache: dict[str, _Cached] = {}
_lock = threading.Lock()


def signature(session: Session) -> tuple:
    return tuple(session.execute(select(
        select(func.count()).select_from(Actor).scalar_subquery(),
        select(func.max(Actor.id)).scalar_subquery(),
        select(func.max(ActorName.id)).scalar_subquery(),
        select(func.max(ActorChange.id)).scalar_subquery(),
    )).one())


def resolver_for(session: Session) -> Resolver:
    bind_key = str(session.get_bind().url)
    sig = signature(session)
    with _lock:
        cached = _cache.get(bind_key)
        if cached is None or cached.signature != sig:
            cached = _Cached(sig, Resolver(build_index(session)))
            _cache[bind_key] = cached
        return cached.resolver


def resolve_many(session: Session, mentions: list[object]) -> list[Resolution]:
    resolver = resolver_for(session)
    return [resolver.resolve(m) for m in mentions]

"""One resolver per database, kept fresh through the atlas's change log.

The index remembers the change-log seq it was built at (`atlas.changelog.latest`, one index
lookup per request). When the atlas has changed since, the few actors changed are re-read into
the index (`ResolverIndex.refresh`); more than REFRESH_LIMIT changed actors, or a log pruned past
the index's seq, means a rebuild. Every process keeps its own index and follows the same log.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bioatlas.atlas import changelog
from bioatlas.resolve.index import build_index
from bioatlas.resolve.resolver import Resolution, Resolver

MAX_BATCH = 1000  # mentions per batch request or `match` call chunk
REFRESH_LIMIT = 500  # more changed actors than this: rebuild the index instead of refreshing it


@dataclass
class _Cached:
    seq: int
    resolver: Resolver


_cache: dict[str, _Cached] = {}
# Refreshes change an index in place: resolutions in this process hold the same lock, so none
# reads an index half refreshed (resolution is CPU-bound Python: threads gain nothing by overlapping).
_lock = threading.RLock()


def resolver_for(session: Session) -> Resolver:
    bind_key = str(session.get_bind().url)
    seq = changelog.latest(session)  # read before the rows: a change committed meanwhile is seen twice, never missed
    with _lock:
        cached = _cache.get(bind_key)
        if cached is not None and cached.seq != seq:
            changed = changelog.since(session, cached.seq, REFRESH_LIMIT)
            if changed is None:
                cached = None
            else:
                cached.resolver.index.refresh(session, changed)
                cached.resolver.forget()
                cached.seq = seq
        if cached is None:
            cached = _Cached(seq, Resolver(build_index(session)))
            _cache[bind_key] = cached
        return cached.resolver


def resolve_many(session: Session, *, mentions: list[object]) -> list[Resolution]:
    with _lock:
        resolver = resolver_for(session)
        return [resolver.resolve(m) for m in mentions]

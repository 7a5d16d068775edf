"""One resolver per database, kept fresh through the atlas's change log.

The index remembers the change-log seq it was built at (`atlas.service.latest_change`, one index
lookup per request). When the atlas has changed since, the few actors changed are re-read into
the index (`ResolverIndex.refresh`); more than REFRESH_LIMIT changed actors, or a log pruned past
the index's seq, means a rebuild (`core.live_index.LiveIndex`). Every process keeps its own index
and follows the same log; `bioatlas serve` reads the one saved beside a SQLite atlas when there is
one (`ResolverFiles`), before forking its workers.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bioatlas.atlas.service import changes_since, files_mark, latest_change
from bioatlas.core import index_files
from bioatlas.core.live_index import Held, LiveIndex
from bioatlas.resolve.index import ResolverIndex, build_index
from bioatlas.resolve.resolver import Resolution, Resolver

MAX_BATCH = 1000  # mentions per batch request or `match` call chunk
REFRESH_LIMIT = 500  # more changed actors than this: rebuild the index instead of refreshing it


def _build(session: Session, seq: int, previous: Resolver | None) -> Resolver:
    return Resolver(build_index(session))


def _refresh(session: Session, resolver: Resolver, changed: set[int], seq: int) -> Resolver:
    resolver.index.refresh(session, changed)
    resolver.forget()
    return resolver


FILES = "resolver"
FILES_KEY = {"format": 2}  # of ResolverIndex's attributes: a change there must bump it


class ResolverFiles:
    """`core.live_index.Store` of the resolver: its index saved whole beside a SQLite atlas
    (`core/index_files.py`, pickled: 8 s to read at a million actors against 6 min to build),
    as of one change-log row; the changes since are refreshed as usual."""

    def load(self, session: Session, args: tuple) -> Held[Resolver] | None:
        found = index_files.load(session, FILES, FILES_KEY, lambda seq: files_mark(session, seq=seq))
        if found is None or not isinstance(found.obj, ResolverIndex):
            return None
        return Held(Resolver(found.obj), found.seq)

    def save(self, session: Session, held: Held[Resolver], args: tuple) -> None:
        index_files.save(session, FILES, FILES_KEY, held.seq, lambda seq: files_mark(session, seq=seq), {}, {},
                         pickled=held.value.index)

    def saved_seq(self, session: Session) -> int | None:
        return index_files.saved_seq(session, FILES)


# One resolver per database (core/live_index.py). Refreshes change an index in place: resolutions
# hold its lock, so none reads an index half refreshed (resolution is CPU-bound Python: threads
# gain nothing by overlapping).
LIVE: LiveIndex[Resolver] = LiveIndex(
    "resolve", build=_build, absorb=_refresh, latest=latest_change,
    since=lambda session, seq, limit: changes_since(session, seq=seq, limit=limit), limit=lambda: REFRESH_LIMIT,
    store=ResolverFiles())


def resolver_for(session: Session) -> Resolver:
    """The resolver of the session's database, brought up to date (`resolve_many` also holds its
    lock while resolving)."""
    with LIVE.current(session) as resolver:
        return resolver


def resolve_many(session: Session, *, mentions: list[object]) -> list[Resolution]:
    with LIVE.current(session) as resolver:
        return [resolver.resolve(m) for m in mentions]

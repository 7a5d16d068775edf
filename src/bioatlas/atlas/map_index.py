"""The in-memory map index of one process: every located site as numpy arrays sorted by the
Morton (Z-order) code of its finest Web-Mercator tile, kept fresh with the change log.

Sorted by the Morton code of its g16 tile (x, y interleaved, x on the odd bits), every cell of a
coarser grid g is a contiguous range of the arrays (the codes sharing their top 2·g bits), so a
cell's sites are found with two binary searches whatever its size (`map_query.py` adds the prefix
sums of a filter on top).

Freshness (`current()`, a `core.live_index.LiveIndex`): before answering, the index compares
`changelog.latest()` with the seq it was built at. The few actors changed since are absorbed without touching the sorted arrays:
their sites in the sorted arrays become tombstones (`alive` false, their positions listed in
`tombs`), and their current sites, read again from the database, go to a small unsorted `delta`
that queries scan directly. When too many actors changed (`since()` says so) or the delta grew
past DELTA_MAX, the index is rebuilt from one plain SELECT (backend-agnostic).

Cells come from the database (`sites.cell_g16`, see cells.py), never recomputed here, so the
index bins a site exactly where the SQL did. Sites beyond the Web-Mercator latitudes (±85.0511°)
are left out: no viewport can hold them (the box is clamped to them).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.atlas import changelog
from bioatlas.atlas.models import Site
from bioatlas.core.dialect import dialect_for
from bioatlas.core import index_files
from bioatlas.core.live_index import Held, LiveIndex

FINEST = 16  # the finest grid of cells.py: the sort key
MAX_LAT = 85.0511
ABSORB_MAX = 5_000  # changed actors absorbed one by one; more → rebuild
DELTA_MAX = 50_000  # tombstones + delta sites past which the index is rebuilt
CHUNK = 900  # ids per IN (...) list


def spread(v: np.ndarray) -> np.ndarray:
    """The bits of 16-bit integers moved to the even bit positions of a uint64."""
    v = v.astype(np.uint64)
    v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF)
    v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F)
    v = (v | (v << np.uint64(2))) & np.uint64(0x33333333)
    v = (v | (v << np.uint64(1))) & np.uint64(0x55555555)
    return v


def morton(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Z-order code of tiles (x, y): the code of (x >> k, y >> k) is the code of (x, y) >> 2k."""
    return (spread(x) << np.uint64(1)) | spread(y)


@dataclass
class Sites:
    """Columns of a set of sites (the sorted base, or the delta)."""

    ids: np.ndarray  # site id, int64
    actor: np.ndarray  # actor id, int64
    x: np.ndarray  # tile column at g16, int64
    y: np.ndarray  # tile row at g16, int64
    lat: np.ndarray  # float64
    lon: np.ndarray  # float64
    region: np.ndarray  # code in MapIndex.vocab (0: none), int32
    departement: np.ndarray  # idem

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, index) -> Sites:
        return Sites(*(getattr(self, k)[index] for k in self.__dataclass_fields__))

    @staticmethod
    def concat(parts: list[Sites]) -> Sites:
        return Sites(*(np.concatenate([getattr(p, k) for p in parts]) for k in Sites.__dataclass_fields__))


@dataclass
class MapIndex:
    seq: int  # the change-log seq this index has absorbed up to
    generation: int  # counts the builds of this process's index
    base: Sites  # sorted by `code`
    code: np.ndarray  # Morton code of the g16 tile, uint64, ascending
    alive: np.ndarray  # False for tombstones
    tombs: np.ndarray  # base positions of tombstones, int64
    delta: Sites  # current sites of the actors changed since the build, unsorted
    delta_actors: frozenset  # actors whose sites live in the delta
    version: int  # grows at every absorbed change (filters recompute their delta masks)
    vocab: dict  # region / département code -> small int (0 for none: None and "" map to 0)
    by_actor: np.ndarray  # base positions ordered by actor id
    actor_keys: np.ndarray  # base.actor[by_actor]
    built_seconds: float = 0.0
    cache: OrderedDict = field(default_factory=OrderedDict)  # map_query's filter states (LRU), keyed by filter

    def positions_of(self, actors: np.ndarray) -> np.ndarray:
        """Base positions of these actors' sites."""
        lo = np.searchsorted(self.actor_keys, actors, side="left")
        hi = np.searchsorted(self.actor_keys, actors, side="right")
        return self.by_actor[_ranges(lo, hi)]


def _ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The concatenation of arange(lo[i], hi[i]) for every i (vectorised)."""
    lengths = hi - lo
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    keep = lengths > 0
    lo, lengths = lo[keep], lengths[keep]
    starts = np.repeat(lo - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return starts + np.arange(total, dtype=np.int64)


def _site_columns():
    return (Site.id, Site.actor_id, Site.cell_g16, Site.latitude, Site.longitude, Site.region, Site.departement)


def _located():
    return (Site.cell_g16.isnot(None), Site.latitude.between(-MAX_LAT, MAX_LAT))


def _to_sites(rows: list, vocab: dict) -> Sites:
    if not rows:
        empty_i = np.zeros(0, dtype=np.int64)
        empty_f = np.zeros(0, dtype=np.float64)
        return Sites(empty_i, empty_i, empty_i, empty_i, empty_f, empty_f,
                     np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32))
    ids, actors, cells, lats, lons, regions, deps = zip(*rows)
    cell = np.fromiter(cells, dtype=np.int64, count=len(rows))
    side = 1 << FINEST
    x = np.clip(cell // side, 0, side - 1)  # a site at exactly 180° E (x = 2^16 in SQL) joins the last column
    y = cell - (cell // side) * side

    def codes(values) -> np.ndarray:
        for v in set(values) - vocab.keys():
            vocab[v] = len(vocab) + 1 if v else 0
        return np.fromiter(map(vocab.__getitem__, values), dtype=np.int32, count=len(rows))

    return Sites(np.fromiter(ids, dtype=np.int64, count=len(rows)), np.fromiter(actors, dtype=np.int64, count=len(rows)),
                 x, y, np.fromiter(lats, dtype=np.float64, count=len(rows)),
                 np.fromiter(lons, dtype=np.float64, count=len(rows)), codes(regions), codes(deps))


def read_sites(session: Session, vocab: dict, actors: list[int] | None = None) -> Sites:
    """Located sites of the atlas (or of these actors), as columns."""
    if actors is None:
        return Sites.concat([_to_sites(rows, vocab) for rows in _every_site(session)] or [_to_sites([], vocab)])
    stmt = select(*_site_columns()).where(*_located())
    parts = [_to_sites(session.execute(stmt.where(Site.actor_id.in_(actors[i:i + CHUNK]))).all(), vocab)
             for i in range(0, len(actors), CHUNK)]
    return Sites.concat(parts) if parts else _to_sites([], vocab)


def _every_site(session: Session) -> Iterator[list]:
    """Every located site in batches, through the driver's own cursor (a server-side one on
    PostgreSQL): at a million rows the ORM's row objects cost more than the query."""
    connection = session.connection()
    cursor = dialect_for(connection).streaming_cursor(connection.connection.dbapi_connection, "bioatlas_map_index")
    try:
        cursor.execute(
            "SELECT id, actor_id, cell_g16, latitude, longitude, region, departement FROM sites "
            f"WHERE cell_g16 IS NOT NULL AND latitude BETWEEN {-MAX_LAT!r} AND {MAX_LAT!r}"
        )
        while rows := cursor.fetchmany(100_000):
            yield rows
    finally:
        cursor.close()


def build(session: Session, seq: int | None = None, generation: int = 1) -> MapIndex:
    """Read every located site and sort it, as of the change log's `seq` (read first when not given:
    a change committed while the SELECT runs is absorbed again at the next request, never missed)."""
    started = time.perf_counter()
    seq = changelog.latest(session) if seq is None else seq
    vocab: dict = {}
    sites = read_sites(session, vocab)
    code = morton(sites.x, sites.y)
    order = np.argsort(code, kind="stable")
    base = sites.take(order)
    by_actor = np.argsort(base.actor, kind="stable")
    index = MapIndex(
        seq=seq, generation=generation, base=base, code=code[order], alive=np.ones(len(base), dtype=bool),
        tombs=np.zeros(0, dtype=np.int64), delta=_to_sites([], vocab), delta_actors=frozenset(), version=0,
        vocab=vocab, by_actor=by_actor, actor_keys=base.actor[by_actor],
    )
    index.built_seconds = time.perf_counter() - started
    return index


def absorb(session: Session, index: MapIndex, changed: set[int], seq: int) -> bool:
    """Take in the sites of these changed actors as they are now; False when the index should be
    rebuilt instead (the delta grew past DELTA_MAX)."""
    actors = np.fromiter(sorted(changed), dtype=np.int64, count=len(changed))
    fresh = read_sites(session, index.vocab, [int(a) for a in actors])
    gone = index.positions_of(actors)
    gone = gone[index.alive[gone]]
    keep = ~np.isin(index.delta.actor, actors)
    if len(index.tombs) + len(gone) + int(keep.sum()) + len(fresh) > DELTA_MAX:
        return False
    index.alive[gone] = False
    index.tombs = np.concatenate([index.tombs, gone])
    index.delta = Sites.concat([index.delta.take(keep), fresh])
    index.delta_actors = index.delta_actors | frozenset(int(a) for a in actors)
    index.seq = seq
    index.version += 1
    return True


def _build(session: Session, seq: int, previous: MapIndex | None) -> MapIndex:
    return build(session, seq, previous.generation + 1 if previous is not None else 1)


def _absorb(session: Session, index: MapIndex, changed: set[int], seq: int) -> MapIndex | None:
    return index if absorb(session, index, changed, seq) else None


# -- saved beside a SQLite atlas (core/index_files.py) -------------------------------------
# A new process, or each worker of `bioatlas serve`, maps the saved index in a fraction of a
# second and shares its pages, instead of reading and sorting every site (17 s at a million
# actors). The files reflect one change-log row (seq and its fingerprint, checked here: this live
# index has no mark of its own); the changes since are absorbed as usual. An index saved after
# absorbing (a start that found its files far behind the log saves them again) keeps its tombstones
# and delta. Only `alive` is copied (absorbing writes tombstones into it); the rest stays read-only.
FILES = "map"
FILES_KEY = {"format": 2}
SITE_FIELDS = tuple(Sites.__dataclass_fields__)


class MapFiles:
    """`core.live_index.Store` of the map index."""

    def load(self, session: Session, args: tuple) -> Held[MapIndex] | None:
        found = index_files.load(session, FILES, FILES_KEY, lambda seq: changelog.files_mark(session, seq))
        if found is None:
            return None
        a = found.arrays
        vocab = {k: v for k, v in found.meta["vocab"]}
        index = MapIndex(seq=found.seq, generation=1, base=Sites(*(a[f"base-{f}"] for f in SITE_FIELDS)), code=a["code"],
                         alive=np.array(a["alive"]), tombs=np.array(a["tombs"]),
                         delta=Sites(*(np.array(a[f"delta-{f}"]) for f in SITE_FIELDS)),
                         delta_actors=frozenset(a["delta_actors"].tolist()), version=0, vocab=vocab,
                         by_actor=a["by_actor"], actor_keys=a["actor_keys"])
        return Held(index, found.seq)

    def save(self, session: Session, held: Held[MapIndex], args: tuple) -> None:
        index = held.value
        arrays = {"code": index.code, "alive": index.alive, "by_actor": index.by_actor, "actor_keys": index.actor_keys,
                  "tombs": index.tombs, "delta_actors": np.array(sorted(index.delta_actors), dtype=np.int64),
                  **{f"base-{f}": getattr(index.base, f) for f in SITE_FIELDS},
                  **{f"delta-{f}": getattr(index.delta, f) for f in SITE_FIELDS}}
        index_files.save(session, FILES, FILES_KEY, held.seq, lambda seq: changelog.files_mark(session, seq), arrays,
                         {"vocab": list(index.vocab.items())})

    def saved_seq(self, session: Session) -> int | None:
        return index_files.saved_seq(session, FILES)


# This process's index of each database (core/live_index.py): absorbed in place, so read under its lock.
LIVE: LiveIndex[MapIndex] = LiveIndex("map", build=_build, absorb=_absorb, latest=changelog.latest,
                                      since=changelog.since, limit=lambda: ABSORB_MAX,
                                      store=MapFiles())


def current(session: Session):
    """A context holding this process's index of the session's database, brought up to date with
    the change log; its lock is held while the caller reads it: refreshes and reads never interleave."""
    return LIVE.current(session)


def forget(engine) -> None:
    """Drop the index of an engine (tests, benchmarks)."""
    LIVE.forget(engine)

"""Live indexes: in-memory indexes built from the database, one per process and database, kept
fresh with a change log.

`PerEngine` holds one slot per database: keyed by the Engine object, held weakly (an engine the
tests or the app dispose and drop is not kept alive by a cache, and no key holds a URL or its
password), each slot with its own lock. A feature that follows its own freshness rule (the
semantic vectors read the rows newer than their last look) uses it directly.

`LiveIndex` adds the change-log rule shared by the map, the search facets and the resolver:
built once, then before each use the log's latest seq is compared with the one the index was
built or last refreshed at; the few actors changed since are absorbed (the feature's `absorb`),
and the index is rebuilt when too many changed (`since` gives None: more than `limit`, or the log
was pruned or emptied past the index's seq) or when `absorb` declines. core does not know the
atlas: the log readers `latest(session)` and `since(session, seq, limit)` (atlas/changelog.py)
are handed in, and so is `mark(session, seq)` when a feature also checks that the log row at its
seq is still the same (a log emptied and refilled up to the same seq).

An index read from its store (the files of `core/index_files.py`) and then brought up to date is
saved again when the tail it absorbed was long (RESAVE_SHARE of the limit in changed actors, or
as many log rows as the limit): otherwise every start would replay a tail growing with each
edit, until past the limit a start rebuilds from the database. That happens where the files are
read: in `bioatlas serve`'s master before it forks its workers. A server running for weeks reads
its files once: `save_behind` (the task queue worker's `jobs.save_indexes`) brings them to the log
in between, so that the next start has a short tail to replay.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.orm import Session

T = TypeVar("T")
S = TypeVar("S")
RESAVE_SHARE = 0.5  # of the limit: changed actors absorbed after a load past which the store saves again

# every LiveIndex of the process, by name (warm-up checks, benchmarks); held by their modules
_live: weakref.WeakValueDictionary[str, LiveIndex] = weakref.WeakValueDictionary()
_live_lock = threading.Lock()


def engine_of(bind) -> Any:
    """The Engine behind a Session, a Connection or an Engine."""
    if isinstance(bind, Session):
        bind = bind.get_bind()
    return getattr(bind, "engine", bind)


class PerEngine(Generic[S]):
    """One slot per database (Engine, held weakly), made by `factory()` on first use. A slot
    carries its own lock when it needs one (`Slot` below does)."""

    def __init__(self, factory: Callable[[], S]):
        self._factory = factory
        self._slots: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def slot(self, bind) -> S:
        """The slot of this database (a Session, Connection or Engine), made on first use."""
        engine = engine_of(bind)
        with self._lock:
            slot = self._slots.get(engine)
            if slot is None:
                slot = self._slots[engine] = self._factory()
            return slot

    def peek(self, bind) -> S | None:
        """The slot of this database if there is one (nothing is made)."""
        with self._lock:
            return self._slots.get(engine_of(bind))

    def forget(self, bind) -> None:
        """Drop the slot of this database (the next use starts afresh)."""
        with self._lock:
            self._slots.pop(engine_of(bind), None)

    def clear(self) -> None:
        """Drop every slot (tests, or after the databases were replaced)."""
        with self._lock:
            self._slots.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._slots)


@dataclass(frozen=True)
class Held(Generic[T]):
    """An index and the change-log position it reflects (replaced whole, so read atomically)."""

    value: T
    seq: int
    mark: Any = None


class Slot(Generic[T]):
    """The index of one database; its re-entrant lock serialises refreshes (and the reads of the
    callers that hold it)."""

    def __init__(self):
        self.held: Held[T] | None = None
        self.lock = threading.RLock()


class Store(Protocol[T]):
    """Persistence of a LiveIndex (`core/index_files.py` holds the files): `load` gives the saved
    index with the seq and mark it reflects, or None; `save` writes a freshly built one. Neither
    raises (a failure is logged; the index is built from the database instead)."""

    def load(self, session: Session, args: tuple) -> Held[T] | None: ...

    def save(self, session: Session, held: Held[T], args: tuple) -> None: ...

    def saved_seq(self, session: Session) -> int | None:
        """The change-log seq of the saved index, None when there is none."""


@dataclass
class Stats:
    loads: int = 0  # indexes read from their files instead of built
    resaves: int = 0  # indexes read from their files, brought up to date and saved again
    saves: int = 0  # saved by `save_behind` (the files had fallen behind the log)
    builds: int = 0
    absorbs: int = 0
    build_seconds: float = 0.0
    absorb_seconds: float = 0.0


class LiveIndex(Generic[T]):
    """A per-process, per-database in-memory index kept fresh with the change log.

    - `build(session, seq, previous)` makes the index of the database as of log seq `seq`
      (`previous`: the index it replaces, or None);
    - `absorb(session, index, changed, seq)` takes in the changed actor ids and returns the index
      to keep (the same object changed in place, or a new one), or None to have it rebuilt;
    - `latest(session)`, `since(session, seq, limit)`: the change log's readers;
    - `mark(session, seq)` (optional): a fingerprint of the log row `seq`, compared too;
    - `limit`: changed actors absorbed at most (or a function giving it, read at each refresh);
    - `store` (optional): where a built index is saved and where a new process first looks for
      one (`core/index_files.py`); a loaded index is then refreshed like one held in memory.
    `latest` is read before the rows: a change committed meanwhile is absorbed twice, never missed.
    Extra positional arguments of `current`/`get`/`rebuild` go on to `build` and `absorb`.
    """

    def __init__(self, name: str, *, build: Callable[..., T], absorb: Callable[..., T | None],
                 latest: Callable[[Session], int], since: Callable[[Session, int, int], set[int] | None],
                 limit: int | Callable[[], int], mark: Callable[[Session, int], Any] | None = None,
                 store: Store[T] | None = None):
        self.name = name
        self._store = store
        self._build, self._absorb, self._latest, self._since = build, absorb, latest, since
        self._mark = mark
        self._limit = limit
        self.stats = Stats()
        self._slots: PerEngine[Slot[T]] = PerEngine(Slot)
        with _live_lock:
            _live[name] = self

    @property
    def limit(self) -> int:
        """Changed actors absorbed at most; more and the index is rebuilt."""
        return self._limit() if callable(self._limit) else self._limit

    # -- use -------------------------------------------------------------------------------
    @contextmanager
    def current(self, session: Session, *args) -> Iterator[T]:
        """The index of the session's database, brought up to date, with its lock held while the
        caller reads it (for indexes refreshed in place: refreshes and reads never interleave)."""
        slot = self._slots.slot(session)
        with slot.lock:
            yield self._refresh(session, slot, args)

    def get(self, session: Session, *args) -> T:
        """The index of the session's database, brought up to date, returned without its lock
        (for indexes replaced whole, never changed in place): when nothing changed, one read of
        the log and no waiting on a refresh running elsewhere."""
        slot = self._slots.slot(session)
        held = slot.held
        if held is not None and self._fresh(session, held, self._latest(session)):
            return held.value
        with slot.lock:
            return self._refresh(session, slot, args)

    def peek(self, bind) -> T | None:
        """The index held for this database, as it is (no database read); None if none was built."""
        slot = self._slots.peek(bind)
        held = slot.held if slot is not None else None
        return held.value if held is not None else None

    def forget(self, bind) -> None:
        """Drop the index of this database (the next use builds it)."""
        self._slots.forget(bind)

    def clear(self) -> None:
        """Drop the index of every database."""
        self._slots.clear()

    def rebuild(self, session: Session, *args) -> T:
        """Build the index of the session's database now, whatever the log says."""
        slot = self._slots.slot(session)
        with slot.lock:
            previous = slot.held.value if slot.held is not None else None
            self._install(session, slot, self._latest(session), previous, args)
            held = slot.held
            if held is None:  # _install always sets it
                raise RuntimeError("the index was not installed")
            return held.value

    def save_needless(self, session: Session, *, due: Callable[[int, int], bool]) -> str | None:
        """Why `save_behind` would do nothing ("no files", "current", "not due"; a pointer read and
        one query), or None when it would read the files and save them: a caller can run that part
        elsewhere (the resolver's: in a child process, `resolve/save_apart.py`)."""
        store = self._store
        saved = store.saved_seq(session) if store is not None else None
        if store is None or saved is None:
            return "no files"  # files are written at a start (`bioatlas serve`), not here
        top = self._latest(session)
        if saved == top:
            return "current"
        if saved < top and not due(saved, top):
            return "not due"
        return None

    def save_behind(self, session: Session, *args, due: Callable[[int, int], bool]) -> str:
        """Bring the saved index of the session's database up to the log's latest seq when it is
        behind and `due(saved seq, latest seq)` says so: the index held in this process, or else
        the files read, absorbs the changes since (or is rebuilt, as `current` would) and is saved.
        An index this call read is dropped after (the caller, the task queue worker, holds none).
        Returns what happened: "no files", "current", "not due", "saved", "not saved"."""
        quick = self.save_needless(session, due=due)
        if quick is not None:
            return quick
        store = self._store
        assert store is not None
        slot = self._slots.slot(session)
        held_before = slot.held is not None
        try:
            with slot.lock:
                self._refresh(session, slot, args)  # saves by itself when it rebuilt or resaved
                held = slot.held
                if held is None or store.saved_seq(session) == held.seq:
                    return "saved"
                store.save(session, held, args)
                if store.saved_seq(session) != held.seq:
                    return "not saved"  # another writer, or a failure (logged by the store)
                self.stats.saves += 1
                return "saved"
        finally:
            if not held_before:
                self.forget(session)

    # -- freshness -------------------------------------------------------------------------
    def _fresh(self, session: Session, held: Held[T], top: int) -> bool:
        return held.seq == top and (self._mark is None or self._mark(session, top) == held.mark)

    def _refresh(self, session: Session, slot: Slot[T], args: tuple) -> T:
        top = self._latest(session)
        held = slot.held
        loaded = False
        if held is None and self._store is not None and self._worth_reading(session, top):
            held = slot.held = self._store.load(session, args)
            if held is not None:
                self.stats.loads += 1
                loaded = True
        if held is None:
            return self._install(session, slot, top, None, args)
        if self._fresh(session, held, top):
            return held.value
        if self._mark is None or held.seq == 0 or self._mark(session, held.seq) == held.mark:
            changed = self._since(session, held.seq, self.limit)
            if changed is not None:
                started = time.perf_counter()
                value = self._absorb(session, held.value, changed, top, *args)
                if value is not None:
                    slot.held = Held(value, top, self._mark(session, top) if self._mark else None)
                    self.stats.absorbs += 1
                    self.stats.absorb_seconds += time.perf_counter() - started
                    if loaded and self._store is not None and self._long_tail(len(changed), top - held.seq):
                        self._store.save(session, slot.held, args)
                        self.stats.resaves += 1
                    return value
        return self._install(session, slot, top, held.value, args)

    def _worth_reading(self, session: Session, top: int) -> bool:
        """Whether the saved index may be brought up to `top` (the changes since its seq can be
        absorbed): else reading it is wasted, and a pickled one (the resolver) leaves
        its objects' memory freed but fragmented in the process the workers are forked from (200,000
        actors, 600 edits since the files: PSS 1,540 MiB after such a start against 1,040)."""
        if self._store is None:
            return False
        saved = self._store.saved_seq(session)  # None: no files, or a damaged pointer (`load` says which)
        return saved is None or saved >= top or self._since(session, saved, self.limit) is not None

    def _long_tail(self, actors: int, rows: int) -> bool:
        """Whether a tail of these many changed actors and log rows is worth saving the index again."""
        limit = self.limit
        return actors >= max(1, int(limit * RESAVE_SHARE)) or rows >= limit

    def _install(self, session: Session, slot: Slot[T], top: int, previous: T | None, args: tuple) -> T:
        started = time.perf_counter()
        value = self._build(session, top, previous, *args)
        slot.held = Held(value, top, self._mark(session, top) if self._mark else None)
        self.stats.builds += 1
        self.stats.build_seconds += time.perf_counter() - started
        if self._store is not None:
            self._store.save(session, slot.held, args)
        return value


def live_indexes() -> dict[str, LiveIndex]:
    """Every LiveIndex of this process, by name."""
    with _live_lock:
        return dict(_live)


def held(bind) -> dict[str, Any]:
    """The indexes this process holds for a database, by name (those built so far)."""
    out = {}
    for name, live in live_indexes().items():
        value = live.peek(bind)
        if value is not None:
            out[name] = value
    return out

"""`semantic_search(session, query=, k=, actor_ids=)`: the actors nearest in meaning to a query.

One in-memory index per database and process, loaded at the first search, then refreshed at each
search by reading only the vectors written since its last look (an indexed range on
`embedded_at`); it is rebuilt when the changes outgrow a fraction of it. Returned ids are checked
against the stored vectors, so a deleted actor never comes back."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

import numpy as np
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from bioatlas.core.dialect import dialect_for
from bioatlas.core.live_index import PerEngine
from bioatlas.search.semantic import encoder
from bioatlas.search.semantic.models import ActorEmbedding
from bioatlas.search.semantic.vectors import EXACT_LIMIT, VectorIndex

log = logging.getLogger(__name__)
MAX_QUERY_CHARS = 1000
MAX_K = 1000
MARGIN = timedelta(seconds=120)  # a vector may be committed this long after its `embedded_at`
REBUILD_FRACTION = 0.05
MIN_REBUILD = 1000  # changed rows that always fit in the delta part
SCAN_EVERY = 30.0  # seconds between two looks at the late-commit window
LOAD_CHUNK = 50_000


class SemanticQueryError(ValueError):
    """A query argument of the wrong type; the message names it."""


@dataclass
class _State:
    index: VectorIndex | None = None
    newest: datetime | None = None  # newest `embedded_at` applied
    applied: dict = field(default_factory=dict)  # actor id -> embedded_at, inside the late-commit window
    next_scan: float = 0.0
    rebuilding: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


# One state per database, keyed by its Engine held weakly (core/live_index.py); its own lock.
_states: PerEngine[_State] = PerEngine(_State)


def _state_for(session: Session) -> _State:
    return _states.slot(session)


def loaded_index(bind) -> VectorIndex | None:
    """The index this process holds for a database (Session, Connection or Engine), if loaded."""
    state = _states.peek(bind)
    return state.index if state is not None else None


def reset_indexes() -> None:
    """Forget every loaded index (tests, or after the database was replaced)."""
    _states.clear()


def load_index(session: Session) -> tuple[VectorIndex, datetime | None]:
    model = encoder.model_id()
    where = ActorEmbedding.model == model
    n, last = session.execute(select(func.count(), func.max(ActorEmbedding.embedded_at)).where(where)).one()
    ids = np.empty(n, dtype=np.int64)
    vectors = np.empty((n, encoder.DIM), dtype=np.float32)
    filled = 0
    rows = session.execute(
        select(ActorEmbedding.actor_id, ActorEmbedding.vector).where(where).execution_options(yield_per=LOAD_CHUNK)
    )
    for part in rows.partitions():
        m = min(len(part), n - filled)  # rows committed since the count wait for the next refresh
        ids[filled:filled + m] = [r[0] for r in part[:m]]
        vectors[filled:filled + m] = np.frombuffer(b"".join(r[1] for r in part[:m]), dtype="<f2").reshape(m, encoder.DIM)
        filled += m
    return VectorIndex(ids[:filled], vectors[:filled]), last


def _db_now(session: Session) -> datetime:
    """Now, as the table's timestamps read back (SQLite: naive UTC)."""
    return dialect_for(session).now()


def _snapshot(session: Session) -> tuple[VectorIndex, datetime | None, dict]:
    """A new index, the newest `embedded_at` in it, and the (id, time) of its rows inside the
    late-commit window (so the window scan does not take them for changes)."""
    window_start = _db_now(session) - MARGIN
    index, newest = load_index(session)
    recent = dict(session.execute(
        select(ActorEmbedding.actor_id, ActorEmbedding.embedded_at).where(ActorEmbedding.embedded_at >= window_start)
    ).all())
    return index, newest, recent


def _install(state: _State, snapshot) -> VectorIndex:
    state.index, state.newest, state.applied = snapshot
    state.next_scan = time.monotonic() + SCAN_EVERY
    return state.index


# built once (every search asks): no per-search statement construction or cache key
_COLS = select(ActorEmbedding.actor_id, ActorEmbedding.embedded_at).where(ActorEmbedding.model == bindparam("model"))
_NEWER = _COLS.where(ActorEmbedding.embedded_at > bindparam("newest")).limit(bindparam("limit"))
_FIRST = _COLS.limit(bindparam("limit"))
_STORED = select(ActorEmbedding.actor_id).where(ActorEmbedding.actor_id.in_(bindparam("ids", expanding=True)))


def _refresh(state: _State, session: Session) -> VectorIndex:
    """Apply the rows newer than the newest applied one (usually none: one indexed look-up); every
    SCAN_EVERY seconds, also the rows of the last MARGIN not applied yet (commits that landed late)."""
    if state.index is None:
        return _install(state, _snapshot(session))
    limit = int(max(MIN_REBUILD, len(state.index.ids) * REBUILD_FRACTION))
    params = {"model": encoder.model_id(), "newest": state.newest, "limit": limit + 1}
    new = dict(session.connection().execute(_FIRST if state.newest is None else _NEWER, params).all())
    if time.monotonic() >= state.next_scan:
        state.next_scan = time.monotonic() + SCAN_EVERY
        cols = select(ActorEmbedding.actor_id, ActorEmbedding.embedded_at).where(ActorEmbedding.model == encoder.model_id())
        window = session.execute(cols.where(ActorEmbedding.embedded_at >= _db_now(session) - MARGIN)).all()
        new |= {aid: at for aid, at in window if state.applied.get(aid) != at}
    if len(new) > limit:
        if len(state.index.ids) <= EXACT_LIMIT:  # small: reloading takes about a second
            return _install(state, _snapshot(session))
        _rebuild_in_background(state, session)  # large: rebuild aside, serve the current index
        return state.index
    if new:
        ids = sorted(new)
        for start in range(0, len(ids), 500):
            rows = session.execute(
                select(ActorEmbedding.actor_id, ActorEmbedding.vector).where(ActorEmbedding.actor_id.in_(ids[start:start + 500]))
            ).all()
            if rows:
                state.index.upsert([r[0] for r in rows], np.stack([encoder.from_bytes(r[1]) for r in rows]))
        state.applied.update(new)
        state.newest = max([*new.values(), *([state.newest] if state.newest is not None else [])])
        horizon = _db_now(session) - MARGIN
        state.applied = {aid: at for aid, at in state.applied.items() if at >= horizon}
    if len(state.index.delta) > limit:
        if len(state.index.ids) <= EXACT_LIMIT:
            return _install(state, _snapshot(session))
        _rebuild_in_background(state, session)
    return state.index


def _rebuild_in_background(state: _State, session: Session) -> None:
    """Load a new index in a thread, on its own connection; swapped in when ready, then the next
    search applies the rows written since."""
    if state.rebuilding:
        return
    state.rebuilding = True
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)

    def work() -> None:
        try:
            with Session(engine) as own:
                snapshot = _snapshot(own)
            with state.lock:
                _install(state, snapshot)
        except Exception:  # the current index keeps serving; the next large change tries again
            log.exception("semantic index rebuild failed")
        finally:
            state.rebuilding = False

    threading.Thread(target=work, name="semantic-index-rebuild", daemon=True).start()


@lru_cache(maxsize=1)
def _one_blas_thread():
    """A context that runs numpy's BLAS on one thread (a matrix-vector product gains nothing from
    more, and on a busy machine spinning BLAS threads cost several times the work)."""
    try:
        from threadpoolctl import ThreadpoolController

        controller = ThreadpoolController()
        return lambda: controller.limit(limits=1, user_api="blas")
    except ImportError:  # pragma: no cover - threadpoolctl comes with the encoder's [fast] extra
        from contextlib import nullcontext

        return nullcontext


@lru_cache(maxsize=2048)
def _query_vector(text: str) -> np.ndarray:
    return encoder.encode([text])[0]


def _check_args(query, k, actor_ids) -> tuple[str, int]:
    if not isinstance(query, str):
        raise SemanticQueryError(f"query: a text was expected, not {type(query).__name__}")
    if isinstance(k, bool) or not isinstance(k, int):
        raise SemanticQueryError(f"k: a whole number was expected, not {k!r}")
    if actor_ids is not None and not isinstance(actor_ids, (set, frozenset, list, tuple, np.ndarray)):
        raise SemanticQueryError("actor_ids: a set of actor ids was expected")
    if isinstance(actor_ids, np.ndarray) and (actor_ids.ndim != 1 or actor_ids.dtype.kind not in "iu"):
        raise SemanticQueryError("actor_ids: an array of integer actor ids was expected")
    return " ".join(query.split())[:MAX_QUERY_CHARS], min(k, MAX_K)


def semantic_search(session: Session, *, query: str, k: int,
                    actor_ids: set[int] | np.ndarray | None = None) -> list[tuple[int, float]]:
    """The `k` actors (at most 1,000) whose text is nearest in meaning to `query`, best first, as
    (actor_id, cosine similarity) with a positive similarity; only among `actor_ids` when given
    (a collection of ids, or a one-dimensional integer numpy array).
    An empty query, k ≤ 0 or an empty `actor_ids` give []. A query is cut at 1,000 characters."""
    text, k = _check_args(query, k, actor_ids)
    if not text or k <= 0 or (actor_ids is not None and len(actor_ids) == 0):
        return []
    allowed = None
    if isinstance(actor_ids, np.ndarray):  # the search's filtered ids as they are (no Python set)
        allowed = np.unique(actor_ids.astype(np.int64, copy=False))
    elif actor_ids is not None:
        try:
            allowed = np.unique(np.fromiter((int(i) for i in actor_ids), dtype=np.int64, count=len(actor_ids)))
        except (TypeError, ValueError, OverflowError) as exc:
            raise SemanticQueryError(f"actor_ids: integers were expected ({exc})") from None
    vector = _query_vector(text)
    if not vector.any():
        return []
    state = _state_for(session)
    with state.lock:
        index = _refresh(state, session)
        for _ in range(3):
            with _one_blas_thread()():
                ids, scores = index.search(vector, k, allowed)
            stored = set(session.connection().execute(_STORED, {"ids": ids.tolist()}).scalars())
            gone = [i for i in ids.tolist() if i not in stored]
            if gone:
                index.remove(gone)
            if not gone:
                break
    return [(int(i), float(s)) for i, s in zip(ids, scores) if i in stored and s > 0]

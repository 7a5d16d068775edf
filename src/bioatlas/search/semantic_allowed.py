"""The ids the semantic leg of a filtered search may return: the live actors of the facet index
that meet the view, the area and the scale (`facet_query.Selection`), or None when they are more
than SEMANTIC_FILTER_LIMIT (the neighbours are then filtered after the search).

Computing them reads every row of the index (at 1,000,000 actors ~8 ms of CPU for a region), and
every search with the same filters on the same index state gets the same answer: they are kept
per state (states are replaced whole, never changed in place) and filter set, for the last few
filter sets, as is the filters' mask over the rows, from which both `allowed` and `passing` (the
test of a page's ids, `tantivy_wide`; of the exact names, the semantic neighbours and the closest
few, `service._passing`) are taken. A state is held weakly: a newer one starts an
empty memo."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict

import numpy as np

from bioatlas.atlas.service import ActorFilter
from bioatlas.search.facet_index import State
from bioatlas.search.facet_query import Selection
from bioatlas.search.params import Geo

SEMANTIC_FILTER_LIMIT = 20_000
KEEP = 64  # filter sets kept per state (a few MB at most: arrays of ≤ 20,000 ids)

_lock = threading.Lock()
_state: weakref.ref[State] | None = None
_kept: OrderedDict[tuple, np.ndarray | None] = OrderedDict()


def allowed(st: State, f: ActorFilter, geo: Geo, scale: tuple[str, ...]) -> np.ndarray | None:
    """The sorted actor ids meeting the filters, or None above SEMANTIC_FILTER_LIMIT (from the
    filters' mask, `_mask`, which `passing` shares: one pass over the index per filter set)."""
    key = _key(f, geo, scale)
    with _lock:
        _same(st)
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    rows = np.flatnonzero(_mask(st, key, f, geo, scale))
    ids = st.ids[rows] if len(rows) <= SEMANTIC_FILTER_LIMIT else None  # an array: no Python set
    if ids is not None:
        ids.setflags(write=False)  # shared by the searches that ask again
    with _lock:
        if _state is not None and _state() is st:
            _kept[key] = ids
            while len(_kept) > KEEP:
                _kept.popitem(last=False)
    return ids


def _key(f: ActorFilter, geo: Geo, scale: tuple[str, ...]) -> tuple:
    return (f, geo.bbox, geo.near, geo.radius_km if geo.near else None, scale)


def _same(st: State) -> None:
    """Start empty for a newer state (under `_lock`)."""
    global _state
    if _state is None or _state() is not st:
        _state = weakref.ref(st)
        _kept.clear()
        _masks.clear()


def forget() -> None:
    """Drop what is kept (tests)."""
    global _state
    with _lock:
        _state = None
        _kept.clear()
        _masks.clear()


_masks: OrderedDict[tuple, np.ndarray] = OrderedDict()
MASKS = 16  # filter sets whose passing rows are kept per state (1 byte per actor each: 1 MB at 1,000,000)


def _mask(st: State, key: tuple, f: ActorFilter, geo: Geo, scale: tuple[str, ...]) -> np.ndarray:
    """Which rows of the index meet the filters (kept per state and filter set: `allowed` and
    `passing` ask the same; ~8 ms at 1,000,000 actors)."""
    with _lock:
        _same(st)
        mask = _masks.get(key)
        if mask is not None:
            _masks.move_to_end(key)
            return mask
    mask = Selection(st, np.arange(st.size), f, geo, scale).mask()
    mask.setflags(write=False)
    with _lock:
        if _state is not None and _state() is st:
            _masks[key] = mask
            while len(_masks) > MASKS:
                _masks.popitem(last=False)
    return mask


def passing(st: State, f: ActorFilter, geo: Geo, scale: tuple[str, ...]):
    """A function of actor ids: which of them meet the filters (a boolean per id; unknown or
    closed actors of the index do not), from a mask over the index's rows kept per state and
    filter set (`tantivy_wide`: a page taken from the text's wider read without the filters)."""
    mask = _mask(st, _key(f, geo, scale), f, geo, scale)

    def test(ids) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        if not len(st.ids):
            return np.zeros(len(ids), bool)
        pos = np.searchsorted(st.ids, ids)
        pos[pos >= len(st.ids)] = 0
        return (st.ids[pos] == ids) & mask[pos]

    return test

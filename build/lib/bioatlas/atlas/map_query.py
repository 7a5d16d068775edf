"""Viewport clusters read from the map index (map_index.py): exact counts and mean positions per
grid cell, for every map filter, without reading the sites of the view one by one.

A filter is turned once per index build into a weight per sorted site (its actor matches the
facets, its region/département matches the geo facets, it is not a tombstone) and three prefix
sums (count, Σ latitude, Σ longitude): a cell's count and mean position are then two differences
at its two ends. A few recent filters are kept (LRU). The delta (sites of actors changed since
the build) gets its own mask, recomputed with one small query when the index absorbed a change.

For a viewport at grid g: the cells covering the box (at most 64 × 64, as the box is at most
4,096 px and cells at least 64 px) are enumerated at once; a cell whose tile lies inside the box
takes its figures from the prefix sums; a cell the box edge cuts has its sites tested one by
one against the exact box (vectorised); tombstones still counted by the prefix sums are taken
off, delta sites added. The sites counted are exactly those the SQL `latitude BETWEEN south AND
north AND longitude BETWEEN west AND east` selects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bioatlas.atlas.cells import mercator_y
from bioatlas.atlas.filters import (
    SITE_FACETS,
    ActorFilter,
    Predicates,
    conditions,
    predicates,
)
from bioatlas.atlas.map_index import CHUNK, FINEST, MapIndex, Sites, _ranges, morton
from bioatlas.atlas.models import Actor
from bioatlas.atlas.taxonomy import Taxonomy

LRU_FILTERS = 6  # filter states kept per index (≈ 30 MB each at 1.4M sites)
EPS = 1e-9  # degrees: a tile closer than this to the box edge is tested site by site


@dataclass
class FilterState:
    weight: np.ndarray  # bool per sorted site: counted in the prefix sums
    count: np.ndarray  # prefix sums (length n + 1) of weight
    lat: np.ndarray  # prefix sums of latitude · weight
    lon: np.ndarray  # prefix sums of longitude · weight
    delta_version: int = -1
    delta_weight: np.ndarray | None = None


@dataclass
class Cells:
    """Non-empty cells of a view, ascending by cell id (x · 2^g + y)."""

    cell: np.ndarray
    count: np.ndarray
    lat: np.ndarray  # mean latitude
    lon: np.ndarray  # mean longitude
    point_ids: list[int] | None = None  # site ids in the box (ascending, at most points_max) when few

    @property
    def total(self) -> int:
        return int(self.count.sum())


def _matching(session: Session, f: ActorFilter, taxonomies: dict[str, Taxonomy], only: list[int] | None):
    """(actor ids, complement): the actors matching the filter's non-geographic facets, or, for the
    default view (status only), the few actors NOT matching it (complement=True)."""
    if predicates(f, taxonomies).status_only:
        if not f.status:
            return np.zeros(0, dtype=np.int64), True
        # status is NOT NULL; < or > (not !=) lets the database read the status index
        stmt, complement = select(Actor.id).where(or_(Actor.status < f.status, Actor.status > f.status)), True
    else:
        stmt, complement = select(Actor.id).where(*conditions(f, taxonomies, sites="skip")), False
    if only is None:
        ids = list(session.scalars(stmt.execution_options(yield_per=200_000)))
    else:
        ids = [i for start in range(0, len(only), CHUNK)
               for i in session.scalars(stmt.where(Actor.id.in_(only[start:start + CHUNK])))]
    return np.fromiter(ids, dtype=np.int64, count=len(ids)), complement


def _weight(sites: Sites, ids: np.ndarray, complement: bool, p: Predicates, vocab: dict) -> np.ndarray:
    """Which of these sites the filter keeps (actor facets, then the sites' own region/département)."""
    size = int(max(sites.actor.max(initial=0), ids.max(initial=0))) + 1
    actors = np.zeros(size, dtype=bool)
    actors[ids] = True
    keep = ~actors[sites.actor] if complement else actors[sites.actor]
    for facet in SITE_FACETS:
        if facet in p.site:
            codes = [vocab[c] for c in p.site[facet] if c in vocab]
            keep &= np.isin(getattr(sites, facet), codes)
    return keep


def filter_state(session: Session, index: MapIndex, f: ActorFilter, taxonomies: dict[str, Taxonomy]) -> FilterState:
    """The filter's weights and prefix sums on this index (cached), with its delta mask current."""
    state = index.cache.get(f)
    if state is None:
        ids, complement = _matching(session, f, taxonomies, None)
        weight = _weight(index.base, ids, complement, predicates(f, taxonomies), index.vocab) & index.alive
        state = FilterState(weight, _prefix(weight.astype(np.int64)), _prefix(np.where(weight, index.base.lat, 0.0)),
                            _prefix(np.where(weight, index.base.lon, 0.0)))
        index.cache[f] = state
        while len(index.cache) > LRU_FILTERS:
            index.cache.popitem(last=False)
    else:
        index.cache.move_to_end(f)
    if state.delta_version != index.version:
        if len(index.delta):
            ids, complement = _matching(session, f, taxonomies, sorted(index.delta_actors))
            state.delta_weight = _weight(index.delta, ids, complement, predicates(f, taxonomies), index.vocab)
        else:
            state.delta_weight = np.zeros(0, dtype=bool)
        state.delta_version = index.version
    return state


def _prefix(values: np.ndarray) -> np.ndarray:
    out = np.zeros(len(values) + 1, dtype=values.dtype)
    np.cumsum(values, out=out[1:])
    return out


def _lat_of(mercator: np.ndarray) -> np.ndarray:
    """Latitude (degrees) of Web-Mercator y on the unit world."""
    return np.degrees(np.arctan(np.sinh(np.pi * (1.0 - 2.0 * mercator))))


def _in_box(lat: np.ndarray, lon: np.ndarray, view) -> np.ndarray:
    return (lat >= view.south) & (lat <= view.north) & (lon >= view.west) & (lon <= view.east)


def viewport_cells(index: MapIndex, state: FilterState, view, points_max: int) -> Cells:
    """Counts and mean positions of the non-empty cells of the view's grid inside the box."""
    g = view.grid
    n, shift = 1 << g, FINEST - g
    x0 = math.floor((view.west + 180.0) / 360.0 * n)
    x1 = min(n - 1, math.floor((view.east + 180.0) / 360.0 * n))
    y0 = max(0, math.floor(mercator_y(view.north) * n))
    y1 = min(n - 1, math.floor(mercator_y(view.south) * n))
    xs, ys = np.arange(x0, x1 + 1, dtype=np.int64), np.arange(y0, y1 + 1, dtype=np.int64)
    X, Y = np.repeat(xs, len(ys)), np.tile(ys, len(xs))
    size = len(X)
    start = morton(X, Y) << np.uint64(2 * shift)
    lo = np.searchsorted(index.code, start, side="left")
    hi = np.searchsorted(index.code, start + np.uint64(1 << (2 * shift)), side="left")
    count = state.count[hi] - state.count[lo]
    slat = state.lat[hi] - state.lat[lo]
    slon = state.lon[hi] - state.lon[lo]

    # cells the box edge cuts (or nearly): their sites one by one against the exact box
    col_in = (xs / n * 360.0 - 180.0 >= view.west + EPS) & ((xs + 1) / n * 360.0 - 180.0 <= view.east - EPS)
    row_in = (_lat_of(ys / n) <= view.north - EPS) & (_lat_of((ys + 1) / n) >= view.south + EPS)
    cut = np.nonzero(~(col_in[X - x0] & row_in[Y - y0]) & (hi > lo))[0]
    if len(cut):
        pos = _ranges(lo[cut], hi[cut])
        owner = np.repeat(cut, (hi - lo)[cut])
        ok = state.weight[pos] & _in_box(index.base.lat[pos], index.base.lon[pos], view)
        pos, owner = pos[ok], owner[ok]
        count[cut] = np.bincount(owner, minlength=size)[cut]
        slat[cut] = np.bincount(owner, weights=index.base.lat[pos], minlength=size)[cut]
        slon[cut] = np.bincount(owner, weights=index.base.lon[pos], minlength=size)[cut]

    # tombstones the prefix sums still count, then the delta
    for sites, sign in ((index.base.take(index.tombs[state.weight[index.tombs]]), -1),
                        (index.delta.take(state.delta_weight), 1)):
        if not len(sites):
            continue
        inside = _in_box(sites.lat, sites.lon, view)
        cx, cy = sites.x[inside] >> shift, sites.y[inside] >> shift
        valid = (cx >= x0) & (cx <= x1) & (cy >= y0) & (cy <= y1)
        k = (cx[valid] - x0) * len(ys) + (cy[valid] - y0)
        count += sign * np.bincount(k, minlength=size)
        slat += sign * np.bincount(k, weights=sites.lat[inside][valid], minlength=size)
        slon += sign * np.bincount(k, weights=sites.lon[inside][valid], minlength=size)

    nz = np.nonzero(count > 0)[0]
    cells = Cells(X[nz] * n + Y[nz], count[nz], slat[nz] / count[nz], slon[nz] / count[nz])
    if cells.total <= points_max:
        cells.point_ids = _point_ids(index, state, view, lo[nz], hi[nz], points_max)
    return cells


def _point_ids(index: MapIndex, state: FilterState, view, lo: np.ndarray, hi: np.ndarray, limit: int) -> list[int]:
    """Ids of the view's sites (ascending, at most `limit`): the non-empty cells' sites, then the delta's."""
    pos = _ranges(lo, hi)
    base = index.base
    ok = state.weight[pos] & index.alive[pos] & _in_box(base.lat[pos], base.lon[pos], view)
    delta = index.delta
    extra = delta.ids[state.delta_weight & _in_box(delta.lat, delta.lon, view)]
    return sorted(int(i) for i in np.concatenate([base.ids[pos[ok]], extra]))[:limit]

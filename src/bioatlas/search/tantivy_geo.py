"""Bounding box and radius as a clause of the Tantivy query (issue 19), instead of reading every
text match into numpy to test its sites.

Each document holds the map cells of its sites (`cells`: Web-Mercator tiles, `atlas/cells.py`, at
the grids 4, 6, … 16, one integer per grid and site). The area asked (a box, a radius: the same
box-then-distance formulas as `Geo.conditions` and `facet_query.geo_condition`) is covered by
cells, coarse inside and finer towards its edge: a cell lying wholly inside the area (its corners,
widened by EPS, all inside: the area is convex) is a term of the clause; a cell of the finest
grid that the edge crosses is a border cell, and the actors with a site there are tested one by
one on their coordinates (the in-memory facet index, the numpy path's own test). The clause is
(a site in an inner cell) or (one of the border actors that passed): exactly the actors the numpy
path keeps, read from the index's terms, not from every match.
"""

from __future__ import annotations

import math

import numpy as np
import tantivy

from bioatlas.search.facet_query import geo_condition
from bioatlas.search.params import Geo

GRIDS = (4, 6, 8, 10, 12, 14, 16)
FINEST = GRIDS[-1]
EPS = 1e-7  # degrees a cell is widened by before its corners are tested (rounding at its edges)
FIELD = "cells"


def cell_key(grid: int, x: int, y: int) -> int:
    """One integer per (grid, tile): the grid in the high bits (a tile of grid 16 needs 32 bits)."""
    return (grid << 40) | (x << grid) | y


def site_cells(latitude: float | None, longitude: float | None) -> list[int]:
    """The cells of one site at every grid (none without coordinates)."""
    if latitude is None or longitude is None or not -85.0 < latitude < 85.0:
        return []
    lat = math.radians(latitude)
    fx = (longitude + 180.0) / 360.0
    fy = (1.0 - math.log(math.tan(lat) + 1.0 / math.cos(lat)) / math.pi) / 2.0
    out = []
    for g in GRIDS:
        n = 1 << g
        out.append(cell_key(g, min(n - 1, max(0, math.floor(fx * n))), min(n - 1, max(0, math.floor(fy * n)))))
    return out


def _lat_of(y: np.ndarray, n: int) -> np.ndarray:
    return np.degrees(np.arctan(np.sinh(np.pi * (1.0 - 2.0 * y / n))))


def _box(geo: Geo) -> tuple[float, float, float, float]:
    """(west, south, east, north) holding the whole area."""
    w, s, e, n = -180.0, -85.0, 180.0, 85.0
    if geo.bbox:
        bw, bs, be, bn = geo.bbox
        w, s, e, n = max(w, bw), max(s, bs), min(e, be), min(n, bn)
    if geo.near:
        lat, lon = geo.near
        dlat, dlon, _ = geo.window()
        w, s, e, n = max(w, lon - dlon), max(s, lat - dlat), min(e, lon + dlon), min(n, lat + dlat)
    return w, s, e, n


def _inside(geo: Geo, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    ok = np.ones(len(lat), dtype=bool)
    if geo.bbox:
        w, s, e, n = geo.bbox
        ok &= (lon >= w) & (lon <= e) & (lat >= s) & (lat <= n)
    if geo.near:
        lat0, lon0 = geo.near
        dlat, dlon, k = geo.window()
        ok &= (lat >= lat0 - dlat) & (lat <= lat0 + dlat) & (lon >= lon0 - dlon) & (lon <= lon0 + dlon)
        ok &= ((lat - lat0) * (lat - lat0) + (lon - lon0) * k * (lon - lon0) * k) <= dlat * dlat
    return ok


def cover(geo: Geo) -> tuple[list[int], list[int]]:
    """(inner cells, border cells of the finest grid) of the area, grid by grid: a cell wholly
    inside is kept, one wholly outside dropped, the others split into the next grid's cells."""
    w, s, e, n = _box(geo)
    inner: list[int] = []
    if w > e or s > n:
        return inner, []
    size = 1 << GRIDS[0]
    xs, ys = (a.ravel() for a in np.meshgrid(np.arange(size), np.arange(size), indexing="ij"))
    for level, g in enumerate(GRIDS):
        size = 1 << g
        west, east = xs / size * 360.0 - 180.0 - EPS, (xs + 1) / size * 360.0 - 180.0 + EPS
        north, south = _lat_of(ys, size) + EPS, _lat_of(ys + 1, size) - EPS
        overlap = (east >= w) & (west <= e) & (north >= s) & (south <= n)
        if geo.near:  # the cell's point closest to the centre is within the radius
            lat0, lon0 = geo.near
            dlat, _, k = geo.window()
            clat, clon = np.clip(lat0, south, north), np.clip(lon0, west, east)
            overlap &= ((clat - lat0) ** 2 + ((clon - lon0) * k) ** 2) <= dlat * dlat
        whole = overlap & _inside(geo, north, west) & _inside(geo, north, east) & _inside(geo, south, west) \
            & _inside(geo, south, east)
        inner += [cell_key(g, int(x), int(y)) for x, y in zip(xs[whole], ys[whole])]
        part = overlap & ~whole
        if g == FINEST:
            return inner, [cell_key(g, int(x), int(y)) for x, y in zip(xs[part], ys[part])]
        step = 1 << (GRIDS[level + 1] - g)
        dx, dy = (a.ravel() for a in np.meshgrid(np.arange(step), np.arange(step), indexing="ij"))
        xs = (xs[part][:, None] * step + dx[None, :]).ravel()
        ys = (ys[part][:, None] * step + dy[None, :]).ravel()
    return inner, []


def clause(searcher: tantivy.Searcher, schema: tantivy.Schema, st, geo: Geo) -> tantivy.Query:
    """The area as a query: a site in an inner cell, or a border actor whose site passed."""
    inner, border = cover(geo)
    parts = []
    if inner:
        parts.append(tantivy.Query.term_set_query(schema, FIELD, inner))
    if border:
        near_edge = tantivy.Query.term_set_query(schema, FIELD, border)
        hits = searcher.search(near_edge, limit=max(1, searcher.num_docs), count=False).hits
        if hits:
            ids = np.asarray(searcher.fast_field_values("actor_id", [a for _, a in hits]), dtype=np.int64)
            rows = st.rows_of(ids)
            passed = st.ids[rows[geo_condition(st, rows, geo)]] if len(rows) else []
            if len(passed):
                parts.append(tantivy.Query.term_set_query(schema, "actor_id", [int(i) for i in passed]))
    if not parts:
        return tantivy.Query.empty_query()
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, p) for p in parts])

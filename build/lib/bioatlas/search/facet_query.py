"""Filters, totals and facet counts of a search on the in-memory index (`facet_index.State`),
with numpy only: each condition is a boolean array over the candidate rows, and a facet counts
`np.bincount` of the codes of the rows that meet every condition but its own.

The view filter is `atlas.filters` (its `predicates`: accepted codes per facet, subtrees
expanded; the SQL of `atlas.filters.conditions` and `search.facets` is the reference the tests
compare with); bbox and radius (`search.params.Geo`) are a separate condition on the sites; a
parent value counts the distinct actors of its subtree; each facet leaves out its own selection.
"""

from __future__ import annotations

import numpy as np

from bioatlas.atlas.service import FACETS, ActorFilter, Taxonomy, view_predicates
from bioatlas.search.facet_index import CAPABILITY_FACETS, MULTI, Pairs, State
from bioatlas.search.params import SCALES, Geo

FULL_PATH = 8  # candidates above size / FULL_PATH: count over every pair instead of gathering theirs


def _gather(p: Pairs, rows: np.ndarray, stale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position in `rows`, code) of every pair of these rows (sorted distinct), base and delta."""
    base = rows[rows < len(p.indptr) - 1]
    starts = p.indptr[base]
    lens = p.indptr[base + 1] - starts
    lens[stale[base]] = 0
    total = int(lens.sum())
    ends = np.cumsum(lens)
    pos = np.repeat(np.arange(len(base)), lens)
    idx = np.repeat(starts - (ends - lens), lens) + np.arange(total)
    codes = p.codes[idx]
    if len(p.drows):
        at = np.searchsorted(rows, p.drows)
        at[at >= len(rows)] = 0
        hit = rows[at] == p.drows if len(rows) else np.zeros(len(p.drows), bool)
        pos, codes = np.concatenate([pos, at[hit]]), np.concatenate([codes, p.dcodes[hit]])
    return pos, codes


def facet_counts(st: State, p: Pairs, rows: np.ndarray, ncodes: int) -> np.ndarray:
    """Distinct actors among `rows` per code id (pairs are distinct and ancestor-expanded)."""
    if len(rows) * FULL_PATH > st.size:
        mask = np.zeros(st.size, dtype=bool)
        mask[rows] = True
        live = mask & ~st.stale
        counts = np.bincount(p.codes[live[p.rows]], minlength=ncodes)
        if len(p.drows):
            counts = counts + np.bincount(p.dcodes[mask[p.drows]], minlength=ncodes)
        return counts[:ncodes] if len(counts) > ncodes else counts
    _, codes = _gather(p, rows, st.stale)
    return np.bincount(codes, minlength=ncodes)


def has_code(st: State, p: Pairs, rows: np.ndarray, sel: np.ndarray) -> np.ndarray:
    """Per row: has a pair whose code is selected (`sel`: boolean over code ids)."""
    pos, codes = _gather(p, rows, st.stale)
    out = np.zeros(len(rows), dtype=bool)
    out[pos[sel[codes]]] = True
    return out


def _site_hits(st: State, rows: np.ndarray, ok_base: np.ndarray, ok_delta: np.ndarray) -> np.ndarray:
    hit = np.zeros(st.size, dtype=bool)
    base = st.sites.rows[ok_base]
    hit[base[~st.stale[base]]] = True
    hit[st.dsites.rows[ok_delta]] = True
    return hit[rows]


def _site_condition(st: State, rows: np.ndarray, region: tuple, dept: tuple) -> np.ndarray | None:
    if not region and not dept:
        return None
    oks = []
    for sites in (st.sites, st.dsites):
        ok = np.ones(len(sites.rows), dtype=bool)
        if region:
            ok &= st.vocabs["region"].selection(region, False)[sites.region]
        if dept:
            ok &= st.vocabs["departement"].selection(dept, False)[sites.dept]
        oks.append(ok)
    return _site_hits(st, rows, *oks)


def geo_condition(st: State, rows: np.ndarray, geo: Geo) -> np.ndarray | None:
    """Rows with a site in the bounding box and within the radius (the SQL of `Geo.conditions`)."""
    if not geo.bbox and not geo.near:
        return None
    oks = []
    for s in (st.sites, st.dsites):
        ok = np.ones(len(s.rows), dtype=bool)
        with np.errstate(invalid="ignore"):
            if geo.bbox:
                w, so, e, n = geo.bbox
                ok &= (s.lon >= w) & (s.lon <= e) & (s.lat >= so) & (s.lat <= n)
            if geo.near:
                lat, lon = geo.near
                dlat, dlon, k = geo.window()
                ok &= (s.lat >= lat - dlat) & (s.lat <= lat + dlat) & (s.lon >= lon - dlon) & (s.lon <= lon + dlon)
                ok &= ((s.lat - lat) * (s.lat - lat) + (s.lon - lon) * k * (s.lon - lon) * k) <= dlat * dlat
        oks.append(ok)
    return _site_hits(st, rows, *oks)


def scale_condition(st: State, rows: np.ndarray, scale: tuple[str, ...]) -> np.ndarray | None:
    if not scale:
        return None
    values, ok = st.scale[rows], np.zeros(len(rows), dtype=bool)
    with np.errstate(invalid="ignore"):
        for code in scale:
            low, high = SCALES[code]
            ok |= (values >= low) & (values < high) if high is not None else values >= low
    return ok


def _taxonomies(st: State) -> dict[str, Taxonomy]:
    """The taxonomies the index was built with (each facet's vocabulary keeps its own)."""
    return {v.tax.name: v.tax for v in st.vocabs.values() if v.tax is not None}


class Selection:
    """The conditions of one search over candidate rows (sorted distinct): status, geo, scale and
    each facet of the filter, each a boolean array or None (no condition)."""

    def __init__(self, st: State, rows: np.ndarray, f: ActorFilter, geo: Geo, scale: tuple[str, ...]):
        self.st, self.rows, self.f = st, rows, f
        p = view_predicates(f, taxonomies=_taxonomies(st))
        if p.status:
            code = st.statuses.get(p.status)
            base = st.status[rows] == code if code is not None else np.zeros(len(rows), dtype=bool)
        else:
            base = st.status[rows] >= 0
        if p.scope == "sector":
            base = base & st.in_scope[rows]
        geo_ok = geo_condition(st, rows, geo)
        self.base = base & geo_ok if geo_ok is not None else base  # status and geo: kept by every facet
        self.scale = scale_condition(st, rows, scale)
        self.facets: dict[str, np.ndarray] = {}
        for facet, codes in p.actor.items():  # the accepted codes, subtrees already expanded
            sel = st.vocabs[facet].selection(codes, False)
            if facet in CAPABILITY_FACETS:
                self.facets[facet] = has_code(st, st.pairs[facet], rows, sel)
            else:
                self.facets[facet] = sel[st.scalars[facet][rows]]
        region, dept = p.site.get("region", ()), p.site.get("departement", ())
        self.sites = {  # one site in the selected regions and départements (one of them left out)
            None: _site_condition(st, rows, region, dept),
            "region": _site_condition(st, rows, (), dept) if region else None,
            "departement": _site_condition(st, rows, region, ()) if dept else None,
        }

    def selected(self, facet: str) -> bool:
        return bool(getattr(self.f, facet)) if facet in FACETS else self.scale is not None

    def mask(self, without: str | None = None) -> np.ndarray:
        """Rows meeting every condition; the facet `without` ('scale' too) left out when selected."""
        if without is not None and not self.selected(without):
            without = None
        m = self.base.copy()
        if self.scale is not None and without != "scale":
            m &= self.scale
        for facet, cond in self.facets.items():
            if facet != without:
                m &= cond
        site = self.sites[without] if without in ("region", "departement") else self.sites[None]
        if site is not None:
            m &= site
        return m

    def counts(self) -> dict[str, dict[str, int]]:
        """Facet counts: {facet: {code: distinct actors}} (zeros left out), and the scale ranges."""
        st, out, cache = self.st, {}, {}
        for facet in FACETS:
            key = facet if self.selected(facet) else None
            if key not in cache:
                cache[key] = self.rows[self.mask(key)]
            rows, vocab = cache[key], st.vocabs[facet]
            n = len(vocab.codes)
            if facet in MULTI:
                counts = facet_counts(st, st.pairs[facet], rows, n)
            else:
                codes = st.scalars[facet][rows]
                direct = np.bincount(codes[codes >= 0], minlength=n)
                counts = np.zeros(n, dtype=np.int64)
                for c in np.flatnonzero(direct):
                    counts[vocab.ancestors[c]] += direct[c]
            out[facet] = {vocab.codes[i]: int(counts[i]) for i in np.flatnonzero(counts[:n])}
        values = st.scale[self.rows[self.mask("scale")]]
        with np.errstate(invalid="ignore"):
            out["scale"] = {
                code: int(np.count_nonzero((values >= low) & (values < high) if high is not None else values >= low))
                for code, (low, high) in SCALES.items()
            }
        return out

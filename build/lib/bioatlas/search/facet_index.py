"""In-memory columnar index of the actors, for the filters and facet counts of a search.

One row per actor (ids sorted, row = searchsorted(id)): status, kind, GMP, scale; per
multi-valued facet (modality, step, expression, region, département) the DISTINCT (row, code)
pairs, each code expanded with its taxonomy ancestors, in CSR form (pairs sorted by row); the
sites (row, region, département, latitude, longitude) for the geo filters. Built from the
database once per process and engine (`search/index_cache.py`), then kept fresh by absorbing
the actors the change log names: their base pairs and sites are marked stale and their new ones
kept in small delta arrays, so one edit costs a few small array copies, not a rebuild.
A state is never changed in place once published: `absorb` returns a new state sharing the big
arrays, so a search running in another thread keeps a consistent view.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from bioatlas.atlas.service import Taxonomy
from bioatlas.core.dialect import Dialect, dialect_for

CAPABILITY_FACETS = {"modality": "modalities", "step": "value_chain", "expression": "expression_systems"}
MULTI = ("modality", "step", "expression", "region", "departement")
SCALAR = {"kind": "kinds", "gmp": "gmp_status"}
FETCH = 100_000  # rows per fetch while building (bounds the Python objects alive at once)


class Vocab:
    """Codes of one facet and, per code id, the ids of the code and of its ancestors. Append-only
    (a new code seen in an edit gets the next id), so readers of an older state stay valid."""

    def __init__(self, tax: Taxonomy | None):
        self.tax, self.codes, self.index, self.ancestors = tax, [], {}, []
        for code in (tax.terms if tax else ()):
            self.id(code)

    def id(self, code: str) -> int:
        found = self.index.get(code)
        if found is not None:
            return found
        i = self.index[code] = len(self.codes)
        self.codes.append(code)
        chain, term, seen = [i], self.tax.terms.get(code) if self.tax else None, {code}
        while term is not None and term.parent and term.parent not in seen:
            seen.add(term.parent)
            chain.append(self.id(term.parent))
            term = self.tax.terms.get(term.parent)
        if len(self.ancestors) <= i:
            self.ancestors.extend([[]] * (i + 1 - len(self.ancestors)))
        self.ancestors[i] = chain
        return i

    def ids(self, codes) -> np.ndarray:
        return np.fromiter((self.id(c) for c in codes), dtype=np.int32, count=len(codes))

    def selection(self, codes, expand: bool) -> np.ndarray:
        """Boolean array over code ids: the codes (and, if `expand`, their descendants)."""
        sel = np.zeros(len(self.codes) + 1, dtype=bool)
        wanted = set(codes)
        for i, chain in enumerate(self.ancestors):
            if self.codes[i] in wanted or (expand and any(self.codes[a] in wanted for a in chain)):
                sel[i] = True
        return sel

    def expand(self, rows: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distinct (row, code-or-ancestor) pairs of (row, code) pairs, sorted by row then code."""
        if not len(codes):
            return rows.astype(np.int32), codes.astype(np.int32)
        lens = np.fromiter((len(a) for a in self.ancestors), dtype=np.int64, count=len(self.ancestors))
        flat = np.fromiter((c for a in self.ancestors for c in a), dtype=np.int64, count=int(lens.sum()))
        starts = np.cumsum(lens) - lens
        n = lens[codes]
        offsets = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
        exp_codes = flat[np.repeat(starts[codes], n) + offsets]
        keys = np.sort(np.repeat(rows.astype(np.int64), n) * len(self.codes) + exp_codes)
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]  # distinct (np.unique hashes: slower here)
        return (keys // len(self.codes)).astype(np.int32), (keys % len(self.codes)).astype(np.int32)


@dataclass(frozen=True)
class Pairs:
    """One multi-valued facet: base pairs in CSR (indptr over rows) plus the delta pairs of
    absorbed actors (whose base pairs are stale)."""

    indptr: np.ndarray
    rows: np.ndarray
    codes: np.ndarray
    drows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    dcodes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))

    @staticmethod
    def from_sorted(rows: np.ndarray, codes: np.ndarray, n: int) -> "Pairs":
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        return Pairs(indptr, rows, codes)


@dataclass(frozen=True)
class Sites:
    rows: np.ndarray
    region: np.ndarray
    dept: np.ndarray
    lat: np.ndarray
    lon: np.ndarray

    def concat(self, other: "Sites") -> "Sites":
        return Sites(*(np.concatenate([a, b]) for a, b in zip(self.parts(), other.parts())))

    def parts(self):
        return (self.rows, self.region, self.dept, self.lat, self.lon)

    def take(self, keep: np.ndarray) -> "Sites":
        return Sites(*(a[keep] for a in self.parts()))


@dataclass(frozen=True)
class State:
    seq: int
    mark: tuple | None  # (actor_id, changed_at) of the change-log row `seq`: detects a reset log
    ids: np.ndarray  # int64, sorted
    status: np.ndarray  # int16 status code id, -1 = no such actor (deleted)
    scalars: dict[str, np.ndarray]  # kind, gmp: int32 code id, -1 = none
    scale: np.ndarray  # float64, NaN = unknown
    stale: np.ndarray  # bool: base pairs and sites of this row replaced by the deltas
    pairs: dict[str, Pairs]
    sites: Sites  # base sites
    dsites: Sites  # sites of absorbed actors
    vocabs: dict[str, Vocab]
    statuses: dict[str, int]
    in_scope: np.ndarray  # bool: the actor is in the sector scope (has a row in actor_scope_reasons)

    @property
    def size(self) -> int:
        return len(self.ids)

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """Sorted distinct rows of the ids that are live actors of the index (others dropped)."""
        ids = np.asarray(ids, dtype=np.int64)
        pos = np.searchsorted(self.ids, ids)
        pos[pos >= len(self.ids)] = 0
        ok = (self.ids[pos] == ids) if len(self.ids) else np.zeros(len(ids), bool)
        rows = np.unique(pos[ok])
        return rows[self.status[rows] >= 0]

    def nbytes(self) -> int:
        arrays = [self.ids, self.status, self.scale, self.stale, self.in_scope, *self.scalars.values(), *self.sites.parts(),
                  *self.dsites.parts()]
        for p in self.pairs.values():
            arrays += [p.indptr, p.rows, p.codes, p.drows, p.dcodes]
        return sum(a.nbytes for a in arrays)


# -- building -----------------------------------------------------------------------------
def _stream(session: Session, sql: str, params: dict | None = None):
    """Batches of rows of a raw SELECT, fetched FETCH at a time (a server-side cursor on PostgreSQL)."""
    result = session.execute(text(sql).execution_options(stream_results=True, yield_per=FETCH), params or {})
    while True:
        batch = result.fetchmany(FETCH)
        if not batch:
            break
        yield batch


def _code_ids(vocab: Vocab, values) -> np.ndarray:
    index = vocab.index
    return np.fromiter((-1 if v is None else (index[v] if v in index else vocab.id(v)) for v in values),
                       dtype=np.int32, count=len(values))


def _read(session: Session, where: str, params: dict, vocabs: dict[str, Vocab], statuses: dict[str, int]):
    """(ids, status, scalars, scale, capability pairs by facet as (actor ids, code ids), sites with actor ids)
    of the actors selected by `where` (a condition on a column named actor_id / id)."""
    ids, status, kind, gmp, scale = [], [], [], [], []
    for batch in _stream(session, f"SELECT id, status, kind, gmp, scale_litres FROM actors WHERE {where('id')} "
                                  "ORDER BY id", params):
        cols = list(zip(*batch))
        ids.append(np.array(cols[0], dtype=np.int64))
        status.append(np.fromiter((statuses.setdefault(s or "", len(statuses)) for s in cols[1]), np.int16, len(batch)))
        kind.append(_code_ids(vocabs["kind"], cols[2]))
        gmp.append(_code_ids(vocabs["gmp"], cols[3]))
        scale.append(np.array([np.nan if v is None else v for v in cols[4]], dtype=np.float64))
    caps: dict[str, list] = {f: [] for f in CAPABILITY_FACETS}
    by_tax = {t: f for f, t in CAPABILITY_FACETS.items()}
    for batch in _stream(session, f"SELECT actor_id, facet, code FROM actor_capabilities WHERE {where('actor_id')}",
                         params):
        for facet in caps:
            part = [(a, c) for a, t, c in batch if by_tax.get(t) == facet]
            if part:
                a, c = zip(*part)
                caps[facet].append((np.array(a, dtype=np.int64), _code_ids(vocabs[facet], c)))
    sites = []
    for batch in _stream(session, "SELECT actor_id, region, departement, latitude, longitude FROM sites "
                                  f"WHERE {where('actor_id')}", params):
        a, r, d, la, lo = zip(*batch)
        sites.append((np.array(a, dtype=np.int64), _code_ids(vocabs["region"], r), _code_ids(vocabs["departement"], d),
                      np.array([np.nan if v is None else v for v in la], dtype=np.float64),
                      np.array([np.nan if v is None else v for v in lo], dtype=np.float64)))
    cat = _concat
    caps_out = {f: (cat([p[0] for p in v], np.int64), cat([p[1] for p in v], np.int32)) for f, v in caps.items()}
    site_cols = [cat([s[i] for s in sites], t) for i, t in enumerate((np.int64, np.int32, np.int32, np.float64, np.float64))]
    return (cat(ids, np.int64), cat(status, np.int16), {"kind": cat(kind, np.int32), "gmp": cat(gmp, np.int32)},
            cat(scale, np.float64), caps_out, site_cols)


def _scope_ids(session: Session, where: str = "1 = 1", params: dict | None = None) -> np.ndarray:
    """Ids of the actors in the sector scope (those selected by `where`, a condition on actor_id)."""
    ids = [row[0] for batch in _stream(session, f"SELECT DISTINCT actor_id FROM actor_scope_reasons WHERE {where}", params)
           for row in batch]
    return np.array(ids, dtype=np.int64)


def _agg(dialect: Dialect, expr: str, real: bool = False) -> str:
    """SQL aggregating a column of a group into one comma-separated string (NULL reals as 'nan',
    reals written so that they read back exactly)."""
    return dialect.concat_agg(expr, real=real)


def _numbers(values: str, dtype) -> np.ndarray:
    return np.fromstring(values, dtype=dtype, sep=",")


def _read_all(session: Session, vocabs: dict[str, Vocab], statuses: dict[str, int]):
    """`_read` of every actor, with one row per group (status/kind/GMP, facet/code, region/département)
    holding the group's actor ids as one string parsed by numpy: no Python object per fact."""
    d = dialect_for(session)
    parts: list[list[np.ndarray]] = [[], [], [], [], []]
    sql = f"SELECT status, kind, gmp, {_agg(d, 'id')}, {_agg(d, 'scale_litres', True)} FROM actors GROUP BY status, kind, gmp"
    for status, kind, gmp, ids, scales in session.execute(text(sql)):
        a = _numbers(ids, np.int64)
        values = (a, np.full(len(a), statuses.setdefault(status or "", len(statuses)), np.int16),
                  np.full(len(a), -1 if kind is None else vocabs["kind"].id(kind), np.int32),
                  np.full(len(a), -1 if gmp is None else vocabs["gmp"].id(gmp), np.int32), _numbers(scales, np.float64))
        for part, v in zip(parts, values):
            part.append(v)
    ids, status, kind, gmp, scale = (_concat(p, t) for p, t in zip(parts, (np.int64, np.int16, np.int32, np.int32, np.float64)))
    order = np.argsort(ids, kind="stable")
    caps: dict[str, list] = {f: [] for f in CAPABILITY_FACETS}
    by_tax = {t: f for f, t in CAPABILITY_FACETS.items()}
    for facet, code, ids_text in session.execute(text(
        f"SELECT facet, code, {_agg(d, 'actor_id')} FROM actor_capabilities GROUP BY facet, code"
    )):
        if facet in by_tax and code is not None:
            a = _numbers(ids_text, np.int64)
            caps[by_tax[facet]].append((a, np.full(len(a), vocabs[by_tax[facet]].id(code), np.int32)))
    sites = []
    for region, dept, ids_text, lat, lon in session.execute(text(
        f"SELECT region, departement, {_agg(d, 'actor_id')}, {_agg(d, 'latitude', True)}, {_agg(d, 'longitude', True)} "
        "FROM sites GROUP BY region, departement"
    )):
        a = _numbers(ids_text, np.int64)
        sites.append((a, np.full(len(a), -1 if region is None else vocabs["region"].id(region), np.int32),
                      np.full(len(a), -1 if dept is None else vocabs["departement"].id(dept), np.int32),
                      _numbers(lat, np.float64), _numbers(lon, np.float64)))
    cat = _concat
    caps_out = {f: (cat([p[0] for p in v], np.int64), cat([p[1] for p in v], np.int32)) for f, v in caps.items()}
    site_cols = [cat([s[i] for s in sites], t) for i, t in enumerate((np.int64, np.int32, np.int32, np.float64, np.float64))]
    return (ids[order], status[order], {"kind": kind[order], "gmp": gmp[order]}, scale[order], caps_out, site_cols)


def _concat(parts: list, dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)


def _pairs_of(vocabs, ids_index: np.ndarray, caps, site_cols) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Expanded distinct (row, code) pairs of every multi-valued facet; rows by `ids_index` (sorted ids)."""
    out = {}
    for facet in MULTI:
        if facet in CAPABILITY_FACETS:
            actor_ids, codes = caps[facet]
        else:
            actor_ids, codes = site_cols[0], site_cols[1 if facet == "region" else 2]
            keep = codes >= 0
            actor_ids, codes = actor_ids[keep], codes[keep]
        out[facet] = vocabs[facet].expand(np.searchsorted(ids_index, actor_ids), codes)
    return out


def vocabs_for(taxonomies: dict[str, Taxonomy]) -> dict[str, Vocab]:
    taxes = {**SCALAR, **CAPABILITY_FACETS}
    return {f: Vocab(taxonomies.get(taxes[f]) if f in taxes else None) for f in (*SCALAR, *MULTI)}


def build(session: Session, taxonomies: dict[str, Taxonomy], seq: int, mark: tuple | None) -> State:
    """The index of every actor, read in a few streamed SELECTs."""
    vocabs, statuses = vocabs_for(taxonomies), {}
    ids, status, scalars, scale, caps, site_cols = _read_all(session, vocabs, statuses)
    n = len(ids)
    pairs = {f: Pairs.from_sorted(r, c, n) for f, (r, c) in _pairs_of(vocabs, ids, caps, site_cols).items()}
    site_rows = np.searchsorted(ids, site_cols[0]).astype(np.int32)
    sites = Sites(site_rows, *site_cols[1:])
    empty = sites.take(np.zeros(len(site_rows), bool))
    in_scope = np.isin(ids, _scope_ids(session))
    return State(seq, mark, ids, status, scalars, scale, np.zeros(n, bool), pairs, sites, empty, vocabs, statuses,
                 in_scope)


# -- absorbing changed actors -------------------------------------------------------------
class NeedsRebuild(Exception):
    """The changes cannot be absorbed (an id below the highest one that the index never saw)."""


def absorb(session: Session, state: State, changed: set[int], seq: int, mark: tuple | None) -> State:
    """A new state with the current facts of the `changed` actors (deleted ones drop out)."""
    if not changed:
        return replace(state, seq=seq, mark=mark)
    wanted = np.array(sorted(changed), dtype=np.int64)
    params = {f"i{k}": int(v) for k, v in enumerate(wanted)}
    names = ", ".join(f":i{k}" for k in range(len(wanted)))
    statuses = dict(state.statuses)  # a new status gets the next id in this copy
    ids, status, scalars, scale, caps, site_cols = _read(
        session, lambda col: f"{col} IN ({names})", params, state.vocabs, statuses
    )
    known = np.isin(wanted, state.ids)
    new = wanted[~known]
    top = state.ids[-1] if state.size else 0
    if len(new) and (new.min() <= top):
        raise NeedsRebuild()
    grown = len(new)
    all_ids = np.concatenate([state.ids, new]) if grown else state.ids

    def grow(a: np.ndarray, fill) -> np.ndarray:
        return np.concatenate([a, np.full(grown, fill, dtype=a.dtype)]) if grown else a.copy()

    st_status, st_scale, stale = grow(state.status, -1), grow(state.scale, np.nan), grow(state.stale, False)
    in_scope = grow(state.in_scope, False)
    st_scalars = {k: grow(v, -1) for k, v in state.scalars.items()}
    rows_all = np.searchsorted(all_ids, wanted)
    st_status[rows_all] = -1  # deleted unless read back below
    rows = np.searchsorted(all_ids, ids)
    st_status[rows] = status
    st_scale[rows] = scale
    for k in st_scalars:
        st_scalars[k][rows] = scalars[k]
    stale[rows_all] = True
    in_scope[rows_all] = False
    scoped = _scope_ids(session, f"actor_id IN ({names})", params)
    in_scope[np.searchsorted(all_ids, scoped)] = True
    expanded = _pairs_of(state.vocabs, all_ids, caps, site_cols)
    pairs = {}
    for facet, p in state.pairs.items():
        keep = ~np.isin(p.drows, rows_all)
        r, c = expanded[facet]
        indptr = np.concatenate([p.indptr, np.full(grown, p.indptr[-1], dtype=np.int64)]) if grown else p.indptr
        pairs[facet] = replace(p, indptr=indptr, drows=np.concatenate([p.drows[keep], r]).astype(np.int32),
                               dcodes=np.concatenate([p.dcodes[keep], c]).astype(np.int32))
    fresh = Sites(np.searchsorted(all_ids, site_cols[0]).astype(np.int32), *site_cols[1:])
    dsites = state.dsites.take(~np.isin(state.dsites.rows, rows_all)).concat(fresh)
    return State(seq, mark, all_ids, st_status, st_scalars, st_scale, stale, pairs, state.sites, dsites,
                 state.vocabs, statuses, in_scope)

"""search(): the full-text search of the atlas with every filter, facet counts, exact names
first, hybrid ranking with the semantic search when it is available, and cursor pagination.

Order of the results: exact names and acronyms (the whole query equals a name, folded), then
the full-text ranking. In hybrid mode the first HEAD full-text results and the semantic
neighbours that pass the filters are fused by reciprocal rank (RRF, k = 60); beyond, full-text
order. All words must match; when no actor has them all, the closest few (`match = "any"`,
`partial`): those matching the most words first, at most PARTIAL_MAX, so a query never fills the
page with one-word or acronym noise; the total and the facets count those few.

A place in the text ("près d'Évry", "near Lyon") becomes the radius filter around that commune
and leaves the words (`search.places`); a name several communes bear returns their candidates
(`match = "place"`) and no result: the person picks one, nothing is guessed.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np
from sqlalchemy import bindparam, func, select, union
from sqlalchemy.orm import Session

# reads atlas tables: search is the atlas's read model
from bioatlas.atlas.models import Actor, ActorName
from bioatlas.atlas.service import ActorFilter, view_conditions
from bioatlas.core.dialect import dialect_for
from bioatlas.core.text import fold
from bioatlas.search import index_cache, log_position, semantic_allowed, tantivy_closest, tantivy_index, tantivy_search
from bioatlas.search.backends import backend_for
from bioatlas.search.facet_query import Selection
from bioatlas.search.matches import all_matches
from bioatlas.search.params import (
    DEFAULT_RADIUS_KM,
    Geo,
    decode_cursor,
    encode_cursor,
    scale_condition,
    signature,
)
from bioatlas.search.places import Choice, extract_place
from bioatlas.search.text import QueryTerm, parse_query
from bioatlas.search.vocabulary import expand

log = logging.getLogger(__name__)
HEAD = 100
RRF_K = 60
MAX_EXACT = 50
PARTIAL_MAX = 10  # results shown when no actor matches every word
CONCURRENT = 2  # searches running at once per process (see search())
_SLOTS = threading.Semaphore(CONCURRENT)


@dataclass
class SearchResult:
    total: int
    ids: list[int]
    scores: dict[int, float]
    next_cursor: str | None
    terms: list[QueryTerm]
    match: str  # all | any | browse | none
    facets: dict[str, dict[str, int]] | None = None
    exact: set[int] = field(default_factory=set)
    semantic: bool = False
    semantic_only: set[int] = field(default_factory=set)
    text: str = ""  # the words searched (the query without its place)
    place: Choice | None = None  # the commune named in the query, now the radius filter
    place_phrase: str = ""
    candidates: list[Choice] = field(default_factory=list)  # communes an ambiguous place may be

    @property
    def partial(self) -> bool:
        """No actor matches every word: these are the closest few."""
        return self.match == "any"

    @property
    def corrected(self) -> dict[str, list[str]]:
        return {t.word: t.corrected for t in self.terms if t.corrected}


def semantic_function():
    """`search.semantic.semantic_search` when that module imports, else None (full-text only)."""
    try:
        from bioatlas.search.semantic import semantic_search
    except Exception:  # the encoder is optional: no package, no model files
        return None
    return semantic_search


def search(
    session: Session, *, q: str, f: ActorFilter, taxonomies, geo: Geo = Geo(), scale: tuple[str, ...] = (),
    limit: int = 20, cursor: str | None = None, mode: str = "hybrid", with_facets: bool = True,
) -> SearchResult:
    """At most CONCURRENT searches run at once in a process; the others wait their turn here
    without holding a database connection (a search is CPU-bound: more at once only share the
    cores, and threads left waiting for the pool's connections time out)."""
    with _SLOTS:
        return _search(session, q=q, f=f, taxonomies=taxonomies, geo=geo, scale=scale, limit=limit, cursor=cursor,
                       mode=mode, with_facets=with_facets)


def _search(session: Session, *, q: str, f: ActorFilter, taxonomies, geo: Geo, scale: tuple[str, ...],
            limit: int, cursor: str | None, mode: str, with_facets: bool) -> SearchResult:
    limit = max(1, min(limit, 100))
    f = replace(f, q="")
    sig = signature(q, f.as_query(), geo, scale, mode)
    position = decode_cursor(cursor, sig)
    found = extract_place(q) if not geo.near and not geo.bbox else None
    if found is not None and found.candidates:  # which of these communes? never guessed
        return SearchResult(0, [], {}, None, parse_query(found.text), "place", None, text=found.text,
                            place_phrase=found.phrase, candidates=found.candidates)
    if found is not None and found.place is not None:
        p = found.place
        geo = replace(geo, near=(p.latitude, p.longitude), near_label=p.label, radius_km=geo.radius_km or DEFAULT_RADIUS_KM)
        q = found.text
    with log_position.once(session):  # both indexes check the change log with one read of it
        result = _run(session, q=q, f=f, taxonomies=taxonomies, geo=geo, scale=scale, limit=limit,
                      position=position, sig=sig, mode=mode, with_facets=with_facets)
    result.text = q
    if found is not None and found.place is not None:
        result.place, result.place_phrase = found.place, found.phrase
    return result


def _run(session: Session, *, q: str, f: ActorFilter, taxonomies, geo: Geo, scale: tuple[str, ...], limit: int,
         position: int, sig: str, mode: str, with_facets: bool) -> SearchResult:
    terms = parse_query(q, as_you_type=True)
    expand(terms, taxonomies)
    if q.strip() and not terms:  # only punctuation or symbols: nothing to look for
        return SearchResult(0, [], {}, None, terms, "none", None)
    st = index_cache.current(session, taxonomies)
    if not terms:  # no query: browse the filtered actors by name
        sel = Selection(st, np.arange(st.size), f, geo, scale)
        total = int(np.count_nonzero(sel.mask()))
        base = [*view_conditions(f, taxonomies=taxonomies, sites="exists", dialect=dialect_for(session)), *geo.conditions(),
                *scale_condition(scale)]
        ids = list(session.scalars(
            select(Actor.id).where(*base).order_by(func.lower(Actor.name), Actor.id).limit(limit).offset(position)
        )) if position < total else []
        nxt = encode_cursor(position + limit, sig) if position + limit < total else None
        return SearchResult(total, ids, {}, nxt, terms, "browse", sel.counts() if with_facets else None)

    backend = backend_for(session)
    backend.correct(session, terms)
    exact = _exact(session, st, q, f, geo, scale)
    engine = _engine_answer(session, backend, terms, f, geo, scale, taxonomies, exact, st, with_facets)
    if engine is not None and engine.every is None:  # Tantivy answers alone: top-k, total and facets in the engine
        if engine.total == 0 and len(terms) > 1:
            return _closest(session, st, backend, terms, f, geo, scale, limit, position, sig, with_facets, taxonomies)
        facets = engine.counts(f, taxonomies) if with_facets else None
        ranking: Ranking = _EngineRanking(engine, exact, lambda: semantic_allowed.passing(st, f, geo, scale))
        total = engine.total
    else:  # every match read into numpy (by Tantivy's first read when few, `tantivy_few`), filtered and counted there
        every = engine.every if engine is not None else None
        matches = every if every is not None else all_matches(session, backend.expression(terms))
        hits = Hits(st, matches[0], matches[1], exact)
        sel = Selection(st, hits.rows, f, geo, scale)
        ok = sel.mask()
        total = int(np.count_nonzero(ok))
        if total == 0 and len(terms) > 1:
            return _closest(session, st, backend, terms, f, geo, scale, limit, position, sig, with_facets, taxonomies)
        facets = sel.counts() if with_facets else None
        ranking = _NumpyRanking(hits, ok & hits.scored & ~hits.exact)

    head: list[int] = list(exact)
    scores: dict[int, float] = {i: float("inf") for i in exact}
    tail_offset, extras, used, rest = 0, set(), False, True
    fn = semantic_function() if mode == "hybrid" else None
    if fn is not None and position < HEAD + len(exact):
        ranked = ranking.top(HEAD, 0)
        fused = _fuse(session, fn, q, ranked, st, ranking, f, geo, scale)
        if fused is not None:
            order, extras = fused
            head += order
            scores.update({i: s for i, s in ranked})
            tail_offset, used = len(ranked), True
            rest = len(ranked) == HEAD  # fewer: every eligible match is in the head, no tail to read
    if position + limit <= len(head):
        ids = head[position : position + limit]
    else:
        ids = head[position:] if position < len(head) else []
        offset = tail_offset + max(0, position - len(head))
        rows = ranking.top(limit - len(ids), offset) if rest else []
        scores.update(dict(rows))
        ids += [i for i, _ in rows]
    total += len(extras)
    nxt = encode_cursor(position + limit, sig) if position + limit < total and ids else None
    return SearchResult(total, ids, scores, nxt, terms, "all", facets, set(exact), used, extras)


def _engine_answer(session, backend, terms, f, geo, scale, taxonomies, exact, st,
                   with_facets: bool) -> tantivy_search.Answer | None:
    """Tantivy's own answer when the backend is Tantivy and it can apply every filter (and every
    exact name is also a text match, so that the total and facets count the same actors)."""
    if backend.name != "tantivy" or not tantivy_search.supports(f, geo, scale, taxonomies):
        return None
    try:
        engine = tantivy_index.current(session, taxonomies)
    except tantivy_index.Unavailable:  # being rebuilt in the background: the numpy path on FTS5
        return None
    query = tantivy_index.Query.of(terms)
    if (geo.bbox or geo.near) and not tantivy_search.area_as_clause(engine, query, f, taxonomies, scale):
        return None  # few matches: reading their sites costs less than the area's clause
    found = tantivy_search.answer(engine, query, f, taxonomies, scale, geo, st, with_facets)
    if exact and found.every is None and found.contains(exact) != set(exact):  # (every: the numpy path)
        return None
    return found


class Ranking(Protocol):
    def top(self, n: int, offset: int) -> list[tuple[int, float]]: ...

    def contains(self, ids: list[int]) -> set[int]: ...


class _NumpyRanking:
    """The eligible full-text matches (filters met, exact names left out) of `Hits`."""

    def __init__(self, hits: Hits, eligible: np.ndarray):
        self.hits, self.eligible = hits, eligible

    def top(self, n: int, offset: int) -> list[tuple[int, float]]:
        return self.hits.top(self.eligible, n, offset)

    def contains(self, ids: list[int]) -> set[int]:
        return self.hits.contains(ids)


class _EngineRanking:
    """The same on Tantivy's answer (exact names are text matches there, see `_engine_answer`)."""

    def __init__(self, answer: tantivy_search.Answer, exact: list[int], passing=None):
        self.answer, self.exact, self.passing = answer, exact, passing  # passing(): the filters' test of ids

    def top(self, n: int, offset: int) -> list[tuple[int, float]]:
        return self.answer.top(n, offset, self.exact, self.passing)

    def contains(self, ids: list[int]) -> set[int]:
        return self.answer.contains(ids)


def _closest(session, st, backend, terms, f, geo, scale, limit, position, sig, with_facets, taxonomies) -> SearchResult:
    """No actor matches every word: the PARTIAL_MAX actors matching the most words (then the best
    full-text score of the words they match), the total and the facets counted on those. Tantivy
    ranks them itself when it takes the filters (`search.tantivy_closest`), else every match of
    every word is read into numpy."""
    top = _engine_closest(session, st, backend, terms, f, geo, scale, taxonomies)
    if top is None:
        per_term = [all_matches(session, backend.expression([t])) for t in terms]
        ids = np.concatenate([i for i, _ in per_term]) if per_term else np.zeros(0, np.int64)
        if not len(ids):
            return SearchResult(0, [], {}, None, terms, "any", Selection(st, ids, f, geo, scale).counts() if with_facets else None)
        uniq, inverse = np.unique(ids, return_inverse=True)
        words = np.bincount(inverse, minlength=len(uniq)).astype(np.float64)
        best = np.zeros(len(uniq))
        np.maximum.at(best, inverse, np.concatenate([s for _, s in per_term]))
        score = words + best / (float(best.max()) + 1.0)  # every word matched counts more than any score
        hits = Hits(st, uniq, score, [])
        ok = Selection(st, hits.rows, f, geo, scale).mask()
        top = hits.top(ok & hits.scored, PARTIAL_MAX, 0)
    kept = np.sort(st.rows_of(np.array([i for i, _ in top], dtype=np.int64)))
    facets = Selection(st, kept, f, geo, scale).counts() if with_facets else None
    page = top[position : position + limit]
    nxt = encode_cursor(position + limit, sig) if position + limit < len(top) else None
    return SearchResult(len(top), [i for i, _ in page], dict(page), nxt, terms, "any", facets)


class Hits:
    """The text matches of a search on the index rows: `rows` (sorted, the full-text matches and the
    exact names), `scored` (matched by the full-text engine, with `score`), `exact`."""

    def __init__(self, st, ids: np.ndarray, scores: np.ndarray, exact: list[int]):
        self.st = st
        exact_rows = st.rows_of(np.array(exact, dtype=np.int64))
        pos = np.searchsorted(st.ids, ids)
        pos[pos >= st.size] = 0
        found = st.ids[pos] == ids if st.size else np.zeros(len(ids), bool)
        text_rows, text_scores = pos[found], scores[found]
        self.rows = np.union1d(text_rows, exact_rows).astype(np.int64)
        at = np.searchsorted(self.rows, text_rows)
        self.scored = np.zeros(len(self.rows), dtype=bool)
        self.scored[at] = True
        self.score = np.zeros(len(self.rows), dtype=np.float64)
        self.score[at] = text_scores
        self.exact = np.zeros(len(self.rows), dtype=bool)
        self.exact[np.searchsorted(self.rows, exact_rows)] = True

    def top(self, eligible: np.ndarray, n: int, offset: int) -> list[tuple[int, float]]:
        """(actor id, score) of ranks offset … offset + n among the eligible rows: score desc, id asc."""
        idx = np.flatnonzero(eligible)
        k = offset + n
        if n <= 0 or offset >= len(idx):
            return []
        score = self.score[idx]
        if k < len(idx):  # keep every row scoring at least the k-th best score (ties kept for the id order)
            kth = np.partition(score, len(idx) - k)[len(idx) - k]
            idx, score = idx[score >= kth], score[score >= kth]
        ids = self.st.ids[self.rows[idx]]
        order = np.lexsort((ids, -score))[offset:k]
        return [(int(ids[i]), float(score[i])) for i in order]

    def contains(self, ids: list[int]) -> set[int]:
        """Those of `ids` that the text matches (full-text or exact name)."""
        rows = self.st.rows_of(np.array(ids, dtype=np.int64))
        at = np.searchsorted(self.rows, rows)
        at[at >= len(self.rows)] = 0
        hit = (self.rows[at] == rows) if len(self.rows) else np.zeros(len(rows), bool)
        return {int(i) for i in self.st.ids[rows[hit]]}


def _engine_closest(session, st, backend, terms, f, geo, scale, taxonomies) -> list[tuple[int, float]] | None:
    """Tantivy's closest few, when it takes these filters (no map area) and its candidates are
    live actors of the facet index meeting the same filters there; else None (numpy path)."""
    if backend.name != "tantivy" or geo.bbox or geo.near or not tantivy_search.supports(f, geo, scale, taxonomies):
        return None
    try:
        engine = tantivy_index.current(session, taxonomies)
    except tantivy_index.Unavailable:
        return None
    top = tantivy_closest.closest(engine, terms, f, taxonomies, scale, PARTIAL_MAX)
    if top and _passing(st, [i for i, _ in top], f, geo, scale) != {i for i, _ in top}:
        return None
    return top


def _passing(st, ids: list[int], f, geo, scale) -> set[int]:
    """Those of `ids` meeting the filters (not the text), from the filters' mask over the index's
    rows kept per state and filter set (`semantic_allowed.passing`): a region's or an area's test
    reads every site of the index, ~5 ms at 1,000,000 actors however few the ids, and a search
    asks it up to three times (exact names, the semantic neighbours, the closest few)."""
    ids_ = np.asarray(ids, dtype=np.int64)
    ok = semantic_allowed.passing(st, f, geo, scale)(ids_)
    return {int(i) for i in ids_[ok]}


# built once (every search asks): no per-request statement construction or cache key
_NAMED = union(select(Actor.id.label("id")).where(Actor.name_key == bindparam("key")),
               select(ActorName.actor_id.label("id")).where(ActorName.value_key == bindparam("key")))
_BY_NAME = (select(Actor.id).where(Actor.id.in_(bindparam("ids", expanding=True)))
            .order_by(func.lower(Actor.name), Actor.id).limit(MAX_EXACT))


def _exact(session: Session, st, q: str, f, geo, scale) -> list[int]:
    """Actors meeting the filters one of whose names equals the whole query, folded; by name."""
    key = fold(q)
    if not key:
        return []
    named = session.connection().execute(_NAMED, {"key": key}).scalars().all()
    passing = _passing(st, list(named), f, geo, scale) if named else set()
    if len(passing) <= 1:
        return list(passing)
    return list(session.connection().execute(_BY_NAME, {"ids": sorted(passing)}).scalars())


def exact_ids(session: Session, *, q: str, base) -> list[int]:
    """Actors (meeting the filters) one of whose names equals the whole query, folded; by name."""
    key = fold(q)
    if not key:
        return []
    named = union(
        select(Actor.id.label("id")).where(Actor.name_key == key),
        select(ActorName.actor_id.label("id")).where(ActorName.value_key == key),
    ).subquery()
    return list(session.scalars(
        select(Actor.id).where(Actor.id.in_(select(named.c.id)), *base)
        .order_by(func.lower(Actor.name), Actor.id).limit(MAX_EXACT)
    ))


def _fuse(session, fn, q, ranked, st, hits: Ranking, f, geo, scale):
    """(fused order of the full-text head and the semantic neighbours, semantic-only ids), or None."""
    filtered = f != ActorFilter() or geo != Geo() or scale
    allowed = semantic_allowed.allowed(st, f, geo, scale) if filtered else None  # kept per index state
    try:
        with dialect_for(session).guard(session):  # a failure leaves the transaction usable
            neighbours = fn(session, query=q, k=HEAD, actor_ids=allowed)
    except Exception as exc:  # encoder missing or failing: full-text ranking alone
        log.warning("semantic search unavailable: %s", exc)
        return None
    sem_ids = [int(i) for i, _ in neighbours]
    text_ids = {i for i, _ in ranked}
    passing = _passing(st, sem_ids, f, geo, scale) if sem_ids else set()
    matching = hits.contains(sem_ids) if sem_ids else set()
    extras = {i for i in sem_ids if i in passing and i not in matching}
    score: dict[int, float] = {}
    for rank, (i, _) in enumerate(ranked):
        score[i] = score.get(i, 0.0) + 1.0 / (RRF_K + rank + 1)
    for rank, i in enumerate(sem_ids):
        if i in text_ids or i in extras:
            score[i] = score.get(i, 0.0) + 1.0 / (RRF_K + rank + 1)
    order = sorted(score, key=lambda i: (-score[i], i))
    return order, extras

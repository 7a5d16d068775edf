"""search(): the full-text search of the atlas with every filter, facet counts, exact names
first, hybrid ranking with the semantic search when it is available, and cursor pagination.

Order of the results: exact names and acronyms (the whole query equals a name, folded), then
the full-text ranking. In hybrid mode the first HEAD full-text results and the semantic
neighbours that pass the filters are fused by reciprocal rank (RRF, k = 60); beyond, full-text
order. All words must match; when no actor has them all, any word may (`match = "any"`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from sqlalchemy import func, or_, select, union
from sqlalchemy.orm import Session

from bioatlas.atlas.filters import ActorFilter
from bioatlas.atlas.models import Actor, ActorName
from bioatlas.core.text import fold
from bioatlas.search.backends import Backend
from bioatlas.search.facets import facet_counts
from bioatlas.search.params import Geo, decode_cursor, encode_cursor, filter_conditions, scale_condition, signature
from bioatlas.search.text import QueryTerm, parse_query

log = logging.getLogger(__name__)
HEAD = 100
RRF_K = 60
MAX_EXACT = 50
SEMANTIC_FILTER_LIMIT = 20_000
_ACTORS = Actor.__table__


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
    limit = max(1, min(limit, 100))
    f = replace(f, q="")
    base = [*filter_conditions(f, taxonomies, session.get_bind().dialect.name), *geo.conditions(), *scale_condition(scale)]
    sig = signature(q, f.as_query(), geo, scale, mode)
    position = decode_cursor(cursor, sig)
    backend = Backend(session.get_bind().dialect.name)
    terms = parse_query(q, as_you_type=True)

    if q.strip() and not terms:  # only punctuation or symbols: nothing to look for
        return SearchResult(0, [], {}, None, terms, "none", None)
    if not terms:  # no query: browse the filtered actors by name
        total = session.scalar(select(func.count()).select_from(select(Actor.id).where(*base).subquery())) or 0
        ids = list(session.scalars(
            select(Actor.id).where(*base).order_by(func.lower(Actor.name), Actor.id).limit(limit).offset(position)
        ))
        facets = facet_counts(session, f=f, taxonomies=taxonomies, extra=geo.conditions(), scale=scale) if with_facets else None
        nxt = encode_cursor(position + limit, sig) if position + limit < total else None
        return SearchResult(total, ids, {}, nxt, terms, "browse", facets)

    backend.correct(session, terms)
    exact = exact_ids(session, q, base)
    match = "all"
    expr = backend.expression(terms)
    text_cond = or_(Actor.id.in_(backend.matching_ids(expr)), Actor.id.in_(exact)) if exact else \
        Actor.id.in_(backend.matching_ids(expr))
    total = _count(session, base, text_cond)
    if total == 0 and len(terms) > 1:
        match, expr = "any", backend.expression(terms, any_=True)
        text_cond = Actor.id.in_(backend.matching_ids(expr))
        total = _count(session, base, text_cond)
    facets = None
    if with_facets:
        facets = facet_counts(session, f=f, taxonomies=taxonomies, extra=[*geo.conditions(), text_cond], scale=scale)

    head: list[int] = list(exact)
    scores: dict[int, float] = {i: float("inf") for i in exact}
    tail_offset, extras, used = 0, set(), False
    fn = semantic_function() if mode == "hybrid" else None
    if fn is not None and position < HEAD + len(exact):
        ranked = backend.ranked(session, expr, _ACTORS, base, HEAD, 0, exclude=exact)
        fused = _fuse(session, fn, q, ranked, base, text_cond, f, geo, scale)
        if fused is not None:
            order, extras = fused
            head += order
            scores.update({i: s for i, s in ranked})
            tail_offset, used = len(ranked), True
    if position + limit <= len(head):
        ids = head[position : position + limit]
    else:
        ids = head[position:] if position < len(head) else []
        offset = tail_offset + max(0, position - len(head))
        rows = backend.ranked(session, expr, _ACTORS, base, limit - len(ids), offset, exclude=exact)
        scores.update(dict(rows))
        ids += [i for i, _ in rows]
    total += len(extras)
    nxt = encode_cursor(position + limit, sig) if position + limit < total and ids else None
    return SearchResult(total, ids, scores, nxt, terms, match, facets, set(exact), used, extras)


def _count(session: Session, base, text_cond) -> int:
    return session.scalar(select(func.count()).select_from(select(Actor.id).where(*base, text_cond).subquery())) or 0


def exact_ids(session: Session, q: str, base) -> list[int]:
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


def _fuse(session, fn, q, ranked, base, text_cond, f, geo, scale):
    """(fused order of the full-text head and the semantic neighbours, semantic-only ids), or None."""
    filtered = f != ActorFilter() or geo != Geo() or scale
    allowed = None
    if filtered:
        ids = list(session.scalars(select(Actor.id).where(*base).limit(SEMANTIC_FILTER_LIMIT + 1)))
        allowed = set(ids) if len(ids) <= SEMANTIC_FILTER_LIMIT else None
    try:
        if session.get_bind().dialect.name == "postgresql":
            with session.begin_nested():
                neighbours = fn(session, q, HEAD, allowed)
        else:
            neighbours = fn(session, q, HEAD, allowed)
    except Exception as exc:  # encoder missing or failing: full-text ranking alone
        log.warning("semantic search unavailable: %s", exc)
        return None
    sem_ids = [int(i) for i, _ in neighbours]
    text_ids = {i for i, _ in ranked}
    passing = set(session.scalars(select(Actor.id).where(Actor.id.in_(sem_ids), *base))) if sem_ids else set()
    matching = set(session.scalars(select(Actor.id).where(Actor.id.in_(sem_ids), text_cond))) if sem_ids else set()
    extras = {i for i in sem_ids if i in passing and i not in matching}
    score: dict[int, float] = {}
    for rank, (i, _) in enumerate(ranked):
        score[i] = score.get(i, 0.0) + 1.0 / (RRF_K + rank + 1)
    for rank, i in enumerate(sem_ids):
        if i in text_ids or i in extras:
            score[i] = score.get(i, 0.0) + 1.0 / (RRF_K + rank + 1)
    order = sorted(score, key=lambda i: (-score[i], i))
    return order, extras

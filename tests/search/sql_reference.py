"""The search as it was computed in SQL before the in-memory index: every filter as SQL
conditions, the text as `IN (matching ids)`, facet counts by `search.facets.facet_counts`, ranked
by `Backend.ranked`; a place in the text through `search.places`, acronyms through
`search.vocabulary`; when no actor has every word, the closest PARTIAL_MAX by words matched then
best score, computed from each word's own ranking. The tests compare the numpy answers with it."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, or_, select

from bioatlas.atlas.filters import conditions
from bioatlas.atlas.models import Actor
from bioatlas.core.dialect import dialect_for
from bioatlas.search.backends import backend_for
from bioatlas.search.facets import facet_counts
from bioatlas.search.params import scale_condition
from bioatlas.search.params import DEFAULT_RADIUS_KM
from bioatlas.search.places import extract_place
from bioatlas.search.service import PARTIAL_MAX, exact_ids
from bioatlas.search.text import parse_query
from bioatlas.search.vocabulary import expand


def _count(s, conds) -> int:
    return s.scalar(select(func.count()).select_from(select(Actor.id).where(*conds).subquery())) or 0


def sql_search(s, q, f, taxonomies, geo, scale, limit=20):
    """(total, first `limit` ids, facets, match) the SQL way (full-text mode, first page)."""
    f = replace(f, q="")
    found = extract_place(q) if not geo.near and not geo.bbox else None
    if found is not None and found.candidates:
        return 0, [], None, "place"
    if found is not None and found.place is not None:
        p = found.place
        geo = replace(geo, near=(p.latitude, p.longitude), near_label=p.label, radius_km=geo.radius_km or DEFAULT_RADIUS_KM)
        q = found.text
    dialect = dialect_for(s)
    base = [*conditions(f, taxonomies, sites="exists", dialect=dialect), *geo.conditions(), *scale_condition(scale)]
    terms = parse_query(q, as_you_type=True)
    expand(terms, taxonomies)
    if not terms:
        total = _count(s, base)
        ids = list(s.scalars(select(Actor.id).where(*base).order_by(func.lower(Actor.name), Actor.id).limit(limit)))
        return total, ids, facet_counts(s, f=f, taxonomies=taxonomies, extra=geo.conditions(), scale=scale), "browse"
    backend = backend_for(s)
    backend.correct(s, terms)
    exact = exact_ids(s, q=q, base=base)
    match, expr = "all", backend.expression(terms)
    text = Actor.id.in_(backend.matching_ids(expr))
    if exact:
        text = or_(text, Actor.id.in_(exact))
    total = _count(s, [*base, text])
    if total == 0 and len(terms) > 1:
        return _closest(s, backend, terms, f, taxonomies, geo, scale, base, limit)
    facets = facet_counts(s, f=f, taxonomies=taxonomies, extra=[*geo.conditions(), text], scale=scale)
    ranked = backend.ranked(s, expr, Actor.__table__, base, limit, 0, exclude=exact)
    return total, (exact + [i for i, _ in ranked])[:limit], facets, match


def _closest(s, backend, terms, f, taxonomies, geo, scale, base, limit):
    words: dict[int, int] = {}
    best: dict[int, float] = {}
    for term in terms:  # every match of each word, unfiltered, with its score
        for i, score in backend.ranked(s, backend.expression([term]), Actor.__table__, [], 10_000_000, 0):
            words[i] = words.get(i, 0) + 1
            best[i] = max(best.get(i, score), score)
    if not words:
        return 0, [], facet_counts(s, f=f, taxonomies=taxonomies, extra=[*geo.conditions(), Actor.id.in_([])],
                                   scale=scale), "any"
    top_score = max(best.values())
    passing = set(s.scalars(select(Actor.id).where(*base, Actor.id.in_(list(words)))))
    ranked = sorted(passing, key=lambda i: (-(words[i] + best[i] / (top_score + 1.0)), i))[:PARTIAL_MAX]
    facets = facet_counts(s, f=f, taxonomies=taxonomies, extra=[*geo.conditions(), Actor.id.in_(ranked)], scale=scale)
    return len(ranked), ranked[:limit], facets, "any"

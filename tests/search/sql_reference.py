"""The search as it was computed in SQL before the in-memory index: every filter as SQL
conditions, the text as `IN (matching ids)`, facet counts by `search.facets.facet_counts`, ranked
by `Backend.ranked`. The tests compare the numpy answers with it."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, or_, select

from bioatlas.atlas.filters import conditions
from bioatlas.atlas.models import Actor
from bioatlas.core.dialect import dialect_for
from bioatlas.search.backends import backend_for
from bioatlas.search.facets import facet_counts
from bioatlas.search.params import scale_condition
from bioatlas.search.service import exact_ids
from bioatlas.search.text import parse_query


def _count(s, conds) -> int:
    return s.scalar(select(func.count()).select_from(select(Actor.id).where(*conds).subquery())) or 0


def sql_search(s, q, f, taxonomies, geo, scale, limit=20):
    """(total, first `limit` ids, facets, match) the SQL way (full-text mode, first page)."""
    f = replace(f, q="")
    dialect = dialect_for(s)
    base = [*conditions(f, taxonomies, sites="exists", dialect=dialect), *geo.conditions(), *scale_condition(scale)]
    terms = parse_query(q, as_you_type=True)
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
        match, expr = "any", backend.expression(terms, any_=True)
        text = Actor.id.in_(backend.matching_ids(expr))
        total = _count(s, [*base, text])
    facets = facet_counts(s, f=f, taxonomies=taxonomies, extra=[*geo.conditions(), text], scale=scale)
    ranked = backend.ranked(s, expr, Actor.__table__, base, limit, 0, exclude=exact)
    return total, (exact + [i for i, _ in ranked])[:limit], facets, match

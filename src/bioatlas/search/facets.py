"""Facet counts of a search in SQL (the reference the in-memory `facet_query` is tested against):
the atlas's facet counts (`atlas.queries.facet_counts`, one view filter) with the search's text,
geo and scale conditions kept, plus the counts per scale range. And the directory's counts from
the in-memory index (`view_counts`, the hook `bioatlas_view_counts`) and their total alone
(`view_total`, the hook `bioatlas_view_total`: the API's list of actors)."""

from __future__ import annotations

import numpy as np
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, aliased

# reads atlas tables: search is the atlas's read model
from bioatlas.atlas.models import Actor
from bioatlas.atlas.service import ActorFilter, Taxonomy, view_conditions
from bioatlas.atlas.service import facet_counts as view_facet_counts
from bioatlas.search import index_cache
from bioatlas.search.facet_query import Selection
from bioatlas.search.params import SCALES, Geo, scale_condition


def facet_counts(
    session: Session, *, f: ActorFilter, taxonomies: dict[str, Taxonomy], extra: list, scale: tuple[str, ...] = ()
) -> dict[str, dict[str, int]]:
    out = view_facet_counts(session, view=f, taxonomies=taxonomies, extra=[*extra, *scale_condition(scale)])
    ids = select(Actor.id.label("id")).where(*view_conditions(f, taxonomies=taxonomies), *extra).subquery()
    a = aliased(Actor)
    sums = [func.sum(case((and_(*_scale_on(a, code)), 1), else_=0)) for code in SCALES]
    row = session.execute(select(*sums).select_from(ids).join(a, a.id == ids.c.id).where(a.scale_litres.isnot(None))).one()
    out["scale"] = {code: int(n or 0) for code, n in zip(SCALES, row)}
    return out


def _scale_on(a, code: str) -> list:
    low, high = SCALES[code]
    return [a.scale_litres >= low] + ([a.scale_litres < high] if high is not None else [])


def view_counts(session: Session, *, view: ActorFilter, taxonomies) -> dict | None:
    """{"total", "facets"} of a directory view from the in-memory facet index (the same numbers as
    the atlas's SQL, tested against it); None for a name filter (`q`), which only SQL applies."""
    if view.q:
        return None
    st = index_cache.current(session, dict(taxonomies))
    sel = Selection(st, np.arange(st.size), view, Geo(), ())
    counts = sel.counts()
    counts.pop("scale", None)
    return {"total": int(np.count_nonzero(sel.mask())), "facets": counts}


def view_total(session: Session, *, view: ActorFilter, taxonomies) -> int | None:
    """How many actors a directory view holds, from the in-memory facet index (a capability
    filter costs SQL 2-8x a plain count at 200,000 actors; here one mask); None for a name filter."""
    if view.q:
        return None
    st = index_cache.current(session, dict(taxonomies))
    return int(np.count_nonzero(Selection(st, np.arange(st.size), view, Geo(), ()).mask()))

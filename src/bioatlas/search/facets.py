"""Facet counts of a search: for each facet, matching actors per value with that facet's own
selection left out, the text and geo conditions kept. Distinct actors; a parent value counts its
whole subtree."""

from __future__ import annotations

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, aliased

from bioatlas.atlas.filters import FACETS, ActorFilter
from bioatlas.atlas.models import Actor, Capability, Site
from bioatlas.atlas.taxonomy import Taxonomy
from bioatlas.core.dialect import Dialect, dialect_for
from bioatlas.search.params import SCALES, filter_conditions, scale_condition


def _ids(f: ActorFilter, taxonomies, extra, scale: tuple[str, ...], dialect: Dialect):
    """The matching actors as a subquery. Facet queries start FROM it and join the facts by
    actor id, so they cost the number of matches, not the size of the atlas (an `IN (…)` lets
    SQLite scan a whole table in index order for its GROUP BY)."""
    return (
        select(Actor.id.label("id")).where(*filter_conditions(f, taxonomies, dialect), *extra, *scale_condition(scale))
        .correlate(None).subquery()
    )


def facet_counts(
    session: Session, *, f: ActorFilter, taxonomies: dict[str, Taxonomy], extra: list, scale: tuple[str, ...] = ()
) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    dialect = dialect_for(session)
    for facet, tax_name in FACETS.items():
        ids = _ids(f.without(facet), taxonomies, extra, scale, dialect)
        if facet in ("kind", "gmp"):
            a = aliased(Actor)
            col = a.kind if facet == "kind" else a.gmp
            rows = session.execute(
                select(col, func.count()).select_from(ids).join(a, a.id == ids.c.id).where(col.isnot(None)).group_by(col)
            )
        elif facet in ("region", "departement"):
            col = Site.region if facet == "region" else Site.departement
            rows = session.execute(
                select(col, func.count(func.distinct(Site.actor_id))).select_from(ids)
                .join(Site, Site.actor_id == ids.c.id).where(col.isnot(None)).group_by(col)
            )
        else:
            rows = session.execute(
                select(Capability.code, func.count(func.distinct(Capability.actor_id))).select_from(ids)
                .join(Capability, Capability.actor_id == ids.c.id).where(_facet_is(session, tax_name))
                .group_by(Capability.code)
            )
        counts = {code: n for code, n in rows}
        if tax_name:
            counts = _subtrees(session, counts, taxonomies[tax_name], facet, ids)
        out[facet] = counts
    ids = _ids(f, taxonomies, extra, (), dialect)
    a = aliased(Actor)
    sums = [func.sum(case((and_(*_scale_on(a, code)), 1), else_=0)) for code in SCALES]
    row = session.execute(select(*sums).select_from(ids).join(a, a.id == ids.c.id).where(a.scale_litres.isnot(None))).one()
    out["scale"] = {code: int(n or 0) for code, n in zip(SCALES, row)}
    return out


def _facet_is(session: Session, facet: str):
    """Capability.facet == facet, hidden from the planner's index choice (on SQLite `+facet = …`)
    so that it walks the matches and their capabilities by actor id instead of every capability
    of the facet."""
    return dialect_for(session).unindexed(Capability.facet) == facet


def _scale_on(a, code: str) -> list:
    low, high = SCALES[code]
    return [a.scale_litres >= low] + ([a.scale_litres < high] if high is not None else [])


def _subtrees(session: Session, counts: dict[str, int], tax: Taxonomy, facet: str, ids) -> dict[str, int]:
    """Parents count the distinct matching actors of their whole subtree: one query per facet,
    a `count(DISTINCT CASE WHEN code IN subtree THEN actor END)` per parent (one pass over the
    matches instead of one query per parent)."""
    result = dict(counts)
    parents = sorted(p for p in {t.parent for t in tax.terms.values() if t.parent} if tax.descendants(p) & set(counts))
    if not parents:
        return result
    if facet in ("kind", "gmp"):
        a = aliased(Actor)
        col = a.kind if facet == "kind" else a.gmp
        sums = [func.count(case((col.in_(tax.descendants(p)), a.id))) for p in parents]
        row = session.execute(select(*sums).select_from(ids).join(a, a.id == ids.c.id)).one()
    else:
        sums = [func.count(func.distinct(case((Capability.code.in_(tax.descendants(p)), Capability.actor_id))))
                for p in parents]
        row = session.execute(
            select(*sums).select_from(ids).join(Capability, Capability.actor_id == ids.c.id)
            .where(_facet_is(session, tax.name))
        ).one()
    result.update({p: int(n or 0) for p, n in zip(parents, row)})
    return result

"""Read side of the atlas: listings, facet counts, map features, actor detail.

One function per question; the HTML pages, the JSON API and the exports all call these.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from bioatlas.atlas import changelog
from bioatlas.atlas.filters import FACETS, ActorFilter, conditions, predicates, site_condition
from bioatlas.atlas.models import Actor, ActorName, Capability, FieldSource, Identifier, Relation, ScopeReason, Site, Source
from bioatlas.atlas.taxonomy import Taxonomy
from bioatlas.core.dialect import dialect_for
from bioatlas.core.listeners import BULK_KEY
from bioatlas.core.plugins import plugin_manager

MAX_PAGE = 500


def _matching_ids(f: ActorFilter, taxonomies: dict[str, Taxonomy]):
    return select(Actor.id).where(*conditions(f, taxonomies))


def count_actors(session: Session, *, f: ActorFilter, taxonomies: dict[str, Taxonomy]) -> int:
    """How many actors match the view."""
    return session.scalar(select(func.count()).select_from(_matching_ids(f, taxonomies).subquery())) or 0


def list_actors(
    session: Session, *, f: ActorFilter, taxonomies: dict[str, Taxonomy], limit: int = 50, offset: int = 0,
    total: int | None = None,
) -> tuple[int, list[Actor]]:
    """Total count and one page of matching actors, ordered by name. `total`: the count when the
    caller already has it (the directory page: from the facet counts), not counted again; with a
    capability filter, counted by an in-memory index when a feature offers one (hook
    `bioatlas_view_total`: the search's facet index), else in SQL."""
    limit = max(1, min(limit, MAX_PAGE))
    if total is None and not f.q and (f.modality or f.step or f.expression) and not _writing(session):
        total = plugin_manager().hook.bioatlas_view_total(session=session, view=f, taxonomies=taxonomies)
    if total is None:
        total = count_actors(session, f=f, taxonomies=taxonomies)
    if total <= max(0, offset):  # nothing to list (a name that matches no one: no second scan of the names)
        return total, []
    p = predicates(f, taxonomies)
    stmt = select(Actor)
    if p.status_only and not p.site:  # the whole directory: walk the name-order index (migration 0039),
        # the status hidden from SQLite's planner, which would otherwise sort every active actor
        stmt = stmt.where(*([dialect_for(session).unindexed(Actor.status) == p.status] if p.status else []))
    else:
        hidden = _hidden_conditions(session, p) if _walk_name_order(session, total=total, upto=max(0, offset) + limit) else None
        stmt = stmt.where(*(hidden if hidden is not None else conditions(f, taxonomies)))
    rows = session.scalars(
        stmt.options(selectinload(Actor.sites), selectinload(Actor.capabilities))
        .order_by(func.lower(Actor.name), Actor.id)
        .limit(limit)
        .offset(max(0, offset))
    ).all()
    return total, list(rows)


def _writing(session: Session) -> bool:
    """Actor changes not committed yet in this session (in-memory indexes follow the change log,
    written at commit: such a session is counted in SQL, which sees its own changes)."""
    return bool(session.new or session.dirty or session.deleted or session.info.get(changelog.PENDING)
                or session.info.get(BULK_KEY))


_MAX_ID = select(func.max(Actor.id))


def _walk_name_order(session: Session, *, total: int, upto: int) -> bool:
    """Whether a filtered page is cheaper read by walking the name-order index, checking the filter
    on each actor (about upto x actors / total rows read), than by reading the `total` matches
    through the filter's indexes and sorting them. SQLite only, which has no statistics to choose
    (PostgreSQL's planner does); the highest id stands for the number of actors."""
    if session.get_bind().dialect.name != "sqlite" or not total:
        return False
    return total * total >= 2 * upto * (session.scalar(_MAX_ID) or 0)


def _hidden_conditions(session: Session, p) -> list | None:
    """A view on the actors' own columns (status, kind, GMP, sector scope) as conditions the
    planner cannot answer from an index, so that it walks the name-order index (None: the view
    has site, capability or name filters, whose matches are best read through their indexes)."""
    if p.site or p.q or set(p.actor) - {"kind", "gmp"}:
        return None
    hide = dialect_for(session).unindexed
    conds = [hide(Actor.status) == p.status] if p.status else []
    if p.scope == "sector":
        conds.append(hide(Actor.id).in_(select(ScopeReason.actor_id)))
    for facet, col in (("kind", Actor.kind), ("gmp", Actor.gmp)):
        if facet in p.actor:
            conds.append(hide(col).in_(sorted(p.actor[facet])))
    return conds


def iter_actors(session: Session, *, f: ActorFilter, taxonomies: dict[str, Taxonomy], batch: int = 500) -> Iterator[Actor]:
    """Every matching actor with its facts, in name order, loaded in batches (exports)."""
    ids = session.scalars(
        select(Actor.id).where(*conditions(f, taxonomies)).order_by(func.lower(Actor.name), Actor.id)
    ).all()
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        actors = session.scalars(
            select(Actor)
            .where(Actor.id.in_(chunk))
            .options(
                selectinload(Actor.sites).selectinload(Site.source),
                selectinload(Actor.capabilities),
                selectinload(Actor.names),
                selectinload(Actor.identifiers),
                selectinload(Actor.relations).selectinload(Relation.target),
                selectinload(Actor.field_sources).selectinload(FieldSource.source),
            )
        ).all()
        by_id = {a.id: a for a in actors}
        for actor_id in chunk:
            if actor_id in by_id:
                yield by_id[actor_id]


NAME_MATCHES_INLINE = 5000  # a name filter matching at most this many actors is read once, then its ids reused


def view_counts(session: Session, *, f: ActorFilter, taxonomies: dict[str, Taxonomy]) -> tuple[int, dict[str, dict[str, int]]]:
    """The total and the facet counts of a view in SQL (the reference). A name filter (`q`: a
    LIKE over every name, which no index answers) is evaluated once and its matching ids reused
    by each count instead of scanning the names again in each statement (when at
    most NAME_MATCHES_INLINE actors match)."""
    extra: list = []
    if f.q:
        named = select(Actor.id).where(*conditions(ActorFilter(q=f.q, status=""), taxonomies))
        ids = session.scalars(named.limit(NAME_MATCHES_INLINE + 1)).all()
        if len(ids) <= NAME_MATCHES_INLINE:
            f, extra = replace(f, q=""), [Actor.id.in_(sorted(ids))]
    total = session.scalar(select(func.count()).select_from(_matching_ids(f, taxonomies).where(*extra).subquery())) or 0
    return total, facet_counts(session, f=f, taxonomies=taxonomies, extra=extra)


def indexed_facet_counts(
    session: Session, *, f: ActorFilter, taxonomies: dict[str, Taxonomy], extra: Sequence = ()
) -> dict[str, dict[str, int]]:
    """`facet_counts`, from an in-memory index when a feature offers one (hook
    `bioatlas_view_counts`: the search's facet index, tested equal to the SQL) and nothing but the
    view narrows it (no `extra` condition, no name filter, no uncommitted actor change), else in SQL."""
    if not extra and not f.q and not _writing(session):
        found = plugin_manager().hook.bioatlas_view_counts(session=session, view=f, taxonomies=taxonomies)
        if found is not None:  # the SQL's shape: only the values some actor has
            return {facet: {code: n for code, n in counts.items() if n} for facet, counts in found["facets"].items()}
    return facet_counts(session, f=f, taxonomies=taxonomies, extra=extra)


def facet_counts(
    session: Session, *, f: ActorFilter, taxonomies: dict[str, Taxonomy], extra: Sequence = ()
) -> dict[str, dict[str, int]]:
    """For each facet, the number of matching actors per value, with that facet's own filter left out.

    Counts are of distinct actors; a hierarchical value (e.g. `company`) counts its children too.
    `extra`: more conditions on Actor every count keeps (a search's text match, geo and scale).
    """
    out: dict[str, dict[str, int]] = {}
    for facet in FACETS:
        ids = _matching_ids(f.without(facet), taxonomies).where(*extra).subquery()
        if facet in ("kind", "gmp"):
            col = Actor.kind if facet == "kind" else Actor.gmp
            rows = session.execute(
                select(col, func.count()).where(Actor.id.in_(select(ids.c.id)), col.isnot(None)).group_by(col)
            ).all()
        elif facet in ("region", "departement"):
            col = Site.region if facet == "region" else Site.departement
            rows = session.execute(
                select(col, func.count(func.distinct(Site.actor_id)))
                .where(Site.actor_id.in_(select(ids.c.id)), col.isnot(None))
                .group_by(col)
            ).all()
        else:
            tax_name = FACETS[facet]
            rows = session.execute(
                select(Capability.code, func.count(func.distinct(Capability.actor_id)))
                .where(Capability.actor_id.in_(select(ids.c.id)), Capability.facet == tax_name)
                .group_by(Capability.code)
            ).all()
        counts = {code: n for code, n in rows}
        tax_name = FACETS[facet]
        if tax_name:
            counts = _roll_up(counts, taxonomies[tax_name], session, facet, ids)
        out[facet] = counts
    return out


def _roll_up(counts: dict[str, int], tax: Taxonomy, session: Session, facet: str, ids) -> dict[str, int]:
    """Parents count the distinct actors of their whole subtree (never the sum, which double-counts)."""
    parents = {t.parent for t in tax.terms.values() if t.parent}
    if not parents:
        return counts
    result = dict(counts)
    for parent in parents:
        codes = tax.descendants(parent)
        if not codes & set(counts):
            continue
        if facet in ("kind", "gmp"):
            col = Actor.kind if facet == "kind" else Actor.gmp
            n = session.scalar(select(func.count()).where(Actor.id.in_(select(ids.c.id)), col.in_(codes)))
        else:
            n = session.scalar(
                select(func.count(func.distinct(Capability.actor_id))).where(
                    Capability.actor_id.in_(select(ids.c.id)), Capability.facet == tax.name, Capability.code.in_(codes)
                )
            )
        result[parent] = n or 0
    return result


def map_points(session: Session, *, f: ActorFilter, taxonomies: dict[str, Taxonomy]) -> list[tuple]:
    """(site id, actor id, actor name, kind, latitude, longitude, commune, precision) of each located
    site in the view."""
    return list(
        session.execute(
            select(Site.id, Actor.id, Actor.name, Actor.kind, Site.latitude, Site.longitude, Site.commune_name,
                   Site.precision)
            .join(Actor, Actor.id == Site.actor_id)
            .where(
                *conditions(f, taxonomies, sites="skip"),
                site_condition(f),  # geo facets select the sites themselves, not only their actor
                Site.latitude.isnot(None),
                Site.longitude.isnot(None),
            )
            .order_by(Site.id)
        ).all()
    )


STACK_EPS = 1e-7  # degrees (≈ 1 cm): sites "at the same point"


def stack_sites(
    session: Session, *, f: ActorFilter, taxonomies: dict[str, Taxonomy], latitude: float, longitude: float,
    limit: int, offset: int = 0,
) -> tuple[int, list[tuple]]:
    """The view's sites placed at one point (a stack the map cannot split): (their number, one
    page of (site id, actor id, actor name, kind, latitude, longitude, commune, precision) ordered
    by actor name then site id)."""
    where = (
        *conditions(f.without("region").without("departement"), taxonomies),
        site_condition(f),
        Site.latitude.between(latitude - STACK_EPS, latitude + STACK_EPS),
        Site.longitude.between(longitude - STACK_EPS, longitude + STACK_EPS),
    )
    total = session.scalar(select(func.count(Site.id)).join(Actor, Actor.id == Site.actor_id).where(*where)) or 0
    rows = session.execute(
        select(Site.id, Actor.id, Actor.name, Actor.kind, Site.latitude, Site.longitude, Site.commune_name,
               Site.precision)
        .join(Actor, Actor.id == Site.actor_id)
        .where(*where)
        .order_by(Actor.name_key, Site.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return total, [tuple(r) for r in rows]


# built once (its cache key is computed once); every fact's source is joined into the fact's own
# query instead of one more query per kind of fact (9 queries an actor instead of 13, ~20 % less time)
_ACTOR = select(Actor).where(Actor.id == bindparam("actor_id")).options(
    selectinload(Actor.sites).joinedload(Site.source),
    selectinload(Actor.capabilities).joinedload(Capability.source),
    selectinload(Actor.names).joinedload(ActorName.source),
    selectinload(Actor.identifiers).joinedload(Identifier.source),
    selectinload(Actor.relations).options(joinedload(Relation.target), joinedload(Relation.source)),
    selectinload(Actor.field_sources).joinedload(FieldSource.source),
)


def get_actor(session: Session, *, actor_id: int) -> Actor | None:
    """An actor with every fact and each fact's source (what the detail and the page show)."""
    return session.scalars(_ACTOR, {"actor_id": actor_id}).first()


def sources_of(actor: Actor) -> list[Source]:
    """Every source an actor's facts come from, without duplicates, oldest first."""
    seen: dict[int, Source] = {}
    for group in (actor.field_sources, actor.names, actor.identifiers, actor.sites, actor.capabilities, actor.relations):
        for row in group:
            seen.setdefault(row.source.id, row.source)
    return sorted(seen.values(), key=lambda s: s.id)

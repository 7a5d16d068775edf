"""Counts over the atlas for other rooms' statistics (the observatory's indicators and region
pages), as plain data: the SQL over the atlas's tables stays in the atlas.

An actor belongs to a region when it is active and has a site there (as in the region facet).
`scope` "sector" counts only the actors of the sector scope (`atlas.scope`), "all" every actor."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, selectinload

from bioatlas.atlas.models import Actor, Capability, ScopeReason, Site


def _scoped(scope: str) -> tuple:
    if scope not in ("sector", "all"):
        raise ValueError(f"scope: expected sector or all, not {scope!r}")
    return (Actor.id.in_(select(ScopeReason.actor_id)),) if scope == "sector" else ()


def _located(country: str, scope: str = "all") -> tuple:
    return Actor.status == "active", Site.region.is_not(None), Site.country == country, *_scoped(scope)


def active_actors(engine: Engine) -> int:
    """How many active actors the atlas holds (one indexed count; `bioatlas serve` sizes its
    renderers by it, web/renderers.py `how_many`)."""
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(Actor).where(Actor.status == "active")) or 0)


def located_actor_total(session: Session, *, country: str = "FR", scope: str = "all") -> int:
    """Active actors (of the scope) with at least one site located in a region of `country`."""
    return session.scalar(
        select(func.count(func.distinct(Site.actor_id))).select_from(Site)
        .join(Actor, Actor.id == Site.actor_id).where(*_located(country, scope))
    ) or 0


def located_actors_per_region(session: Session, *, country: str = "FR", scope: str = "all") -> list[tuple[str, int]]:
    """(region, active actors of the scope with a site there), by region code."""
    return [(r, int(n)) for r, n in session.execute(
        select(Site.region, func.count(func.distinct(Site.actor_id)))
        .join(Actor, Actor.id == Site.actor_id)
        .where(*_located(country, scope))
        .group_by(Site.region).order_by(Site.region)
    )]


def capacity_per_region_and_modality(session: Session) -> list[tuple[str, str | None, float, int]]:
    """(region, modality or None, Σ scale_litres, actors) of active actors with a scale, once per
    region where they have a site and per modality they state."""
    sites = select(Site.actor_id, Site.region).where(Site.region.is_not(None)).distinct().subquery()
    mods = select(Capability.actor_id, Capability.code).where(Capability.facet == "modalities").subquery()
    return [tuple(row) for row in session.execute(
        select(sites.c.region, mods.c.code, func.sum(Actor.scale_litres), func.count())
        .select_from(Actor)
        .join(sites, sites.c.actor_id == Actor.id)
        .outerjoin(mods, mods.c.actor_id == Actor.id)
        .where(Actor.status == "active", Actor.scale_litres.is_not(None))
        .group_by(sites.c.region, mods.c.code)
    )]


def sites_per_gmp_status(session: Session, *, statuses: tuple[str, ...], country: str = "FR") -> list[tuple[str, int, int]]:
    """(GMP status, sites in `country`, actors) of active actors with one of these statuses."""
    return [tuple(r) for r in session.execute(
        select(Actor.gmp, func.count(Site.id), func.count(func.distinct(Actor.id)))
        .join(Site, Site.actor_id == Actor.id)
        .where(Actor.status == "active", Actor.gmp.in_(statuses), Site.country == country)
        .group_by(Actor.gmp).order_by(Actor.gmp)
    )]


@dataclass
class RegionFacts:
    """The active actors with a site in one region, as plain pairs for rolling up, and the actors
    themselves (sites and identifiers loaded, by name) for lists and map points."""

    count: int = 0
    kinds: list[tuple[int, str | None]] = field(default_factory=list)
    gmp: list[tuple[int, str | None]] = field(default_factory=list)
    capabilities: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # taxonomy -> distinct pairs
    litres: dict[int, float] = field(default_factory=dict)  # actors with a scale -> their scale
    litres_modalities: list[tuple[int, str]] = field(default_factory=list)  # modalities of those actors
    actors: list[Actor] = field(default_factory=list)


def region_facts(session: Session, *, region: str, facets: tuple[str, ...] = ("modalities", "value_chain"),
                 scope: str = "all") -> RegionFacts:
    ids = select(Site.actor_id).join(Actor, Actor.id == Site.actor_id).where(
        Site.region == region, Actor.status == "active", *_scoped(scope)).distinct()
    facts = RegionFacts(count=session.scalar(select(func.count()).select_from(ids.subquery())) or 0)
    if not facts.count:
        return facts
    in_region = Actor.id.in_(ids)
    facts.kinds = [tuple(r) for r in session.execute(select(Actor.id, Actor.kind).where(in_region))]
    facts.gmp = [tuple(r) for r in session.execute(select(Actor.id, Actor.gmp).where(in_region))]
    for tax_name in facets:
        facts.capabilities[tax_name] = [tuple(r) for r in session.execute(select(Capability.actor_id, Capability.code).where(
            Capability.actor_id.in_(ids), Capability.facet == tax_name).distinct())]
    facts.litres = dict(session.execute(
        select(Actor.id, Actor.scale_litres).where(Actor.id.in_(ids), Actor.scale_litres.is_not(None))).all())
    if facts.litres:
        facts.litres_modalities = [tuple(r) for r in session.execute(select(Capability.actor_id, Capability.code).where(
            Capability.actor_id.in_(list(facts.litres)), Capability.facet == "modalities"))]
    facts.actors = list(session.scalars(
        select(Actor).where(in_region)
        .options(selectinload(Actor.sites), selectinload(Actor.identifiers)).order_by(Actor.name)))
    return facts

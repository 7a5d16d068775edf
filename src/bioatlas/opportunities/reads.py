"""Partner search reads: one opportunity, its policy scope, the marketplace listing with facets, the
user's own, the review queue, names, and the actors' regions and coordinates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func, or_, select
from sqlalchemy.orm import Session

from bioatlas.accounts.policy import ActorScope, Principal, can
from bioatlas.atlas import service as atlas
from bioatlas.messaging import service as messaging
from bioatlas.opportunities.errors import NotFound
from bioatlas.opportunities.fields import quality
from bioatlas.opportunities.models import Interest, Opportunity, OpportunityModality

# --- reads ---------------------------------------------------------------------------------------------


def get(session: Session, *, opportunity_id: int) -> Opportunity | None:
    return session.get(Opportunity, opportunity_id)


def scope_of(session: Session, *, opportunity_id: int | None = None, actor_id: int | None = None) -> ActorScope | None:
    """The policy's object: the scope of the opportunity's actor (or of `actor_id`)."""
    if opportunity_id is not None:
        opp = get(session, opportunity_id=opportunity_id)
        if opp is None:
            return None
        actor_id = opp.actor_id
    scope = atlas.actor_scope(session, actor_id=actor_id)
    return None if scope.actor_id is None else ActorScope(scope.actor_id, scope.regions, scope.clusters)


def actor_names(session: Session, *, actor_ids: list[int]) -> dict[int, str]:
    return {i: a.name for i, a in atlas.load_actors(session, ids=sorted(set(actor_ids))).items()}


def display_names(session: Session, *, user_ids: list[int]) -> dict[int, str]:
    return messaging.display_names(session, user_ids=user_ids)


def _live(today: date):
    return (Opportunity.status == "published") & ((Opportunity.expires_on.is_(None)) | (Opportunity.expires_on >= today))


def listing(session: Session, *, direction: str | None = None, kind: str | None = None,
            modalities: frozenset[str] = frozenset(), region: str | None = None, today: date | None = None,
            limit: int = 100) -> tuple[list[Opportunity], dict[str, dict[str, int]]]:
    """Published opportunities not expired (expired ones leave the list on their expiry day,
    before the daily task marks them), newest first, and facet counts over them, in SQL (the
    modality filter and facet read `opportunity_modalities`; the region: the opportunity's scope
    or its actor's sites)."""
    today = today or date.today()
    conds: list[ColumnElement[bool]] = [_live(today)]
    if direction:
        conds.append(Opportunity.direction == direction)
    if kind:
        conds.append(Opportunity.kind == kind)
    if modalities:
        conds.append(Opportunity.id.in_(select(OpportunityModality.opportunity_id).where(
            OpportunityModality.code.in_(sorted(modalities)))))
    if region:  # in the opportunity's scope, or a site of its actor in the region
        sites = atlas.sites_selectable()
        conds.append(or_(Opportunity.actor_id.in_(select(sites.c.actor_id).where(sites.c.region == region)),
                         cast(Opportunity.regions, String).like(f'%"{region}"%')))
    ids = select(Opportunity.id).where(*conds)
    facets: dict[str, dict[str, int]] = {"direction": {}, "kind": {}, "modality": {}}
    for name, column in (("direction", Opportunity.direction), ("kind", Opportunity.kind)):
        facets[name] = {v: n for v, n in session.execute(select(column, func.count()).where(*conds).group_by(column))}
    facets["modality"] = {code: n for code, n in session.execute(
        select(OpportunityModality.code, func.count()).where(OpportunityModality.opportunity_id.in_(ids),
                                                              OpportunityModality.code != "")
        .group_by(OpportunityModality.code))}
    rows = list(session.scalars(select(Opportunity).where(*conds)
                                .order_by(Opportunity.published_at.desc(), Opportunity.id.desc()).limit(limit)))
    return rows, facets


def mine(session: Session, *, actor_ids: frozenset[int] | set[int], user_id: int | None) -> list[Opportunity]:
    """The opportunities of the user's actors (any status), and the ones they wrote."""
    conds: list[ColumnElement[bool]] = []
    if actor_ids:
        conds.append(Opportunity.actor_id.in_(sorted(actor_ids)))
    if user_id is not None:
        conds.append(Opportunity.author_id == user_id)
    if not conds:
        return []
    return list(session.scalars(select(Opportunity).where(or_(*conds)).order_by(Opportunity.updated_at.desc())))


def review_queue(session: Session, *, principal: Principal) -> list[Opportunity]:
    """The submitted opportunities this editor may review (the actor's regions or clusters), oldest first."""
    rows = session.scalars(select(Opportunity).where(Opportunity.status == "submitted").order_by(Opportunity.submitted_at))
    return [o for o in rows if can(principal, "opportunities.review", scope_of(session, actor_id=o.actor_id))]


def interests_of(session: Session, *, opportunity_id: int) -> list[Interest]:
    return list(session.scalars(select(Interest).where(Interest.opportunity_id == opportunity_id).order_by(Interest.id)))


def quality_of(opp: Opportunity) -> list[tuple[str, bool]]:
    return quality({"description_fr": opp.description_fr, "description_en": opp.description_en,
                    "modalities": opp.modalities, "steps": opp.steps, "title_en": opp.title_en,
                    "expires_on": opp.expires_on})


def shows_name(session: Session, *, opp: Any, principal: Principal) -> bool:
    """A confidential opportunity names its organisation only to its members, admins and those
    whose expression of interest it accepted."""
    if not opp.confidential or principal.is_admin or opp.actor_id in principal.member_of:
        return True
    if principal.user_id is None:
        return False
    return (session.scalar(select(func.count()).select_from(Interest).where(
        Interest.opportunity_id == opp.id, Interest.user_id == principal.user_id, Interest.status == "accepted")) or 0) > 0



def _regions(session: Session, actor_ids: list[int]) -> dict[int, set[str]]:
    sites = atlas.sites_selectable()
    out: dict[int, set[str]] = {}
    ids = sorted(set(actor_ids))
    for start in range(0, len(ids), 500):
        for actor_id, region in session.execute(select(sites.c.actor_id, sites.c.region).where(
                sites.c.actor_id.in_(ids[start:start + 500]), sites.c.region.is_not(None))):
            out.setdefault(actor_id, set()).add(region)
    return out


@dataclass(frozen=True)
class ActorFacts:
    name: str
    kind: str


def _actor_facts(session: Session, actor_ids: list[int]) -> dict[int, ActorFacts]:
    """{id: name and kind}: all matching needs of the candidates' actors (a light read, not
    `atlas.load_actors` with names, sites and capabilities)."""
    out: dict[int, ActorFacts] = {}
    ids = sorted(set(actor_ids))
    for start in range(0, len(ids), 500):
        for actor_id, name, kind in session.execute(select(atlas.Actor.id, atlas.Actor.name, atlas.Actor.kind).where(
                atlas.Actor.id.in_(ids[start:start + 500]))):
            out[actor_id] = ActorFacts(name, kind)
    return out


def _countries(session: Session, actor_ids: list[int]) -> dict[int, set[str]]:
    sites = atlas.sites_selectable()
    out: dict[int, set[str]] = {}
    ids = sorted(set(actor_ids))
    for start in range(0, len(ids), 500):
        for actor_id, country in session.execute(select(sites.c.actor_id, sites.c.country).where(
                sites.c.actor_id.in_(ids[start:start + 500]))):
            out.setdefault(actor_id, set()).add(country or "FR")
    return out


def _coordinates(session: Session, actor_ids: list[int]) -> dict[int, list[tuple[float, float]]]:
    out: dict[int, list[tuple[float, float]]] = {}
    for site in atlas.located_sites(session, actor_ids=actor_ids, bbox=(-180.0, -90.0, 180.0, 90.0)):
        out.setdefault(site.actor_id, []).append((site.latitude, site.longitude))
    return out


def _must(session: Session, opportunity_id: int) -> Opportunity:
    opp = get(session, opportunity_id=opportunity_id)
    if opp is None:
        raise NotFound("opportunity_id", "no opportunity {opportunity_id}", params={"opportunity_id": opportunity_id})
    return opp

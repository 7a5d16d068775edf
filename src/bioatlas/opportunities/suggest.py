"""Matches for one opportunity: candidates read from the database (published opportunities of the other
direction, capacity profiles, actors stating the modalities), paired and ranked by `matching`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import chain
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from bioatlas.accounts.policy import Principal
from bioatlas.atlas import service as atlas
from bioatlas.atlas.service import Taxonomy
from bioatlas.capacity import service as capacity
from bioatlas.opportunities import matching
from bioatlas.opportunities.models import Opportunity, OpportunityModality
from bioatlas.opportunities.reads import _actor_facts, _coordinates, _countries, _live, _must, _regions, shows_name


@dataclass(frozen=True)
class Match:
    """A suggestion: an opportunity (`opportunity_id`) or an actor's capacity profile
    (`opportunity_id` None), its actor (name None when confidential), score and reasons."""

    actor_id: int
    actor_name: str | None
    actor_kind: str
    score: float
    reasons: tuple[tuple[str, str, bool], ...]
    opportunity_id: int | None = None
    title: str = ""
    source: str = "opportunity"  # opportunity | capacity
    extra: Mapping[str, Any] = field(default_factory=dict)


# --- matching ------------------------------------------------------------------------------------------

def _side(opp: Any, actors, regions, countries=None, scope: frozenset[str] = frozenset()) -> matching.Side:
    actor = actors.get(opp.actor_id)
    return matching.Side(
        actor_country=matching.country_of((countries or {}).get(opp.actor_id, ()), scope),
        direction=opp.direction, kind=opp.kind, actor_id=opp.actor_id, actor_kind=actor.kind if actor else "",
        actor_regions=frozenset(regions.get(opp.actor_id, ())), modalities=frozenset(opp.modalities or ()),
        steps=frozenset(opp.steps or ()), expression_systems=frozenset(opp.expression_systems or ()),
        capacity=opp.capacity, regions=frozenset(opp.regions or ()), countries=frozenset(opp.countries or ()),
        partner_kinds=frozenset(opp.partner_kinds or ()),
        words=matching.words_of(opp.title_fr, opp.title_en, opp.description_fr, opp.description_en))


ACTOR_CANDIDATES = 2000  # actors stating one of the request's modalities, read at most


def _actor_sides(session: Session, *, request: Opportunity, taxonomies: Mapping[str, Taxonomy]):
    """(actor, Side) for the active actors whose stated or inferred capabilities include one of
    the request's modalities (widened to sub-terms by the atlas's filter): direction "offer",
    kind "actor", no capacity facts (so a request with a scale, grade or window rules them out)."""
    conditions = atlas.view_conditions(atlas.ActorFilter(modality=tuple(request.modalities)), taxonomies=taxonomies)
    actors = list(session.scalars(select(atlas.Actor).where(*conditions).options(
        selectinload(atlas.Actor.capabilities)).order_by(atlas.Actor.id).limit(ACTOR_CANDIDATES)))
    regions, countries = _regions(session, [a.id for a in actors]), _countries(session, [a.id for a in actors])
    for actor in actors:
        facets: dict[str, set[str]] = {}
        for cap in actor.capabilities:
            facets.setdefault(cap.facet, set()).add(cap.code)
        yield actor, matching.Side(
            direction="offer", kind="actor", actor_id=actor.id, actor_kind=actor.kind,
            actor_country=matching.country_of(countries.get(actor.id, ()), request.countries or ()),
            actor_regions=frozenset(regions.get(actor.id, ())), modalities=frozenset(facets.get("modalities", ())),
            steps=frozenset(facets.get("value_chain", ())),
            expression_systems=frozenset(facets.get("expression_systems", ())),
            words=matching.words_of(actor.description_fr, actor.description_en))


EU_CANDIDATES = 500  # actors abroad whose name says one of the modalities, read at most


def _abroad_sides(session: Session, *, request: Opportunity, taxonomies: Mapping[str, Taxonomy]):
    """EU partner search: for an R&D partner request whose country scope names countries other
    than France, (actor, Side) for the active actors located there (e.g. imported from the ROR
    registry, which carries a name, a type and a place but no capabilities) whose name says one
    of the request's modalities (its sub-terms, labels and specific synonyms): the modalities
    read from the name are the Side's."""
    abroad = sorted({c for c in request.countries or () if c != "FR"})
    if request.kind != "rd_partner" or not abroad or not request.modalities:
        return
    terms = matching.name_terms(matching.widen(request.modalities, taxonomies["modalities"]), taxonomies["modalities"])
    sites = atlas.sites_selectable()
    located = select(sites.c.actor_id).where(sites.c.country.in_(abroad))
    actors = list(session.scalars(select(atlas.Actor).where(
        atlas.Actor.status == "active", atlas.Actor.id.in_(located),
        or_(*[atlas.Actor.name_key.like(f"%{term}%") for term in terms])).order_by(atlas.Actor.id).limit(EU_CANDIDATES)))
    countries = _countries(session, [a.id for a in actors])
    for actor in actors:
        named = frozenset(code for term, code in terms.items() if term in f" {actor.name_key} ")
        if named:
            yield actor, matching.Side(
                direction="offer", kind="actor", actor_id=actor.id, actor_kind=actor.kind,
                actor_country=matching.country_of(countries.get(actor.id, ()), abroad), modalities=named,
                words=matching.words_of(actor.name))


def _profile_sides(offer: capacity.Offer) -> list[tuple[int, matching.Side]]:
    """One Side per service line of a capacity profile (direction offer, kind "profile")."""
    doc = offer.doc
    window = {"window_from": doc.get("available_from"), "window_to": doc.get("available_to")} if not doc.get(
        "on_request") else {}
    words = matching.words_of(doc.get("summary_fr"), doc.get("summary_en"))
    out = []
    for i, line in enumerate(doc.get("lines", ())):
        cap = {"scale_min_l": line.get("scale_min_l"), "scale_max_l": line.get("scale_max_l"),
               "gmp": line.get("gmp"), **window}
        out.append((i, matching.Side(direction="offer", kind="profile", actor_id=offer.actor_id,
                                     actor_kind=offer.actor_kind, actor_regions=frozenset(offer.regions),
                                     modalities=frozenset(line.get("modalities", ())), steps=frozenset({line.get("step")}),
                                     expression_systems=frozenset(line.get("expression_systems", ())),
                                     capacity=cap, words=words)))
    return out


MAX_CANDIDATES = 2000  # opportunities read for one list, at most


# what matching and the match list read of a candidate (plain rows: no ORM objects to build)
COLUMNS = ("id", "actor_id", "direction", "kind", "modalities", "steps", "expression_systems", "capacity", "regions",
           "countries", "partner_kinds", "title_fr", "title_en", "description_fr", "description_en", "confidential")


def prefilter(opp: Opportunity, *, modalities: Taxonomy, today: date, limit: int = MAX_CANDIDATES) -> Select:
    """The live opportunities of the other direction that can pass `matching.pair`'s hard
    constraints, in SQL (indexed columns kept from the capacity block, `opportunity_modalities`):
    the same kind, another actor, the scale ranges overlap, the offered GMP grade reaches the
    grade asked, the windows overlap when both state one, and the modality gate (the other side
    states none, or one meeting ours: sub-terms for a request, parent terms for an offer).
    Region and country scopes, taxonomy and word overlap stay in Python, on what is left: at
    most `limit` rows, those with the most modality codes in common first (then the newest)."""
    Opp = Opportunity  # noqa: N806
    other = "offer" if opp.direction == "request" else "request"
    query = select(*(getattr(Opp, c) for c in COLUMNS)).where(_live(today), Opp.direction == other, Opp.kind == opp.kind,
                            Opp.actor_id != opp.actor_id, Opp.id != opp.id)
    if opp.scale_min_l is not None and opp.scale_max_l is not None:
        overlap = and_(Opp.scale_max_l >= opp.scale_min_l, Opp.scale_min_l <= opp.scale_max_l)
        # a request's scale needs an offer stating an overlapping one; an offer's meets requests stating none
        query = query.where(overlap if opp.direction == "request" else or_(Opp.scale_min_l.is_(None), overlap))
    elif opp.direction == "offer":
        query = query.where(Opp.scale_min_l.is_(None))
    rank = opp.gmp_rank or 0
    if opp.direction == "request" and rank:
        query = query.where(Opp.gmp_rank >= rank)
    elif opp.direction == "offer":
        query = query.where(or_(Opp.gmp_rank.is_(None), Opp.gmp_rank <= rank))
    if opp.window_from is not None and opp.window_to is not None:
        query = query.where(or_(Opp.window_from.is_(None), and_(Opp.window_from <= opp.window_to,
                                                                Opp.window_to >= opp.window_from)))
    if opp.modalities:
        mine = set(opp.modalities)
        codes = (matching.widen(mine, modalities) if opp.direction == "request"
                 else {c for c in modalities.terms if modalities.descendants(c) & mine} | mine)
        hits = (select(OpportunityModality.opportunity_id, func.count().label("n"))
                .where(OpportunityModality.code.in_(sorted(codes | {""})))
                .group_by(OpportunityModality.opportunity_id).subquery())
        # the most modality codes in common first, when more than `limit` are left
        query = query.join(hits, hits.c.opportunity_id == Opp.id).order_by(hits.c.n.desc(), Opp.id.desc())
    else:
        query = query.order_by(Opp.id.desc())
    return query.limit(limit)


def matches(session: Session, *, opportunity_id: int, taxonomies: Mapping[str, Taxonomy], principal: Principal,
            today: date | None = None, limit: int = 10) -> list[Match]:
    """For a request: the published offers, the actors' capacity profiles (capacity requests) and
    the actors whose stated or inferred capabilities include one of its modalities, that meet its
    hard constraints, ranked, one per actor, with reasons. For an offer: the published requests it
    answers (the same pairing, reversed)."""
    today = today or date.today()
    opp = _must(session, opportunity_id)
    others: list[Any] = list(session.execute(prefilter(opp, modalities=taxonomies["modalities"], today=today)))
    ids = [opp.actor_id, *[o.actor_id for o in others]]
    actors = _actor_facts(session, ids)
    regions, countries = _regions(session, ids), _countries(session, ids)
    scope = frozenset(opp.countries or ())
    me = _side(opp, actors, regions, countries, scope)
    modalities = taxonomies["modalities"]
    fits: list[tuple[Any, int, matching.Fit]] = []
    for other in others:
        if opp.direction == "request":
            fit = matching.pair(me, _side(other, actors, regions, countries, scope), modalities=modalities)
        else:  # an offer against each request's own country scope
            theirs = frozenset(other.countries or ())
            fit = matching.pair(_side(other, actors, regions, countries, theirs),
                                _side(opp, actors, regions, countries, theirs) if theirs else me, modalities=modalities)
        if fit is not None:
            fits.append((("opportunity", other.id), other.actor_id, fit))
    profiles: dict[int, capacity.Offer] = {}
    if opp.direction == "request" and opp.kind == "capacity":
        found = capacity.search_offers(session, query=capacity.OfferQuery(), today=today).offers
        for offer in found:
            profiles[offer.actor_id] = offer
            for i, side in _profile_sides(offer):
                fit = matching.pair(me, side, modalities=modalities)
                if fit is not None:
                    fits.append((("capacity", offer.actor_id, i), offer.actor_id, fit))
    actor_rows: dict[int, Any] = {}
    if opp.direction == "request" and opp.modalities:
        for actor, side in chain(_actor_sides(session, request=opp, taxonomies=taxonomies),
                                 _abroad_sides(session, request=opp, taxonomies=taxonomies)):
            fit = matching.pair(me, side, modalities=modalities)
            if fit is not None and actor.id not in actor_rows:
                actor_rows[actor.id] = actor
                fits.append((("actor", actor.id), actor.id, fit))
    coords = _coordinates(session, [opp.actor_id, *{a for _, a, _ in fits}])
    mine = coords.get(opp.actor_id, [])
    fits = [(key, actor_id, matching.with_distance(fit, matching.km(mine, coords.get(actor_id, []))))
            for key, actor_id, fit in fits]
    by_id = {o.id: o for o in others}
    out = []
    for key, fit in matching.rank(fits, limit=limit):
        if key[0] == "opportunity":
            other = by_id[key[1]]
            actor = actors.get(other.actor_id)
            named = shows_name(session, opp=other, principal=principal)
            out.append(Match(actor_id=other.actor_id if named else 0, actor_name=actor.name if actor and named else None,
                             actor_kind=actor.kind if actor else "", score=round(fit.score, 3),
                             reasons=tuple(fit.reasons), opportunity_id=other.id,
                             title=other.title_fr or other.title_en))
        elif key[0] == "actor":
            actor = actor_rows[key[1]]
            out.append(Match(actor_id=actor.id, actor_name=actor.name, actor_kind=actor.kind, score=round(fit.score, 3),
                             reasons=tuple(fit.reasons), source="actor"))
        else:
            offer = profiles[key[1]]
            out.append(Match(actor_id=offer.actor_id, actor_name=offer.actor_name, actor_kind=offer.actor_kind,
                             score=round(fit.score, 3), reasons=tuple(fit.reasons), source="capacity",
                             extra={"line": key[2], "verified": offer.verified, "demo_note": offer.demo_note}))
    return out

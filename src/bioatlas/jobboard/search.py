"""Searching the open offers: the query (checked parameters), its SQL conditions, the search with
its facet counts, the map layer's located offers, and the same conditions in Python for one
offer (alerts)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bioatlas.atlas import service as atlas
from bioatlas.core.text import fold
from bioatlas.jobboard import employers
from bioatlas.jobboard.employers import Capabilities
from bioatlas.jobboard.fields import CONTRACTS, FieldError
from bioatlas.jobboard.models import JobOffer

MAX_PAGE = 100


@dataclass
class OfferQuery:
    """The search: words of the title, ROME family (letter + 2 digits) or code, contracts, region,
    département, GMP environment only, the employer's modalities and value-chain steps; `chosen`
    keeps what was asked for (for links and alerts)."""

    q: str = ""
    rome: str = ""
    contracts: tuple[str, ...] = ()
    region: str = ""
    departement: str = ""
    gmp: bool = False
    capabilities: Capabilities = field(default_factory=Capabilities)
    actor_id: int | None = None
    near: tuple[float, float] | None = None  # (latitude, longitude) of the commune asked for
    km: int = 30
    limit: int = 50
    offset: int = 0
    chosen: dict[str, list[str]] = field(default_factory=dict)


def parse_query(params: Mapping[str, Sequence[str]]) -> OfferQuery:
    """Check the search parameters; FieldError names the refused one."""
    def one(name: str) -> str:
        values = params.get(name) or []
        return values[-1].strip() if values else ""
    q = OfferQuery(q=one("q")[:200])
    rome = one("rome").upper()
    if rome and not (len(rome) in (1, 3, 5) and rome[0].isalpha() and rome[1:].isdigit()):
        raise FieldError("rome", "must be a ROME domain (H), family (H23) or code (H2301)")
    q.rome = rome
    contracts = [c for v in params.get("contract") or [] for c in v.split(",") if c]
    bad = [c for c in contracts if c not in CONTRACTS]
    if bad:
        raise FieldError("contract", "unknown contract {bad!r}: one of {choices}", params={"bad": bad[0], "choices": ', '.join(CONTRACTS)})
    q.contracts = tuple(contracts)
    q.region = one("region")
    if q.region and q.region not in atlas.gazetteer().regions:
        raise FieldError("region", "unknown region code")
    q.departement = one("departement").upper()
    if q.departement and not (2 <= len(q.departement) <= 3 and q.departement.isalnum()):
        raise FieldError("departement", "must be a département code (e.g. 91, 2A, 971)")
    q.gmp = one("gmp") in ("1", "true", "on", "yes")
    q.capabilities = employers.parse(params)
    near = one("near")
    if near:
        geo = atlas.gazetteer()
        try:  # a postcode (91000), else an INSEE commune code (91228, 2A004)
            place = geo.geocode(postcode=near) if near in geo.by_postcode else geo.geocode(insee=near)
        except ValueError as exc:
            raise FieldError("near", "not a French commune: {exc}", params={"exc": exc}) from None
        if place.latitude is None or place.longitude is None:
            raise FieldError("near", "this commune has no coordinates")
        q.near = (place.latitude, place.longitude)
        km = one("km") or "30"
        if not km.isdigit() or not 1 <= int(km) <= 300:
            raise FieldError("km", "must be a whole number of kilometres from 1 to 300")
        q.km = int(km)
    for name, cap in (("limit", MAX_PAGE), ("offset", 10_000_000)):
        raw = one(name)
        if raw:
            if not raw.isdigit() or int(raw) > cap:
                raise FieldError(name, "must be a whole number up to {cap}", params={"cap": cap})
            setattr(q, name, int(raw))
    q.chosen = {k: [v] if isinstance(v, str) else list(v) for k, v in
                (("q", q.q), ("rome", q.rome), ("contract", q.contracts), ("region", q.region),
                 ("departement", q.departement), ("gmp", "1" if q.gmp else ""), ("near", near),
                 ("km", str(q.km) if near else ""), ("modality", q.capabilities.modality),
                 ("step", q.capabilities.step)) if v}
    return q


def conditions(query: OfferQuery, today: date) -> list:
    cond = [JobOffer.status == "open", JobOffer.expires_on >= today]
    for word in fold(query.q).split():
        cond.append(JobOffer.search_key.contains(word))
    if query.rome:
        cond.append(JobOffer.rome_code.startswith(query.rome))
    if query.contracts:
        cond.append(JobOffer.contract.in_(query.contracts))
    if query.region:
        cond.append(JobOffer.region == query.region)
    if query.departement:
        cond.append(JobOffer.departement == query.departement)
    if query.gmp:
        cond.append(JobOffer.gmp_environment.is_(True))
    if query.capabilities:
        cond.append(employers.condition(query.capabilities))
    if query.actor_id is not None:
        cond.append(JobOffer.actor_id == query.actor_id)
    if query.near is not None:
        lat0, lon0 = query.near
        dx = (JobOffer.longitude - lon0) * (KM_PER_DEGREE * math.cos(math.radians(lat0)))
        dy = (JobOffer.latitude - lat0) * KM_PER_DEGREE
        cond.append(dx * dx + dy * dy <= query.km * query.km)
    return cond


KM_PER_DEGREE = 111.2  # of latitude; distances are equirectangular (under 1 % off within 300 km)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    dx = (b[1] - a[1]) * KM_PER_DEGREE * math.cos(math.radians(a[0]))
    dy = (b[0] - a[0]) * KM_PER_DEGREE
    return math.hypot(dx, dy)


@dataclass
class SearchResult:
    total: int
    offers: list[JobOffer]
    facets: dict[str, Counter]


def search(session: Session, *, query: OfferQuery, today: date | None = None, facets: bool = True) -> SearchResult:
    """Open offers matching the query, newest first, with facet counts over every match: contract,
    ROME family, region, and the employer's modality and value-chain step (`employers`)."""
    cond = conditions(query, today or date.today())
    total = session.scalar(select(func.count(JobOffer.id)).where(*cond)) or 0
    rows = list(session.scalars(select(JobOffer).where(*cond).order_by(JobOffer.created_at.desc(), JobOffer.id.desc())
                                .limit(query.limit).offset(query.offset)))
    counts: dict[str, Counter] = {}
    if facets:
        for name, column in (("contract", JobOffer.contract), ("rome", func.substr(JobOffer.rome_code, 1, 3)),
                             ("region", JobOffer.region)):
            counts[name] = Counter({k: n for k, n in session.execute(
                select(column, func.count()).where(*cond).group_by(column)) if k})
        counts.update(employers.facet_counts(session, where=cond))
    return SearchResult(total=total, offers=rows, facets=counts)


def occupations(session: Session, *, query: OfferQuery, today: date | None = None,
                limit: int | None = None) -> list[tuple[str, str, int]]:
    """The ROME occupations of the offers matching the query, by name as the offers give it (the
    ROME's `libelle_rome`): (code, name, count), the most offered first. The ROME names its
    occupations, not its families (the three-character groups of the facet `rome`): a page shows
    these rather than a family's bare code."""
    cond = conditions(query, today or date.today())
    stmt = (select(JobOffer.rome_code, func.max(JobOffer.rome_label), func.count()).where(*cond)
            .group_by(JobOffer.rome_code).order_by(func.count().desc(), JobOffer.rome_code))
    rows = session.execute(stmt.limit(limit) if limit else stmt)
    return [(code, label or code, n) for code, label, n in rows if code]


def open_offers_of(session: Session, *, actor_id: int, limit: int = 20) -> list[JobOffer]:
    return search(session, query=OfferQuery(actor_id=actor_id, limit=limit), facets=False).offers


def located_offers(session: Session, *, bbox: tuple[float, float, float, float], contracts: Sequence[str] = (),
                   limit: int = 5000, today: date | None = None) -> list[JobOffer]:
    west, south, east, north = bbox
    cond = conditions(OfferQuery(contracts=tuple(contracts)), today or date.today())
    stmt = (select(JobOffer).where(*cond, JobOffer.latitude.between(south, north), JobOffer.longitude.between(west, east))
            .order_by(JobOffer.id).limit(limit))
    return list(session.scalars(stmt))


def matches(offer: JobOffer, query: OfferQuery, *, employer: Mapping[str, set[str]] | None = None) -> bool:
    """Whether one offer meets a query (the same conditions as `search`, in Python); `employer`:
    the codes of the offer's actor (`employers.actor_codes`), needed when the query asks for
    capabilities."""
    key = offer.search_key or ""
    return (all(word in key for word in fold(query.q).split())
            and (not query.rome or offer.rome_code.startswith(query.rome))
            and (not query.contracts or offer.contract in query.contracts)
            and (not query.region or offer.region == query.region)
            and (not query.departement or offer.departement == query.departement)
            and (not query.gmp or offer.gmp_environment)
            and (query.near is None or (offer.latitude is not None and offer.longitude is not None
                                        and distance_km(query.near, (offer.latitude, offer.longitude)) <= query.km))
            and employers.meets(query.capabilities, employer))

"""The job board's service: publish, edit and close an offer (members of the actor, for one of
its sites), read and search the open offers, their schema.org JobPosting, the expiry sweep, and
the personal data it holds. Handlers and other rooms call these functions only."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bioatlas.accounts import service as accounts
from bioatlas.accounts.policy import ActorScope
from bioatlas.atlas import service as atlas
from bioatlas.core.db import unit_of_work
from bioatlas.core.reports import ImportReport, Rollback, RowError, write_or_rollback
from bioatlas.core.text import fold
from bioatlas.jobboard import francetravail, likely
from bioatlas.jobboard.fields import CONTRACTS, DEFAULT_DAYS, FieldError, clean
from bioatlas.jobboard.models import JobOffer, SavedSearch
from bioatlas.jobboard.present import CONTRACT_LABELS
from bioatlas.notifications import service as notifications
from bioatlas.occupations import service as occupations

__all__ = ["FieldError", "JobOffer", "NotFound", "Conflict", "FormatError"]
FormatError = francetravail.FormatError
MAX_PAGE = 100


class NotFound(LookupError):
    pass


class Conflict(RuntimeError):
    pass


def now() -> datetime:
    return datetime.now(timezone.utc)


# --- reading ---------------------------------------------------------------------------------


def get_offer(session: Session, *, offer_id: int) -> JobOffer | None:
    return session.get(JobOffer, offer_id)


def actor_scope(session: Session, *, actor_id: int | None) -> ActorScope | None:
    """The policy's view of the actor, None when there is no such actor."""
    if actor_id is None:
        return None
    scope = atlas.actor_scope(session, actor_id=actor_id)
    return None if scope.actor_id is None else ActorScope(scope.actor_id, scope.regions, scope.clusters)


def offer_scope(session: Session, *, offer: JobOffer) -> ActorScope:
    """Who may manage the offer: the members of its actor (an imported offer without an actor:
    nobody but admins)."""
    return actor_scope(session, actor_id=offer.actor_id) or ActorScope(None)


def actor_name(session: Session, *, actor_id: int) -> str | None:
    actor = atlas.get_actor(session, actor_id=actor_id)
    return actor.name if actor is not None else None


def sites_of(session: Session, *, actor_id: int) -> list[dict]:
    """The actor's sites a member may post for: id and place."""
    actor = atlas.load_actor(session, actor_id=actor_id)
    if actor is None:
        return []
    return [{"id": s.id, "commune": s.commune_name or "", "postcode": s.postcode or "", "role": s.role}
            for s in actor.sites]


def is_open(offer: JobOffer, *, today: date | None = None) -> bool:
    return offer.status == "open" and offer.expires_on >= (today or date.today())


@dataclass
class OfferQuery:
    """The search: words of the title, ROME family (letter + 2 digits) or code, contracts, region,
    département, GMP environment only; `chosen` keeps what was asked for (for links and alerts)."""

    q: str = ""
    rome: str = ""
    contracts: tuple[str, ...] = ()
    region: str = ""
    departement: str = ""
    gmp: bool = False
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
        raise FieldError("contract", f"unknown contract {bad[0]!r}: one of {', '.join(CONTRACTS)}")
    q.contracts = tuple(contracts)
    q.region = one("region")
    if q.region and q.region not in atlas.gazetteer().regions:
        raise FieldError("region", "unknown region code")
    q.departement = one("departement").upper()
    if q.departement and not (2 <= len(q.departement) <= 3 and q.departement.isalnum()):
        raise FieldError("departement", "must be a département code (e.g. 91, 2A, 971)")
    q.gmp = one("gmp") in ("1", "true", "on", "yes")
    near = one("near")
    if near:
        geo = atlas.gazetteer()
        try:  # a postcode (91000), else an INSEE commune code (91228, 2A004)
            place = geo.geocode(postcode=near) if near in geo.by_postcode else geo.geocode(insee=near)
        except ValueError as exc:
            raise FieldError("near", f"not a French commune: {exc}") from None
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
                raise FieldError(name, f"must be a whole number up to {cap}")
            setattr(q, name, int(raw))
    q.chosen = {k: [v] if isinstance(v, str) else list(v) for k, v in
                (("q", q.q), ("rome", q.rome), ("contract", q.contracts), ("region", q.region),
                 ("departement", q.departement), ("gmp", "1" if q.gmp else ""), ("near", near),
                 ("km", str(q.km) if near else "")) if v}
    return q


def _conditions(query: OfferQuery, today: date) -> list:
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
    """Open offers matching the query, newest first, with facet counts (contract, ROME family,
    region) over every match."""
    cond = _conditions(query, today or date.today())
    total = session.scalar(select(func.count(JobOffer.id)).where(*cond)) or 0
    rows = list(session.scalars(select(JobOffer).where(*cond).order_by(JobOffer.created_at.desc(), JobOffer.id.desc())
                                .limit(query.limit).offset(query.offset)))
    counts: dict[str, Counter] = {}
    if facets:
        for name, column in (("contract", JobOffer.contract), ("rome", func.substr(JobOffer.rome_code, 1, 3)),
                             ("region", JobOffer.region)):
            counts[name] = Counter({k: n for k, n in session.execute(
                select(column, func.count()).where(*cond).group_by(column)) if k})
    return SearchResult(total=total, offers=rows, facets=counts)


def open_offers_of(session: Session, *, actor_id: int, limit: int = 20) -> list[JobOffer]:
    return search(session, query=OfferQuery(actor_id=actor_id, limit=limit), facets=False).offers


def located_offers(session: Session, *, bbox: tuple[float, float, float, float], contracts: Sequence[str] = (),
                   limit: int = 5000, today: date | None = None) -> list[JobOffer]:
    west, south, east, north = bbox
    cond = _conditions(OfferQuery(contracts=tuple(contracts)), today or date.today())
    stmt = (select(JobOffer).where(*cond, JobOffer.latitude.between(south, north), JobOffer.longitude.between(west, east))
            .order_by(JobOffer.id).limit(limit))
    return list(session.scalars(stmt))


# --- saved searches and alerts ----------------------------------------------------------------

MAX_SEARCHES = 20


def describe(params: Mapping[str, Sequence[str]]) -> str:
    """A saved search in words: its parameters, e.g. "q=technicien · contract=cdi"."""
    return " · ".join(f"{k}={','.join(v)}" for k, v in params.items() if v) or "*"


def save_search(session: Session, *, user_id: int, params: Mapping[str, Sequence[str]]) -> SavedSearch:
    """Keep the user's search (checked like the jobs page's; at most MAX_SEARCHES a user)."""
    query = parse_query(params)
    if (session.scalar(select(func.count(SavedSearch.id)).where(SavedSearch.user_id == user_id)) or 0) >= MAX_SEARCHES:
        raise FieldError("search", f"at most {MAX_SEARCHES} saved searches")
    with unit_of_work(session):
        saved = SavedSearch(user_id=user_id, params=query.chosen)
        session.add(saved)
    return saved


def searches_of(session: Session, *, user_id: int) -> list[SavedSearch]:
    return list(session.scalars(select(SavedSearch).where(SavedSearch.user_id == user_id).order_by(SavedSearch.id)))


def delete_search(session: Session, *, user_id: int, search_id: int) -> None:
    saved = session.get(SavedSearch, search_id)
    if saved is None or saved.user_id != user_id:
        raise NotFound(f"no saved search {search_id}")
    with unit_of_work(session):
        session.delete(saved)


def matches(offer: JobOffer, query: OfferQuery) -> bool:
    """Whether one offer meets a query (the same conditions as `search`, in Python)."""
    key = offer.search_key or ""
    return (all(word in key for word in fold(query.q).split())
            and (not query.rome or offer.rome_code.startswith(query.rome))
            and (not query.contracts or offer.contract in query.contracts)
            and (not query.region or offer.region == query.region)
            and (not query.departement or offer.departement == query.departement)
            and (not query.gmp or offer.gmp_environment)
            and (query.near is None or (offer.latitude is not None and offer.longitude is not None
                                        and distance_km(query.near, (offer.latitude, offer.longitude)) <= query.km)))


def alert_saved_searches(session: Session, *, offers: Sequence[JobOffer]) -> int:
    """Notify the owners of the saved searches each new open offer matches (one notification per
    user and offer, in the caller's transaction); how many."""
    sent = 0
    searches = list(session.scalars(select(SavedSearch).order_by(SavedSearch.id)))
    for offer in offers:
        if offer.status != "open":
            continue
        told: set[int] = set()
        for saved in searches:
            if saved.user_id in told or not matches(offer, parse_query(saved.params)):
                continue
            told.add(saved.user_id)
            note = notifications.notify(session, user_id=saved.user_id, kind="jobboard.match", link=f"/jobboard/offers/{offer.id}",
                                        context={"title": offer.title, "employer": offer.employer_name,
                                                 "place": offer.commune_name or "", "rome": f"{offer.rome_code} {offer.rome_label}",
                                                 "contract": CONTRACT_LABELS[offer.contract]["fr"],
                                                 "search": describe(saved.params), "synthetic": offer.synthetic})
            sent += note is not None
    return sent


# --- writing ---------------------------------------------------------------------------------


def check_rome(session: Session, *, code: str, appellation: str | None) -> dict[str, Any]:
    """The occupation's label and ROME version (its source key), the appellation's label; an
    unknown code, or an appellation of another occupation, is a FieldError."""
    occupation = occupations.get_occupation(session, code=code)
    if occupation is None:
        raise FieldError("rome_code", f"unknown ROME code {code}")
    out = {"rome_label": occupation.label, "rome_version": occupation.source.key,
           "appellation_code": None, "appellation_label": None}
    if appellation:
        match = next((t for t in occupation.titles if t.code == appellation), None)
        if match is None:
            raise FieldError("appellation_code", f"appellation {appellation} is not one of {code}'s job titles")
        out.update(appellation_code=match.code, appellation_label=match.label)
    return out


def suggest_titles(session: Session, *, title: str, limit: int = 8) -> list[dict]:
    """ROME appellations whose label holds the words of the offer's title (the author confirms
    one): the occupations room's title matching, dropping words until something matches."""
    words = fold(title).split()
    while words:
        _, titles = occupations.list_titles(session, q=" ".join(words), limit=limit)
        if titles:
            return [{"appellation_code": t.code, "appellation_label": t.label, "rome_code": t.occupation_code}
                    for t in titles]
        words = words[:-1] if len(words) > 1 else []
    return []


def _search_key(values: Mapping[str, Any]) -> str:
    return fold(" ".join(v for v in (values["title"], values.get("appellation_label"), values.get("rome_label")) if v))[:800]


def _place(session: Session, *, actor_id: int, site_id: int) -> dict[str, Any]:
    actor = atlas.load_actor(session, actor_id=actor_id)
    if actor is None:
        raise NotFound(f"no actor {actor_id}")
    site = next((s for s in actor.sites if s.id == site_id), None)
    if site is None:
        raise FieldError("site_id", "this site is not one of the actor's sites")
    return {"employer_name": actor.name, "site_id": site.id, "commune_name": site.commune_name,
            "departement": site.departement, "region": site.region, "latitude": site.latitude,
            "longitude": site.longitude}


def publish(session: Session, *, actor_id: int, site_id: Any, raw: Mapping[str, Any], user_id: int | None,
            ip: str | None, today: date | None = None, origin: str = "member", synthetic: bool = False,
            default_days: int = DEFAULT_DAYS) -> JobOffer:
    """Validate and publish an offer of the actor for one of its sites."""
    today = today or date.today()
    values = clean(raw, today=today, default_days=default_days)
    try:
        site = int(site_id)
    except (TypeError, ValueError):
        raise FieldError("site_id", "choose one of the actor's sites") from None
    values.update(check_rome(session, code=values["rome_code"], appellation=values["appellation_code"]))
    values.update(_place(session, actor_id=actor_id, site_id=site))
    values["search_key"] = _search_key(values)
    with unit_of_work(session):
        offer = JobOffer(actor_id=actor_id, created_by=user_id, origin=origin, synthetic=synthetic, status="open",
                         **values)
        session.add(offer)
        session.flush()
        accounts.record_audit(session, event="jobboard", user_id=user_id, ip=ip, target=f"job_offer:{offer.id}",
                              detail={"action": "publish", "actor_id": actor_id})
        alert_saved_searches(session, offers=[offer])
    return offer


def update(session: Session, *, offer: JobOffer, site_id: Any, raw: Mapping[str, Any], user_id: int | None,
           ip: str | None, today: date | None = None, default_days: int = DEFAULT_DAYS) -> JobOffer:
    """Replace the offer's values (the same checks as publishing); a closed offer reopens."""
    if offer.actor_id is None or offer.origin != "member":
        raise Conflict("only offers published here can be edited here")
    values = clean(raw, today=today or date.today(), default_days=default_days)
    try:
        site = int(site_id)
    except (TypeError, ValueError):
        raise FieldError("site_id", "choose one of the actor's sites") from None
    values.update(check_rome(session, code=values["rome_code"], appellation=values["appellation_code"]))
    values.update(_place(session, actor_id=offer.actor_id, site_id=site))
    values["search_key"] = _search_key(values)
    with unit_of_work(session):
        for key, value in values.items():
            setattr(offer, key, value)
        offer.status, offer.closed_at, offer.close_reason, offer.updated_at = "open", None, None, now()
        accounts.record_audit(session, event="jobboard", user_id=user_id, ip=ip, target=f"job_offer:{offer.id}",
                              detail={"action": "update"})
    return offer


def close(session: Session, *, offer: JobOffer, user_id: int | None, ip: str | None, reason: str = "closed") -> None:
    if offer.status == "closed":
        raise Conflict("the offer is already closed")
    with unit_of_work(session):
        offer.status, offer.closed_at, offer.updated_at, offer.close_reason = "closed", now(), now(), "closed"
        accounts.record_audit(session, event="jobboard", user_id=user_id, ip=ip, target=f"job_offer:{offer.id}",
                              detail={"action": "close", "reason": reason})


def close_expired(session: Session, *, today: date | None = None) -> int:
    """Close every open offer whose expiry has passed (the daily task); how many."""
    today = today or date.today()
    with unit_of_work(session):
        expired = list(session.scalars(select(JobOffer).where(JobOffer.status == "open", JobOffer.expires_on < today)))
        for offer in expired:
            offer.status, offer.closed_at, offer.close_reason = "closed", now(), "expired"
    return len(expired)


# --- observatory indicators --------------------------------------------------------------------

def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)  # SQLite drops the zone


JOBS_TARGET = 10_000  # the 2030 plan's direct jobs: shown beside the offers, never as jobs created


def indicators(session: Session, *, today: date | None = None) -> dict[str, Any]:
    """Open offers by ROME family, region and contract (synthetic demo offers counted apart),
    median days from publication to closing of the offers closed by their employer (not expired),
    beside the 10,000-jobs target, labelled as offers."""
    today = today or date.today()
    cond = _conditions(OfferQuery(), today)
    real = [*cond, JobOffer.synthetic.is_(False)]

    def by(column, where) -> dict[str, int]:
        return {str(k): int(n) for k, n in session.execute(
            select(column, func.count()).where(*where).group_by(column).order_by(func.count().desc())) if k}
    closed = session.execute(select(JobOffer.created_at, JobOffer.closed_at).where(
        JobOffer.status == "closed", JobOffer.close_reason == "closed", JobOffer.closed_at.is_not(None),
        JobOffer.synthetic.is_(False))).all()
    days = sorted((_aware(c) - _aware(o)).total_seconds() / 86400 for o, c in closed)
    median = None if not days else (days[len(days) // 2] if len(days) % 2 else (days[len(days) // 2 - 1] + days[len(days) // 2]) / 2)
    return {
        "label": "offers, not jobs created",
        "open_offers": session.scalar(select(func.count(JobOffer.id)).where(*real)) or 0,
        "open_synthetic_offers": session.scalar(select(func.count(JobOffer.id)).where(*cond, JobOffer.synthetic.is_(True))) or 0,
        "by_rome_family": by(func.substr(JobOffer.rome_code, 1, 3), real),
        "by_region": by(JobOffer.region, real),
        "by_contract": by(JobOffer.contract, real),
        "median_days_to_close": None if median is None else round(median, 1),
        "closed_offers_measured": len(days),
        "jobs_target": JOBS_TARGET,
    }


# --- likely employers ------------------------------------------------------------------------


def likely_employers(session: Session, *, rome_code: str, region: str | None = None, limit: int = 30,
                     today: date | None = None) -> list[dict[str, Any]]:
    """The active actors of the sector scope most likely to hire for `rome_code` (see
    `jobboard.likely`), best first, each with its score, the reasons and its open offers; an
    unknown code is a FieldError."""
    code = rome_code.strip().upper()
    if occupations.get_occupation(session, code=code) is None:
        raise FieldError("rome", f"unknown ROME code {code}")
    rules = likely.rules_for(code)
    if not rules:
        return []
    if atlas.default_scope(session) != "sector":
        return []  # the sector scope is not computed yet (`bioatlas scope compute`): no candidates
    actors = atlas.load_actors(session, ids=atlas.in_scope_ids(session))
    scored = []
    for actor in actors.values():
        if actor.status != "active" or (region and not any(s.region == region for s in actor.sites)):
            continue
        steps = {c.code for c in actor.capabilities if c.facet == "value_chain"}
        value, matched = likely.score(rules, naf=actor.naf_code, steps=steps, kind=actor.kind)
        if value > 0:
            scored.append((value, actor, matched))
    scored.sort(key=lambda x: (-x[0], fold(x[1].name)))
    scored = scored[:limit]
    offers: Counter = Counter(session.scalars(select(JobOffer.actor_id).where(
        *_conditions(OfferQuery(), today or date.today()), JobOffer.actor_id.in_([a.id for _, a, _ in scored]))))
    return [{"actor_id": a.id, "name": a.name, "score": value, "naf_code": a.naf_code, "kind": a.kind,
             "open_offers": offers.get(a.id, 0),
             "reasons": [{"dimension": r.dimension, "value": r.value, "weight": r.weight, "reason": r.reason}
                         for r in matched]}
            for value, a, matched in scored]


# --- France Travail import --------------------------------------------------------------------

# our field names as France Travail spells them, for the rejections
FT_FIELDS = {"title": "intitule", "rome_code": "romeCode", "description_fr": "description",
             "apply_url": "contact.urlPostulation", "apply_email": "contact.courriel", "salary_max": "salaire",
             "salary_min": "salaire", "skills": "competences", "appellation_code": "appellationlibelle"}
COMPARED = ("title", "rome_code", "rome_label", "rome_version", "appellation_code", "appellation_label", "contract",
            "experience", "skills", "salary_min", "salary_max", "description_fr", "apply_url", "apply_email",
            "employer_name", "actor_id", "latitude", "longitude", "commune_name", "departement")


@dataclass(kw_only=True)
class FranceTravailReport(ImportReport):
    """The shared import report, plus how many offers were matched to an atlas actor and how many
    closed offers the file reopened."""

    skip_invalid: bool = False
    matched_actors: int = 0
    reopened: int = 0

    def as_dict(self) -> dict:
        return {**super().as_dict(), "skip_invalid": self.skip_invalid, "matched_actors": self.matched_actors,
                "reopened": self.reopened}


def import_france_travail(factory: sessionmaker[Session], *, path: str, dry_run: bool = False,
                          skip_invalid: bool = False, today: date | None = None,
                          default_days: int = DEFAULT_DAYS) -> FranceTravailReport:
    """Import offers in France Travail's JSON format (see `jobboard.francetravail`): one
    transaction; by default one rejected row and nothing is written (every rejection listed, naming
    the field); with `skip_invalid` the valid rows are. An offer already imported (same id) is
    refreshed, never duplicated. A file of another format raises FormatError before anything."""
    today = today or date.today()
    parsed = francetravail.read(path)
    report = FranceTravailReport(file=str(path), dry_run=dry_run, skip_invalid=skip_invalid, read=parsed.read)
    for error in parsed.rejections:
        report.reject(error)

    def write(session: Session) -> None:
        occupations_seen: dict[str, Any] = {}
        new_offers: list[JobOffer] = []
        for index, row in parsed.rows:
            try:
                values = clean(row["raw"], today=today, default_days=default_days)
                code = values["rome_code"]
                values.update(check_rome(session, code=code, appellation=None))
            except FieldError as exc:
                report.reject(RowError(line=index, column=FT_FIELDS.get(exc.field, exc.field),
                                       value=row["external_id"], reason=exc.message))
                continue
            if code not in occupations_seen:
                occupations_seen[code] = occupations.get_occupation(session, code=code)
            label = fold(row["appellation_label"] or "")
            title = next((t for t in occupations_seen[code].titles if fold(t.label) == label), None) if label else None
            if title is not None:
                values.update(appellation_code=title.code, appellation_label=title.label)
            try:
                actor = atlas.find_actor_by_name(session, name=row["employer_name"])
            except ValueError:  # several actors of that name: left unmatched
                actor = None
            region = atlas.gazetteer().departements.get(row["place"]["departement"] or "", ("", None))[1] or None
            values.update(row["place"], employer_name=row["employer_name"], actor_id=actor.id if actor else None,
                          region=region)
            values["search_key"] = _search_key(values)
            report.matched_actors += actor is not None
            offer = session.scalar(select(JobOffer).where(JobOffer.origin == "france_travail",
                                                          JobOffer.external_id == row["external_id"]))
            if offer is None:
                created = JobOffer(origin="france_travail", external_id=row["external_id"], status="open", **values)
                session.add(created)
                new_offers.append(created)
                report.count("created")
                continue
            changed = any(getattr(offer, k) != values.get(k) for k in COMPARED)
            if offer.status != "open":
                offer.status, offer.closed_at, offer.close_reason = "open", None, None
                report.reopened += 1
                changed = True
            for key, value in values.items():
                setattr(offer, key, value)
            if changed:
                offer.updated_at = now()
            report.count("updated" if changed else "unchanged")
        session.flush()
        if report.errors and not skip_invalid:
            raise Rollback
        alert_saved_searches(session, offers=new_offers)

    result = write_or_rollback(factory, report, write)
    if not result.committed and not dry_run:
        result.clear_outcomes()
    return result


REMIND_DAYS = 7


def remind_expiring(session: Session, *, today: date | None = None) -> int:
    """Tell the author of each open offer expiring within REMIND_DAYS (once per expiry date: a
    pushed expiry is reminded again), through notifications (kind `jobboard.expiring`); how many."""
    today = today or date.today()
    with unit_of_work(session):
        due = list(session.scalars(select(JobOffer).where(
            JobOffer.status == "open", JobOffer.created_by.is_not(None), JobOffer.expires_on >= today,
            JobOffer.expires_on <= today + timedelta(days=REMIND_DAYS))))
        sent = 0
        for offer in due:
            if offer.reminded_on is not None and offer.reminded_on >= offer.expires_on - timedelta(days=REMIND_DAYS):
                continue
            note = notifications.notify(session, user_id=offer.created_by or 0, kind="jobboard.expiring",
                                        link=f"/jobboard/offers/{offer.id}/edit",
                                        context={"title": offer.title, "employer": offer.employer_name,
                                                 "expires_on": offer.expires_on.isoformat()})
            offer.reminded_on = today
            sent += note is not None
    return sent


# --- schema.org ------------------------------------------------------------------------------

EMPLOYMENT_TYPES = {"cdi": "FULL_TIME", "cdd": "TEMPORARY", "interim": "TEMPORARY", "apprenticeship": "INTERN",
                    "internship": "INTERN", "thesis": "FULL_TIME", "postdoc": "TEMPORARY"}


def job_posting(offer: JobOffer, *, base_url: str, lang: str = "fr") -> dict[str, Any]:
    """The offer as schema.org JobPosting (JSON-LD), with Google's required properties (title,
    description, datePosted, hiringOrganization, jobLocation, validThrough) and the ROME code as
    occupationalCategory."""
    description = (offer.description_en or offer.description_fr) if lang == "en" else (
        offer.description_fr or offer.description_en)
    doc: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": offer.title,
        "description": description,
        "identifier": {"@type": "PropertyValue", "name": "Bioprod Atlas", "value": str(offer.id)},
        "datePosted": offer.created_at.date().isoformat(),
        "validThrough": f"{offer.expires_on.isoformat()}T23:59:59",
        "employmentType": EMPLOYMENT_TYPES[offer.contract],
        "occupationalCategory": f"{offer.rome_code} {offer.rome_label}".strip(),
        "hiringOrganization": {"@type": "Organization", "name": offer.employer_name,
                               **({"sameAs": f"{base_url}/actors/{offer.actor_id}"} if offer.actor_id else {})},
        "jobLocation": {"@type": "Place", "address": {
            "@type": "PostalAddress", "addressLocality": offer.commune_name or "",
            "addressRegion": offer.region or "", "addressCountry": "FR"}},
        "url": f"{base_url}/jobboard/offers/{offer.id}",
        "directApply": False,
    }
    if offer.latitude is not None and offer.longitude is not None:
        doc["jobLocation"]["geo"] = {"@type": "GeoCoordinates", "latitude": offer.latitude,
                                     "longitude": offer.longitude}
    if offer.remote_share >= 100:
        doc["jobLocationType"] = "TELECOMMUTE"
        doc["applicantLocationRequirements"] = {"@type": "Country", "name": "FR"}
    if offer.salary_min is not None or offer.salary_max is not None:
        value: dict[str, Any] = {"@type": "QuantitativeValue", "unitText": "YEAR"}
        if offer.salary_min is not None:
            value["minValue"] = offer.salary_min
        if offer.salary_max is not None:
            value["maxValue"] = offer.salary_max
        doc["baseSalary"] = {"@type": "MonetaryAmount", "currency": "EUR", "value": value}
    if offer.skills:
        doc["skills"] = ", ".join(offer.skills)
    if offer.start_date:
        doc["jobStartDate"] = offer.start_date.isoformat()
    return doc


# --- personal data -----------------------------------------------------------------------------


def export_personal(session: Session, *, user_id: int) -> dict:
    rows = session.scalars(select(JobOffer).where(JobOffer.created_by == user_id).order_by(JobOffer.id))
    return {"offers_published": [{"offer_id": o.id, "title": o.title, "actor_id": o.actor_id,
                                  "apply_email": o.apply_email, "created_at": o.created_at.isoformat()} for o in rows],
            "saved_searches": [{"id": s.id, "params": s.params, "created_at": s.created_at.isoformat()}
                               for s in searches_of(session, user_id=user_id)]}


def erase_personal(session: Session, *, user_id: int) -> None:
    """Offers stay (they belong to the actor); the author's link is cut; saved searches go."""
    for offer in session.scalars(select(JobOffer).where(JobOffer.created_by == user_id)):
        offer.created_by = None
    for saved in searches_of(session, user_id=user_id):
        session.delete(saved)


def put_demo_offer(session: Session, *, key: str, actor_id: int, site_id: int, raw: Mapping[str, Any],
                   today: date) -> bool:
    """A labelled synthetic demo offer (origin "demo", `external_id` = key), created once: a second
    run changes nothing. False when it exists or its ROME code is not loaded."""
    if session.scalar(select(JobOffer.id).where(JobOffer.origin == "demo", JobOffer.external_id == key)):
        return False
    values = clean(raw, today=today)
    try:
        values.update(check_rome(session, code=values["rome_code"], appellation=values["appellation_code"]))
    except FieldError:
        return False
    values.update(_place(session, actor_id=actor_id, site_id=site_id))
    values["search_key"] = _search_key(values)
    session.add(JobOffer(actor_id=actor_id, origin="demo", external_id=key, synthetic=True, status="open", **values))
    session.flush()
    return True


def counts(session: Session, *, today: date | None = None) -> dict[str, int]:
    today = today or date.today()
    open_ = session.scalar(select(func.count(JobOffer.id)).where(JobOffer.status == "open",
                                                                  JobOffer.expires_on >= today)) or 0
    synthetic = session.scalar(select(func.count(JobOffer.id)).where(JobOffer.synthetic.is_(True))) or 0
    return {"open": open_, "synthetic": synthetic,
            "all": session.scalar(select(func.count(JobOffer.id))) or 0}


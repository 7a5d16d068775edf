"""Writing offers: publish, edit and close (members of the actor, for one of its sites), the ROME
check and title suggestions, the daily expiry sweep and reminders, the demo's synthetic offers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts
from bioatlas.atlas import service as atlas
from bioatlas.core.db import unit_of_work
from bioatlas.core.moments import Moment
from bioatlas.core.text import fold
from bioatlas.jobboard.alerts import alert_saved_searches
from bioatlas.jobboard.fields import DEFAULT_DAYS, Conflict, FieldError, NotFound, clean
from bioatlas.jobboard.models import JobOffer
from bioatlas.notifications import service as notifications
from bioatlas.occupations import service as occupations


def now() -> datetime:
    return datetime.now(timezone.utc)



def check_rome(session: Session, *, code: str, appellation: str | None) -> dict[str, Any]:
    """The occupation's label and ROME version (its source key), the appellation's label; an
    unknown code, or an appellation of another occupation, is a FieldError."""
    occupation = occupations.get_occupation(session, code=code)
    if occupation is None:
        raise FieldError("rome_code", "unknown ROME code {code}", params={"code": code})
    out = {"rome_label": occupation.label, "rome_version": occupation.source.key,
           "appellation_code": None, "appellation_label": None}
    if appellation:
        match = next((t for t in occupation.titles if t.code == appellation), None)
        if match is None:
            raise FieldError("appellation_code", "appellation {appellation} is not one of {code}'s job titles", params={"appellation": appellation, "code": code})
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


def search_key(values: Mapping[str, Any]) -> str:
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
    values["search_key"] = search_key(values)
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
        raise Conflict("", "only offers published here can be edited here")
    values = clean(raw, today=today or date.today(), default_days=default_days)
    try:
        site = int(site_id)
    except (TypeError, ValueError):
        raise FieldError("site_id", "choose one of the actor's sites") from None
    values.update(check_rome(session, code=values["rome_code"], appellation=values["appellation_code"]))
    values.update(_place(session, actor_id=offer.actor_id, site_id=site))
    values["search_key"] = search_key(values)
    with unit_of_work(session):
        for key, value in values.items():
            setattr(offer, key, value)
        offer.status, offer.closed_at, offer.close_reason, offer.updated_at = "open", None, None, now()
        accounts.record_audit(session, event="jobboard", user_id=user_id, ip=ip, target=f"job_offer:{offer.id}",
                              detail={"action": "update"})
    return offer


def close(session: Session, *, offer: JobOffer, user_id: int | None, ip: str | None, reason: str = "closed") -> None:
    if offer.status == "closed":
        raise Conflict("", "the offer is already closed")
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
                                                 "expires_on": Moment(offer.expires_on.isoformat(), offer.expires_on)})
            offer.reminded_on = today
            sent += note is not None
    return sent



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
    values["search_key"] = search_key(values)
    session.add(JobOffer(actor_id=actor_id, origin="demo", external_id=key, synthetic=True, status="open", **values))
    session.flush()
    return True

"""Partner search lifecycle: draft → submitted → published/rejected → expired/renewed → closed with an
outcome; the daily expiry and stale reminders; the demo's labelled synthetic opportunities."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts
from bioatlas.atlas import service as atlas
from bioatlas.atlas.service import Taxonomy, gazetteer
from bioatlas.core.db import unit_of_work
from bioatlas.core.fields import FieldError, Word, plain_text
from bioatlas.notifications import service as notifications
from bioatlas.opportunities.alerts import _send_alerts
from bioatlas.opportunities.errors import NOTE_MAX, REASON_MAX, Conflict, NotFound, _aware, _conflict, _refuse, _target, now
from bioatlas.opportunities.fields import OUTCOMES, choice, clean
from bioatlas.opportunities.models import Opportunity
from bioatlas.opportunities.reads import _must, quality_of

STALE_DAYS = 90  # owners of a published opportunity not updated for this long get a reminder
DEFAULT_DAYS = 180  # expiry of a published opportunity without one


# --- writes --------------------------------------------------------------------------------------------


def _clean(session: Session, *, raw: object, taxonomies: Mapping[str, Taxonomy], today: date | None, user_id,
           ip, target: str, action: str) -> dict:
    try:
        return clean(raw, taxonomies, regions=gazetteer().regions, today=today or date.today())
    except FieldError as exc:
        _refuse(session, user_id=user_id, ip=ip, target=target, action=action, exc=exc)
        raise


def _apply(opp: Opportunity, doc: Mapping[str, Any]) -> None:
    for key, value in doc.items():
        setattr(opp, key, value)


def create(session: Session, *, user_id: int | None, ip: str | None, actor_id: int, raw: object,
           taxonomies: Mapping[str, Taxonomy], today: date | None = None) -> Opportunity:
    """A new draft for the actor (the caller checked `opportunities.edit` on the actor)."""
    doc = _clean(session, raw=raw, taxonomies=taxonomies, today=today, user_id=user_id, ip=ip,
                 target=_target(None, actor_id), action="opportunities.create")
    if not atlas.actor_exists(session, actor_id=actor_id):
        raise NotFound("actor_id", "no actor {actor_id}", params={"actor_id": actor_id})
    with unit_of_work(session):
        opp = Opportunity(actor_id=actor_id, author_id=user_id, status="draft")
        _apply(opp, doc)
        session.add(opp)
        session.flush()
        accounts.record_audit(session, event="opportunity", user_id=user_id, ip=ip, target=_target(opp.id),
                              detail={"action": "create", "direction": opp.direction, "kind": opp.kind})
    return opp




def update(session: Session, *, user_id: int | None, ip: str | None, opportunity_id: int, raw: object,
           taxonomies: Mapping[str, Taxonomy], today: date | None = None) -> Opportunity:
    """Replace the opportunity's fields. A submitted, published or rejected one goes back to
    draft (it leaves the lists until an editor publishes it again); a closed one is refused."""
    opp = _must(session, opportunity_id)
    if opp.status == "closed":
        raise _conflict(session, user_id=user_id, ip=ip, opp=opp, action="opportunities.edit",
                        exc=Conflict("status", "the opportunity is closed"))
    doc = _clean(session, raw=raw, taxonomies=taxonomies, today=today, user_id=user_id, ip=ip,
                 target=_target(opp.id), action="opportunities.edit")
    with unit_of_work(session):
        before = opp.status
        _apply(opp, doc)
        opp.status, opp.updated_at = "draft", now()
        accounts.record_audit(session, event="opportunity", user_id=user_id, ip=ip, target=_target(opp.id),
                              detail={"action": "edit", "status_before": before})
    return opp


def submit(session: Session, *, user_id: int | None, ip: str | None, opportunity_id: int) -> Opportunity:
    """Send a draft (or a rejected one) to the editors; every quality rule must be met."""
    opp = _must(session, opportunity_id)
    if opp.status not in ("draft", "rejected"):
        raise _conflict(session, user_id=user_id, ip=ip, opp=opp, action="opportunities.submit",
                        exc=Conflict("status", "the opportunity is {status}; only a draft or a rejected one can be submitted",
                                     params={"status": Word(opp.status, "opportunity status")}))
    missing = [rule for rule, ok in quality_of(opp) if not ok]
    if missing:
        raise _conflict(session, user_id=user_id, ip=ip, opp=opp, action="opportunities.submit",
                        exc=Conflict("quality", "quality rules not met: {rules}", params={"rules": "; ".join(missing)}))
    with unit_of_work(session):
        opp.status, opp.submitted_at, opp.reject_reason = "submitted", now(), None
        accounts.record_audit(session, event="opportunity", user_id=user_id, ip=ip, target=_target(opp.id),
                              detail={"action": "submit"})
    return opp


def review(session: Session, *, user_id: int | None, ip: str | None, opportunity_id: int, decision: object,
           reason: object = None, today: date | None = None) -> Opportunity:
    """An editor publishes a submitted opportunity (expiry DEFAULT_DAYS ahead when none was set)
    or rejects it with a reason; the author is notified."""
    opp = _must(session, opportunity_id)
    try:
        decision = choice("decision", decision, ("publish", "reject"))
        clean_reason = plain_text("reason", reason, REASON_MAX, required=decision == "reject")
    except FieldError as exc:
        _refuse(session, user_id=user_id, ip=ip, target=_target(opp.id), action="opportunities.review", exc=exc)
        raise
    if opp.status != "submitted":
        raise _conflict(session, user_id=user_id, ip=ip, opp=opp, action="opportunities.review",
                        exc=Conflict("status", "the opportunity is {status}; only a submitted one can be reviewed",
                                     params={"status": Word(opp.status, "opportunity status")}))
    with unit_of_work(session):
        opp.reviewed_by = user_id
        if decision == "publish":
            opp.status, opp.published_at, opp.updated_at = "published", now(), now()
            opp.expires_on = opp.expires_on or (today or date.today()) + timedelta(days=DEFAULT_DAYS)
            _send_alerts(session, opp)
        else:
            opp.status, opp.reject_reason = "rejected", clean_reason
        accounts.record_audit(session, event="opportunity", user_id=user_id, ip=ip, target=_target(opp.id),
                              detail={"action": decision, "reason": clean_reason or None})
        if opp.author_id is not None:
            notifications.notify(session, user_id=opp.author_id, kind="opportunities.reviewed",
                                 context={"title": opp.title_fr or opp.title_en, "decision": decision,
                                          "reason": clean_reason or ""}, link=f"/opportunities/{opp.id}")
    return opp


def close(session: Session, *, user_id: int | None, ip: str | None, opportunity_id: int, outcome: object,
          note: object = None) -> Opportunity:
    """Close with an outcome (agreement type, or "none"); it leaves the lists."""
    opp = _must(session, opportunity_id)
    try:
        outcome = choice("outcome", outcome, OUTCOMES)
        clean_note = plain_text("note", note, NOTE_MAX)
    except FieldError as exc:
        _refuse(session, user_id=user_id, ip=ip, target=_target(opp.id), action="opportunities.close", exc=exc)
        raise
    if opp.status == "closed":
        raise _conflict(session, user_id=user_id, ip=ip, opp=opp, action="opportunities.close",
                        exc=Conflict("status", "the opportunity is already closed"))
    with unit_of_work(session):
        opp.status, opp.outcome, opp.outcome_note, opp.closed_at = "closed", outcome, clean_note or None, now()
        accounts.record_audit(session, event="opportunity", user_id=user_id, ip=ip, target=_target(opp.id),
                              detail={"action": "close", "outcome": outcome})
    return opp


def renew(session: Session, *, user_id: int | None, ip: str | None, opportunity_id: int, days: object = DEFAULT_DAYS,
          today: date | None = None) -> Opportunity:
    """Extend a published or expired opportunity by `days` (1..366) from today; it is listed again."""
    opp = _must(session, opportunity_id)
    try:
        n = int(days) if isinstance(days, (int, str)) and str(days).strip().isdigit() else -1
        if not 1 <= n <= 366:
            raise FieldError("days", "expected a number of days between 1 and 366")
    except FieldError as exc:
        _refuse(session, user_id=user_id, ip=ip, target=_target(opp.id), action="opportunities.renew", exc=exc)
        raise
    if opp.status not in ("published", "expired"):
        raise _conflict(session, user_id=user_id, ip=ip, opp=opp, action="opportunities.renew",
                        exc=Conflict("status", "the opportunity is {status}; only a published or expired one can be renewed",
                                     params={"status": Word(opp.status, "opportunity status")}))
    with unit_of_work(session):
        opp.status, opp.expires_on = "published", (today or date.today()) + timedelta(days=n)
        opp.updated_at, opp.reminded_at = now(), None
        accounts.record_audit(session, event="opportunity", user_id=user_id, ip=ip, target=_target(opp.id),
                              detail={"action": "renew", "days": n})
    return opp


def expire_due(session: Session, *, today: date | None = None) -> int:
    """Mark published opportunities past their expiry as expired (the daily task); their count."""
    today = today or date.today()
    rows = list(session.scalars(select(Opportunity).where(Opportunity.status == "published",
                                                          Opportunity.expires_on < today)))
    with unit_of_work(session):
        for opp in rows:
            opp.status = "expired"
            if opp.author_id is not None:
                notifications.notify(session, user_id=opp.author_id, kind="opportunities.expired",
                                     context={"title": opp.title_fr or opp.title_en},
                                     link=f"/opportunities/{opp.id}")
    return len(rows)


def remind_stale(session: Session, *, days: int = STALE_DAYS, at: datetime | None = None) -> int:
    """Remind the authors of published opportunities not updated for `days` days, at most once
    per `days` days each (`reminded_at`); their count."""
    at = at or now()
    since = at - timedelta(days=days)
    rows = [o for o in session.scalars(select(Opportunity).where(Opportunity.status == "published",
                                                                Opportunity.author_id.is_not(None)))
            if _aware(o.updated_at) < since and (o.reminded_at is None or _aware(o.reminded_at) < since)]
    with unit_of_work(session):
        for opp in rows:
            opp.reminded_at = at
            notifications.notify(session, user_id=opp.author_id, kind="opportunities.stale",  # type: ignore[arg-type]
                                 context={"title": opp.title_fr or opp.title_en, "days": days},
                                 link=f"/opportunities/{opp.id}")
    return len(rows)




# --- demo -------------------------------------------------------------------------------------------------


def put_demo(session: Session, *, actor_id: int, raw: Mapping[str, Any], note: str,
             taxonomies: Mapping[str, Taxonomy], today: date | None = None) -> bool:
    """Publish a labelled synthetic opportunity (`synthetic_note`); idempotent: False when the
    actor already has one with this French title."""
    doc = clean(raw, taxonomies, regions=gazetteer().regions, today=today or date.today())
    if session.scalar(select(func.count()).select_from(Opportunity).where(
            Opportunity.actor_id == actor_id, Opportunity.title_fr == doc["title_fr"])):
        return False
    with unit_of_work(session):
        opp = Opportunity(actor_id=actor_id, status="published", synthetic_note=note, published_at=now())
        _apply(opp, doc)
        session.add(opp)
    return True

"""The partner-search room's public interface (keyword-only): members of an actor publish offers
and requests, editors review them, everyone searches the published ones and sees explainable
matches; logged-in users express interest, the owner accepts (a conversation thread opens
through `messaging.service`) or declines; the owner closes with an outcome.

Refusals raise `FieldError` (422, naming the field), `NotFound` (404), `Conflict` (409) or
`RateLimited` (429); nothing is stored on a refusal and every refusal is audited."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bioatlas.accounts import service as accounts
from bioatlas.accounts.policy import ActorScope, Principal, can
from bioatlas.atlas import service as atlas
from bioatlas.atlas.service import Taxonomy, gazetteer
from bioatlas.capacity import service as capacity
from bioatlas.core.db import unit_of_work
from bioatlas.messaging import service as messaging
from bioatlas.notifications import service as notifications
from bioatlas.opportunities import matching
from bioatlas.opportunities.fields import DIRECTIONS, KINDS, OUTCOMES, FieldError, choice, clean, codes, quality, region_codes, text
from bioatlas.opportunities.models import Alert, Interest, Opportunity

__all__ = [  # noqa: RUF022  (grouped by purpose)
    "OpportunityError", "NotFound", "Conflict", "RateLimited", "FieldError", "Match",
    "create", "update", "submit", "review", "close", "renew", "expire_due", "remind_stale", "express_interest", "answer_interest",
    "get", "scope_of", "actor_names", "display_names", "listing", "mine", "review_queue", "matches", "interests_of", "quality_of", "shows_name",
    "figures", "figures_by_region_and_modality", "put_demo", "alerts_of", "save_alert", "delete_alert", "MAX_ALERTS", "export_personal", "erase_personal", "DEFAULT_DAYS", "STALE_DAYS", "INTERESTS_PER_DAY", "OUTCOMES",
]
STALE_DAYS = 90  # owners of a published opportunity not updated for this long get a reminder
DEFAULT_DAYS = 180  # expiry of a published opportunity without one
INTERESTS_PER_DAY = 10  # expressions of interest one user may send in 24 hours
REASON_MAX, NOTE_MAX, INTEREST_MAX = 1000, 2000, 4000


def now() -> datetime:
    return datetime.now(timezone.utc)


class OpportunityError(ValueError):
    status = 400

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


class NotFound(OpportunityError):
    status = 404


class Conflict(OpportunityError):
    status = 409


class RateLimited(OpportunityError):
    status = 429


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


def _refuse(session: Session, *, user_id: int | None, ip: str | None, target: str, action: str,
            exc: OpportunityError | FieldError) -> None:
    """Keep the refusal in the audit log, outside the rolled-back unit of work."""
    accounts.record_audit_now(sessionmaker(bind=session.get_bind()), event="refused", user_id=user_id, ip=ip,
                              target=target, detail={"action": action, "field": exc.field, "reason": str(exc)[:500]})


def _target(opportunity_id: int | None, actor_id: int | None = None) -> str:
    return f"opportunity:{opportunity_id}" if opportunity_id else f"actor:{actor_id}"


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
    before the daily task marks them), newest first, and facet counts over them."""
    today = today or date.today()
    query = select(Opportunity).where(_live(today))
    if direction:
        query = query.where(Opportunity.direction == direction)
    if kind:
        query = query.where(Opportunity.kind == kind)
    rows = list(session.scalars(query.order_by(Opportunity.published_at.desc(), Opportunity.id.desc())))
    if modalities:
        rows = [o for o in rows if modalities & set(o.modalities or ())]
    if region:
        regions = _regions(session, [o.actor_id for o in rows])
        rows = [o for o in rows if region in (o.regions or ()) or region in regions.get(o.actor_id, ())]
    facets: dict[str, dict[str, int]] = {"direction": {}, "kind": {}, "modality": {}}
    for o in rows:
        for name, values in (("direction", [o.direction]), ("kind", [o.kind]), ("modality", o.modalities or [])):
            for v in values:
                facets[name][v] = facets[name].get(v, 0) + 1
    return rows[:limit], facets


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


def shows_name(session: Session, *, opp: Opportunity, principal: Principal) -> bool:
    """A confidential opportunity names its organisation only to its members, admins and those
    whose expression of interest it accepted."""
    if not opp.confidential or principal.is_admin or opp.actor_id in principal.member_of:
        return True
    if principal.user_id is None:
        return False
    return (session.scalar(select(func.count()).select_from(Interest).where(
        Interest.opportunity_id == opp.id, Interest.user_id == principal.user_id, Interest.status == "accepted")) or 0) > 0


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
        raise NotFound("actor_id", f"no actor {actor_id}")
    with unit_of_work(session):
        opp = Opportunity(actor_id=actor_id, author_id=user_id, status="draft")
        _apply(opp, doc)
        session.add(opp)
        session.flush()
        accounts.record_audit(session, event="opportunity", user_id=user_id, ip=ip, target=_target(opp.id),
                              detail={"action": "create", "direction": opp.direction, "kind": opp.kind})
    return opp


def _must(session: Session, opportunity_id: int) -> Opportunity:
    opp = get(session, opportunity_id=opportunity_id)
    if opp is None:
        raise NotFound("opportunity_id", f"no opportunity {opportunity_id}")
    return opp


def _conflict(session: Session, *, user_id, ip, opp: Opportunity, action: str, message: str,
              field_name: str = "status") -> Conflict:
    exc = Conflict(field_name, message)
    _refuse(session, user_id=user_id, ip=ip, target=_target(opp.id), action=action, exc=exc)
    return exc


def update(session: Session, *, user_id: int | None, ip: str | None, opportunity_id: int, raw: object,
           taxonomies: Mapping[str, Taxonomy], today: date | None = None) -> Opportunity:
    """Replace the opportunity's fields. A submitted, published or rejected one goes back to
    draft (it leaves the lists until an editor publishes it again); a closed one is refused."""
    opp = _must(session, opportunity_id)
    if opp.status == "closed":
        raise _conflict(session, user_id=user_id, ip=ip, opp=opp, action="opportunities.edit",
                        message="the opportunity is closed")
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
                        message=f"the opportunity is {opp.status}; only a draft or a rejected one can be submitted")
    missing = [rule for rule, ok in quality_of(opp) if not ok]
    if missing:
        raise _conflict(session, user_id=user_id, ip=ip, opp=opp, action="opportunities.submit",
                        message="quality rules not met: " + "; ".join(missing), field_name="quality")
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
        clean_reason = text("reason", reason, REASON_MAX, required=decision == "reject")
    except FieldError as exc:
        _refuse(session, user_id=user_id, ip=ip, target=_target(opp.id), action="opportunities.review", exc=exc)
        raise
    if opp.status != "submitted":
        raise _conflict(session, user_id=user_id, ip=ip, opp=opp, action="opportunities.review",
                        message=f"the opportunity is {opp.status}; only a submitted one can be reviewed")
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
        clean_note = text("note", note, NOTE_MAX)
    except FieldError as exc:
        _refuse(session, user_id=user_id, ip=ip, target=_target(opp.id), action="opportunities.close", exc=exc)
        raise
    if opp.status == "closed":
        raise _conflict(session, user_id=user_id, ip=ip, opp=opp, action="opportunities.close",
                        message="the opportunity is already closed")
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
                        message=f"the opportunity is {opp.status}; only a published or expired one can be renewed")
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


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def express_interest(session: Session, *, user_id: int, ip: str | None, opportunity_id: int, raw: object,
                     member_of: frozenset[int] | set[int], at: datetime | None = None) -> Interest:
    """A structured reply to a published opportunity: `{"actor_id": on behalf of (one of the
    user's actors, optional), "what", "why", "message"}`. Refused on a closed, expired or
    unpublished opportunity, on one's own, a second pending one, or beyond INTERESTS_PER_DAY."""
    opp = _must(session, opportunity_id)
    target, action = _target(opp.id), "opportunities.interest"
    at = at or now()
    try:
        if not isinstance(raw, Mapping):
            raise FieldError("interest", "expected an object")
        unknown = sorted(set(raw) - {"actor_id", "what", "why", "message"})
        if unknown:
            raise FieldError(str(unknown[0])[:40], "unknown field")
        what = text("what", raw.get("what"), INTEREST_MAX, required=True)
        why = text("why", raw.get("why"), INTEREST_MAX, required=True)
        message = text("message", raw.get("message"), INTEREST_MAX)
        on_behalf = raw.get("actor_id") or None
        if on_behalf is not None:
            try:
                on_behalf = int(on_behalf)
            except (TypeError, ValueError):
                raise FieldError("actor_id", "expected an actor id") from None
            if on_behalf not in member_of:
                raise FieldError("actor_id", "you may answer on behalf of your own actors only")
    except FieldError as exc:
        _refuse(session, user_id=user_id, ip=ip, target=target, action=action, exc=exc)
        raise
    problem: OpportunityError | None = None
    if opp.status != "published" or (opp.expires_on is not None and opp.expires_on < at.date()):
        problem = Conflict("opportunity", f"the opportunity is {'expired' if opp.status == 'published' else opp.status}: "
                                          "it takes no expression of interest")
    elif opp.actor_id in member_of or opp.author_id == user_id:
        problem = Conflict("opportunity", "this is your own organisation's opportunity")
    elif session.scalar(select(func.count()).select_from(Interest).where(
            Interest.opportunity_id == opp.id, Interest.user_id == user_id, Interest.status != "declined")):
        problem = Conflict("opportunity", "you already expressed interest in this opportunity")
    elif (session.scalar(select(func.count()).select_from(Interest).where(
            Interest.user_id == user_id, Interest.created_at >= at - timedelta(days=1))) or 0) >= INTERESTS_PER_DAY:
        problem = RateLimited("interest", f"at most {INTERESTS_PER_DAY} expressions of interest in 24 hours")
    if problem is not None:
        _refuse(session, user_id=user_id, ip=ip, target=target, action=action, exc=problem)
        raise problem
    with unit_of_work(session):
        interest = Interest(opportunity_id=opp.id, user_id=user_id, actor_id=on_behalf, what=what, why=why,
                            message=message, status="pending", created_at=at)
        session.add(interest)
        session.flush()
        accounts.record_audit(session, event="opportunity", user_id=user_id, ip=ip, target=target,
                              detail={"action": "interest", "interest": interest.id})
        if opp.author_id is not None and opp.author_id != user_id:
            notifications.notify(session, user_id=opp.author_id, kind="opportunities.interest",
                                 context={"title": opp.title_fr or opp.title_en},
                                 link=f"/opportunities/{opp.id}")
    return interest


def answer_interest(session: Session, *, user_id: int | None, ip: str | None, opportunity_id: int,
                    interest_id: int, decision: object) -> Interest:
    """The owner accepts (a conversation thread opens between them, context "opportunity") or
    declines a pending expression of interest; its author is notified."""
    opp = _must(session, opportunity_id)
    interest = session.get(Interest, interest_id)
    if interest is None or interest.opportunity_id != opp.id:
        raise NotFound("interest_id", f"no expression of interest {interest_id} on this opportunity")
    try:
        decision = choice("decision", decision, ("accept", "decline"))
    except FieldError as exc:
        _refuse(session, user_id=user_id, ip=ip, target=_target(opp.id), action="opportunities.answer", exc=exc)
        raise
    if interest.status != "pending":
        raise _conflict(session, user_id=user_id, ip=ip, opp=opp, action="opportunities.answer",
                        message=f"the expression of interest is already {interest.status}")
    with unit_of_work(session):
        interest.status, interest.answered_at, interest.answered_by = (
            "accepted" if decision == "accept" else "declined"), now(), user_id
        owner = user_id if user_id is not None else opp.author_id
        if decision == "accept" and owner is not None and owner != interest.user_id:
            try:
                thread = messaging.open_thread(
                    session, user_ids=[interest.user_id], opened_by=owner, accepted=True,
                    context={"kind": "opportunity", "id": opp.id, "label": (opp.title_fr or opp.title_en)[:200],
                             "url": f"/opportunities/{opp.id}"})
                # the expression of interest opens the conversation, in its author's name
                body = "\n\n".join(part for part in (interest.what, interest.why, interest.message) if part)
                messaging.post_message(session, thread_id=thread.id, sender_id=interest.user_id,
                                       body=body[:INTEREST_MAX])
            except messaging.MessagingError as exc:
                refusal = OpportunityError("interest_id", str(exc))
                refusal.status = exc.status
                session.rollback()  # release the write lock before the refusal's own transaction
                _refuse(session, user_id=user_id, ip=ip, target=_target(opp.id), action="opportunities.answer",
                        exc=refusal)
                raise refusal from None
            interest.thread_id = thread.id
        accounts.record_audit(session, event="opportunity", user_id=user_id, ip=ip, target=_target(opp.id),
                              detail={"action": decision, "interest": interest.id, "thread": interest.thread_id})
        notifications.notify(session, user_id=interest.user_id, kind="opportunities.answered",
                             context={"title": opp.title_fr or opp.title_en, "decision": decision},
                             link=f"/messages/{interest.thread_id}" if interest.thread_id else f"/opportunities/{opp.id}")
    return interest


# --- saved searches (alerts) -----------------------------------------------------------------------------

MAX_ALERTS = 20


def alerts_of(session: Session, *, user_id: int) -> list[Alert]:
    return list(session.scalars(select(Alert).where(Alert.user_id == user_id).order_by(Alert.id)))


def save_alert(session: Session, *, user_id: int, ip: str | None, raw: object,
               taxonomies: Mapping[str, Taxonomy]) -> Alert:
    """A saved search `{"direction", "kind", "modalities", "regions"}` (all optional); at most
    MAX_ALERTS per user."""
    try:
        if not isinstance(raw, Mapping):
            raise FieldError("alert", "expected an object")
        unknown = sorted(set(raw) - {"direction", "kind", "modalities", "regions"})
        if unknown:
            raise FieldError(str(unknown[0])[:40], "unknown field")
        direction = choice("direction", raw["direction"], DIRECTIONS) if raw.get("direction") else None
        kind = choice("kind", raw["kind"], KINDS) if raw.get("kind") else None
        modalities = codes("modalities", raw.get("modalities"), taxonomies["modalities"])
        regions = region_codes("regions", raw.get("regions"), gazetteer().regions)
        if len(alerts_of(session, user_id=user_id)) >= MAX_ALERTS:
            raise FieldError("alert", f"at most {MAX_ALERTS} saved searches: delete one first")
    except FieldError as exc:
        _refuse(session, user_id=user_id, ip=ip, target=f"user:{user_id}", action="opportunities.alert", exc=exc)
        raise
    with unit_of_work(session):
        alert = Alert(user_id=user_id, direction=direction, kind=kind, modalities=modalities, regions=regions)
        session.add(alert)
    return alert


def delete_alert(session: Session, *, user_id: int, alert_id: int) -> None:
    alert = session.get(Alert, alert_id)
    if alert is None or alert.user_id != user_id:
        raise NotFound("alert_id", f"no saved search {alert_id} of yours")
    with unit_of_work(session):
        session.delete(alert)


def _alert_matches(alert: Alert, opp: Opportunity, actor_regions: set[str]) -> bool:
    if alert.direction and alert.direction != opp.direction:
        return False
    if alert.kind and alert.kind != opp.kind:
        return False
    if alert.modalities and not set(alert.modalities) & set(opp.modalities or ()):
        return False
    return not alert.regions or bool(set(alert.regions) & (set(opp.regions or ()) | actor_regions))


def _send_alerts(session: Session, opp: Opportunity) -> int:
    """Notify the owners of the saved searches the newly published opportunity meets (not its
    author); the caller commits."""
    regions = _regions(session, [opp.actor_id]).get(opp.actor_id, set())
    told = set()
    for alert in session.scalars(select(Alert).order_by(Alert.id)):
        if alert.user_id in told or alert.user_id == opp.author_id or not _alert_matches(alert, opp, regions):
            continue
        told.add(alert.user_id)
        notifications.notify(session, user_id=alert.user_id, kind="opportunities.alert",
                             context={"title": opp.title_fr or opp.title_en, "direction": opp.direction},
                             link=f"/opportunities/{opp.id}")
    return len(told)


# --- matching ------------------------------------------------------------------------------------------


def _regions(session: Session, actor_ids: list[int]) -> dict[int, set[str]]:
    sites = atlas.sites_selectable()
    out: dict[int, set[str]] = {}
    ids = sorted(set(actor_ids))
    for start in range(0, len(ids), 500):
        for actor_id, region in session.execute(select(sites.c.actor_id, sites.c.region).where(
                sites.c.actor_id.in_(ids[start:start + 500]), sites.c.region.is_not(None))):
            out.setdefault(actor_id, set()).add(region)
    return out


def _coordinates(session: Session, actor_ids: list[int]) -> dict[int, list[tuple[float, float]]]:
    out: dict[int, list[tuple[float, float]]] = {}
    for site in atlas.located_sites(session, actor_ids=actor_ids, bbox=(-180.0, -90.0, 180.0, 90.0)):
        out.setdefault(site.actor_id, []).append((site.latitude, site.longitude))
    return out


def _side(opp: Opportunity, actors, regions) -> matching.Side:
    actor = actors.get(opp.actor_id)
    return matching.Side(
        direction=opp.direction, kind=opp.kind, actor_id=opp.actor_id, actor_kind=actor.kind if actor else "",
        actor_regions=frozenset(regions.get(opp.actor_id, ())), modalities=frozenset(opp.modalities or ()),
        steps=frozenset(opp.steps or ()), expression_systems=frozenset(opp.expression_systems or ()),
        capacity=opp.capacity, regions=frozenset(opp.regions or ()), countries=frozenset(opp.countries or ()),
        words=matching.words_of(opp.title_fr, opp.title_en, opp.description_fr, opp.description_en))


ACTOR_CANDIDATES = 2000  # actors stating one of the request's modalities, read at most


def _actor_sides(session: Session, *, request: Opportunity, taxonomies: Mapping[str, Taxonomy]):
    """(actor, Side) for the active actors whose stated or inferred capabilities include one of
    the request's modalities (widened to sub-terms by the atlas's filter): direction "offer",
    kind "actor", no capacity facts (so a request with a scale, grade or window rules them out)."""
    conditions = atlas.view_conditions(atlas.ActorFilter(modality=tuple(request.modalities)), taxonomies=taxonomies)
    actors = list(session.scalars(select(atlas.Actor).where(*conditions).options(
        selectinload(atlas.Actor.capabilities)).order_by(atlas.Actor.id).limit(ACTOR_CANDIDATES)))
    regions = _regions(session, [a.id for a in actors])
    for actor in actors:
        facets: dict[str, set[str]] = {}
        for cap in actor.capabilities:
            facets.setdefault(cap.facet, set()).add(cap.code)
        yield actor, matching.Side(
            direction="offer", kind="actor", actor_id=actor.id, actor_kind=actor.kind,
            actor_regions=frozenset(regions.get(actor.id, ())), modalities=frozenset(facets.get("modalities", ())),
            steps=frozenset(facets.get("value_chain", ())),
            expression_systems=frozenset(facets.get("expression_systems", ())),
            words=matching.words_of(actor.description_fr, actor.description_en))


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


def matches(session: Session, *, opportunity_id: int, taxonomies: Mapping[str, Taxonomy], principal: Principal,
            today: date | None = None, limit: int = 10) -> list[Match]:
    """For a request: the published offers, the actors' capacity profiles (capacity requests) and
    the actors whose stated or inferred capabilities include one of its modalities, that meet its
    hard constraints, ranked, one per actor, with reasons. For an offer: the published requests it
    answers (the same pairing, reversed)."""
    today = today or date.today()
    opp = _must(session, opportunity_id)
    others = list(session.scalars(select(Opportunity).where(
        _live(today), Opportunity.direction != opp.direction, Opportunity.id != opp.id)))
    ids = [opp.actor_id, *[o.actor_id for o in others]]
    actors = atlas.load_actors(session, ids=ids)
    regions = _regions(session, ids)
    me = _side(opp, actors, regions)
    modalities = taxonomies["modalities"]
    fits: list[tuple[Any, int, matching.Fit]] = []
    for other in others:
        side = _side(other, actors, regions)
        fit = matching.pair(me, side, modalities=modalities) if opp.direction == "request" else matching.pair(
            side, me, modalities=modalities)
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
        for actor, side in _actor_sides(session, request=opp, taxonomies=taxonomies):
            fit = matching.pair(me, side, modalities=modalities)
            if fit is not None:
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


# --- observatory figures -------------------------------------------------------------------------------


def figures(session: Session) -> dict[str, Any]:
    """Counts for the observatory: opportunities published (ever), expressions of interest,
    accepted contacts, recorded agreements (by outcome), median days to the first answer."""
    published = session.scalar(select(func.count()).select_from(Opportunity).where(
        Opportunity.published_at.is_not(None))) or 0
    interests = session.scalar(select(func.count()).select_from(Interest)) or 0
    accepted = session.scalar(select(func.count()).select_from(Interest).where(Interest.status == "accepted")) or 0
    outcomes: dict[str, int] = {outcome: n for outcome, n in session.execute(select(
        Opportunity.outcome, func.count()).where(Opportunity.status == "closed").group_by(Opportunity.outcome)) if outcome}
    delays = sorted((_aware(i.answered_at) - _aware(i.created_at)).total_seconds() / 86400 for i in session.scalars(
        select(Interest).where(Interest.answered_at.is_not(None))) if i.created_at and i.answered_at)
    median = None
    if delays:
        mid = len(delays) // 2
        median = delays[mid] if len(delays) % 2 else (delays[mid - 1] + delays[mid]) / 2
    return {"published": published, "interests": interests, "accepted": accepted,
            "agreements": {k: v for k, v in outcomes.items() if k and k != "none"},
            "median_days_to_answer": round(median, 2) if median is not None else None}


def figures_by_region_and_modality(session: Session) -> dict[tuple[str, str], dict[str, int]]:
    """{(region of the opportunity's actor, or "?"; modality, or "none"): {published, interests,
    accepted, agreements}}: opportunities ever published, expressions of interest received,
    accepted ones, closed with an agreement (any outcome but "none")."""
    opps = list(session.scalars(select(Opportunity).where(Opportunity.published_at.is_not(None))))
    regions = _regions(session, [o.actor_id for o in opps])
    counts: dict[int, tuple[int, int]] = {}
    for opp_id, status, n in session.execute(select(Interest.opportunity_id, Interest.status, func.count())
                                             .group_by(Interest.opportunity_id, Interest.status)):
        total, accepted = counts.get(opp_id, (0, 0))
        counts[opp_id] = (total + n, accepted + (n if status == "accepted" else 0))
    out: dict[tuple[str, str], dict[str, int]] = {}
    for o in opps:
        interests, accepted = counts.get(o.id, (0, 0))
        agreed = int(o.status == "closed" and o.outcome not in (None, "none"))
        for region in sorted(regions.get(o.actor_id) or {"?"}):
            for modality in (o.modalities or ["none"]):
                row = out.setdefault((region, modality), {"published": 0, "interests": 0, "accepted": 0, "agreements": 0})
                row["published"] += 1
                row["interests"] += interests
                row["accepted"] += accepted
                row["agreements"] += agreed
    return out


# --- personal data -------------------------------------------------------------------------------------


def export_personal(session: Session, *, user_id: int) -> list[dict]:
    rows: list[dict] = [{"opportunity_id": o.id, "role": "author", "title": o.title_fr or o.title_en,
                         "status": o.status} for o in session.scalars(
        select(Opportunity).where(Opportunity.author_id == user_id).order_by(Opportunity.id))]
    rows += [{"opportunity_id": i.opportunity_id, "role": "expression of interest", "what": i.what, "why": i.why,
              "message": i.message, "status": i.status, "created_at": i.created_at.isoformat() if i.created_at else None}
             for i in session.scalars(select(Interest).where(Interest.user_id == user_id).order_by(Interest.id))]
    rows += [{"role": "saved search", "direction": a.direction, "kind": a.kind, "modalities": a.modalities,
              "regions": a.regions} for a in alerts_of(session, user_id=user_id)]
    return rows


def erase_personal(session: Session, *, user_id: int) -> None:
    """Forget the user (the caller commits): their expressions of interest and saved searches
    go; the opportunities they wrote stay with their actor, unsigned."""
    for a in session.scalars(select(Alert).where(Alert.user_id == user_id)):
        session.delete(a)
    for i in session.scalars(select(Interest).where(Interest.user_id == user_id)):
        session.delete(i)
    for o in session.scalars(select(Opportunity).where(
            (Opportunity.author_id == user_id) | (Opportunity.reviewed_by == user_id))):
        if o.author_id == user_id:
            o.author_id = None
        if o.reviewed_by == user_id:
            o.reviewed_by = None
    for i in session.scalars(select(Interest).where(Interest.answered_by == user_id)):
        i.answered_by = None

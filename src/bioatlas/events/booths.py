"""Booth applications reviewed by organisers: a member of an atlas actor asks for a stand (type,
a wish for its place, a short presentation); organisers accept it at a booth of the floor plan
(the application becomes an exhibitor through `exhibitors.add_exhibitor`, so booth rules and
conflicts are the same as for exhibitors added directly), put it on the waiting list, or refuse
it with a reason. The applicant is told (notification kind `events.booth`, e-mail by default);
every decision is in the audit log. The applicant may withdraw its application while it is under
review or wait-listed, or once accepted (the booth is freed: the exhibitor goes, and the organisers
are told, kind `events.booth_free`, the wait-listed applications first on their review page;
nothing is given automatically); audited too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts
from bioatlas.core.fields import Word
from bioatlas.events.booth_models import STAND_TYPES, BoothApplication
from bioatlas.events.catalogue import actor_names, organisers_of
from bioatlas.events.errors import Conflict, FieldError, NotFound
from bioatlas.events.exhibitors import add_exhibitor, remove_exhibitor
from bioatlas.events.models import Event, Exhibitor
from bioatlas.notifications import service as notifications

DECISIONS = ("accepted", "waitlisted", "refused")
OPEN = ("submitted", "waitlisted")
WITHDRAWABLE = ("submitted", "waitlisted", "accepted")
FIRST = {"waitlisted": 0, "submitted": 1}  # the review page's order
MAX_TEXT = 500


@dataclass(frozen=True)
class BoothApplicationView:
    row: BoothApplication
    actor_name: str
    booth: str  # the booth given, when accepted


def apply_for_booth(session: Session, *, event: Event, user_id: int, actor_id: int, stand_type: str, wish: str = "",
                    text: str = "") -> BoothApplication:
    """An application by a member of `actor_id`; one open application per actor and event, none
    for an actor that already exhibits."""
    if actor_id not in accounts.member_actor_ids(session, user_id=user_id):
        raise FieldError("actor", "you can only apply for an actor you are a member of")
    if stand_type not in STAND_TYPES:
        raise FieldError("stand_type", "one of {choices}", params={"choices": ', '.join(STAND_TYPES)})
    wish, text = (wish or "").strip(), (text or "").strip()
    if len(wish) > 200:
        raise FieldError("wish", "at most 200 characters")
    if len(text) > MAX_TEXT:
        raise FieldError("text", "at most {max} characters", params={"max": MAX_TEXT})
    name = dict(actor_names(session, actor_ids=[actor_id])).get(actor_id, str(actor_id))
    booth = session.scalar(select(Exhibitor.booth).where(Exhibitor.event_id == event.id,
                                                         Exhibitor.actor_id == actor_id))
    if booth is not None:
        raise Conflict("actor", "{name} already exhibits at booth {booth}", params={"name": name, "booth": booth})
    if session.scalar(select(BoothApplication.id).where(BoothApplication.event_id == event.id,
                                                        BoothApplication.actor_id == actor_id,
                                                        BoothApplication.status.in_(OPEN))):
        raise FieldError("actor", "{name} already has an application under review", params={"name": name})
    row = BoothApplication(event_id=event.id, actor_id=actor_id, user_id=user_id, stand_type=stand_type, wish=wish,
                           text=text, status="submitted")
    session.add(row)
    session.flush()
    return row


def booth_applications(session: Session, *, event_id: int, user_id: int | None = None) -> list[BoothApplicationView]:
    """The event's applications (or one account's): the wait-listed first (a freed booth is offered
    to them), then those under review, then the decided ones, each in order of arrival."""
    q = select(BoothApplication).where(BoothApplication.event_id == event_id)
    if user_id is not None:
        q = q.where(BoothApplication.user_id == user_id)
    rows = list(session.scalars(q.order_by(BoothApplication.created_at, BoothApplication.id)))
    rows.sort(key=lambda r: FIRST.get(r.status, len(FIRST)))
    names = dict(actor_names(session, actor_ids=[r.actor_id for r in rows]))
    booths = {x.id: x.booth for x in session.scalars(select(Exhibitor).where(Exhibitor.event_id == event_id))}
    return [BoothApplicationView(row=r, actor_name=names.get(r.actor_id, ""),
                                 booth=booths.get(r.exhibitor_id, "") if r.exhibitor_id else "") for r in rows]


def decide_booth(session: Session, *, event: Event, application_id: int, decision: str, booth: str = "",
                 reason: str = "", by_user_id: int | None, ip: str | None = None) -> BoothApplication:
    """Accept (at `booth`), wait-list or refuse (with a `reason`) an open application."""
    row = session.get(BoothApplication, application_id)
    if row is None or row.event_id != event.id:
        raise NotFound(f"no booth application {application_id}")
    if decision not in DECISIONS:
        raise FieldError("decision", "one of {choices}", params={"choices": ', '.join(DECISIONS)})
    if row.status not in OPEN:
        raise Conflict("decision", "this application is already {status}", params={"status": Word(row.status, "booth application status")})
    reason = (reason or "").strip()
    if len(reason) > 2000:
        raise FieldError("reason", "at most 2,000 characters")
    if decision == "refused" and len(reason) < 3:
        raise FieldError("reason", "required to refuse: tell the applicant why")
    if decision == "accepted":
        if not booth.strip():
            raise FieldError("booth", "required to accept: the booth number on the floor plan (e.g. A12)")
        exhibitor = add_exhibitor(session, event=event, actor_ref=str(row.actor_id), booth=booth,
                                  village=row.stand_type == "village", description=row.text)
        row.exhibitor_id = exhibitor.id
        booth = exhibitor.booth
    row.status, row.reason = decision, reason
    row.decided_at, row.decided_by = datetime.now(timezone.utc), by_user_id
    session.flush()
    accounts.record_audit(session, event="events.booth_decision", user_id=by_user_id, ip=ip,
                          target=f"event_booth_application:{row.id}",
                          detail={"event_id": event.id, "actor_id": row.actor_id, "decision": decision,
                                  "booth": booth if decision == "accepted" else None})
    if row.user_id is not None:
        notifications.notify(session, user_id=row.user_id, kind="events.booth",
                             context={"event": event.title, "status": decision, "booth": booth, "reason": reason,
                                      "actor": dict(actor_names(session, actor_ids=[row.actor_id])).get(row.actor_id, "")},
                             link=f"/events/{event.id}/booths")
    return row


def withdraw_booth(session: Session, *, event: Event, application_id: int, user_id: int,
                   ip: str | None = None) -> BoothApplication:
    """The applicant withdraws its application (under review, wait-listed or accepted: an accepted
    one frees its booth). Someone else's application is not found (nothing revealed); a refused
    or already withdrawn one is refused, 409."""
    row = session.get(BoothApplication, application_id)
    if row is None or row.event_id != event.id or row.user_id is None or row.user_id != user_id:
        raise NotFound(f"no booth application {application_id} of yours")
    if row.status not in WITHDRAWABLE:
        raise Conflict("application", "this application is already {status}", params={"status": Word(row.status, "booth application status")})
    booth = None
    if row.status == "accepted" and row.exhibitor_id is not None:
        exhibitor = session.get(Exhibitor, row.exhibitor_id)
        if exhibitor is not None:
            booth = exhibitor.booth
            remove_exhibitor(session, event=event, exhibitor_id=exhibitor.id)
        row.exhibitor_id = None
    before, row.status = row.status, "withdrawn"
    row.decided_at, row.decided_by = datetime.now(timezone.utc), user_id
    session.flush()
    accounts.record_audit(session, event="events.booth_withdrawn", user_id=user_id, ip=ip,
                          target=f"event_booth_application:{row.id}",
                          detail={"event_id": event.id, "actor_id": row.actor_id, "was": before, "booth_freed": booth})
    if booth is not None:
        tell_booth_free(session, event=event, booth=booth, actor_id=row.actor_id, but=user_id)
    return row


def tell_booth_free(session: Session, *, event: Event, booth: str, actor_id: int, but: int | None = None) -> list[int]:
    """The organisers (members of the organising actors, but the one who freed it) told that `booth`
    is free and how many applications wait for one; nothing is given automatically. Returns the
    accounts told."""
    users = sorted({u for a in organisers_of(session, event_id=event.id)
                    for u in accounts.actor_member_ids(session, actor_id=a)} - {but})
    waiting = session.scalar(select(func.count()).select_from(BoothApplication).where(
        BoothApplication.event_id == event.id, BoothApplication.status == "waitlisted"))
    actor = dict(actor_names(session, actor_ids=[actor_id])).get(actor_id, "")
    for user_id in users:
        notifications.notify(session, user_id=user_id, kind="events.booth_free",
                             context={"event": event.title, "booth": booth, "actor": actor, "waiting": int(waiting or 0)},
                             link=f"/events/{event.id}/booths/review")
    return users


def export_user(session: Session, *, user_id: int) -> list[dict]:
    return [{"event_id": r.event_id, "actor_id": r.actor_id, "stand_type": r.stand_type, "wish": r.wish,
             "text": r.text, "status": r.status, "reason": r.reason, "created_at": r.created_at.isoformat()}
            for r in session.scalars(select(BoothApplication).where(BoothApplication.user_id == user_id))]


def erase_user(session: Session, *, user_id: int) -> None:
    """The person's applications leave with them; an accepted one (the actor's booth) stays
    without the account."""
    for row in list(session.scalars(select(BoothApplication).where(BoothApplication.user_id == user_id))):
        if row.status == "accepted":
            row.user_id = None
        else:
            session.delete(row)
    session.flush()

"""A routed request's life: statuses and owner, private notes, messages through
`messaging.service`, reminders and escalation."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts
from bioatlas.core.fields import FieldError
from bioatlas.messaging import service as messaging
from bioatlas.notifications import service as notifications
from bioatlas.oneshop.checks import (
    ESCALATE_AFTER_REMINDERS,
    MAX_TEXT,
    REMIND_AFTER_DAYS,
    aware,
    field_int,
    field_text,
    get_request,
    now,
)
from bioatlas.oneshop.models import PARTNER_STATUSES, Case, Note, RoutedRequest


def set_status(session: Session, *, request_id: int, user_id: int | None, status: str = "", reason: str = "",
               next_step: str = "", next_step_on: str = "", today: date | None = None) -> RoutedRequest:
    """A partner member moves its request, or only writes its next step: an empty `status` keeps
    the current one (the page's default: saving a next step never takes a request by accident).
    Taking it makes them its owner; declining needs a reason; the first answer is dated (the
    observatory's time to first answer). A status a partner may not set ("new", an unknown word)
    is refused naming `status`; a next step's date must be from today on unless it is the one
    already recorded (a step whose day has passed is kept when the status moves)."""
    r = get_request(session, request_id)
    status = str(status or "").strip()
    if status and status not in PARTNER_STATUSES:
        raise FieldError("status", "not a status a partner may set")
    reason = field_text({"reason": reason}, "reason", 1000)
    if status == "declined" and not reason:
        raise FieldError("reason", "say why the request is declined")
    step = field_text({"next_step": next_step}, "next_step", 300)
    step_on = None
    if next_step_on:
        try:
            step_on = date.fromisoformat(next_step_on)
        except ValueError:
            raise FieldError("next_step_on", "a date such as 2027-09-01") from None
        if step_on < (today or date.today()) and step_on != r.next_step_on:
            raise FieldError("next_step_on", "a date from today on")
    at = now()
    r.touched_at = at
    if step or step_on:
        r.next_step, r.next_step_on = step, step_on
    if not status:
        accounts.record_audit(session, event="oneshop.next_step", user_id=user_id, target=f"oneshop_request:{r.id}")
        return r
    r.status = status
    if status == "declined":
        r.decline_reason = reason
    if status in ("taken", "in_progress") and r.owner_user_id is None:
        r.owner_user_id = user_id
    if status in ("answered", "closed", "declined") and r.first_answer_at is None:
        r.first_answer_at = at
    accounts.record_audit(session, event="oneshop.status", user_id=user_id, target=f"oneshop_request:{r.id}",
                          detail=status)
    return r


def add_note(session: Session, *, request_id: int, user_id: int | None, body: str) -> Note:
    r = get_request(session, request_id)
    text = field_text({"body": body}, "body", MAX_TEXT, required=True)
    note = Note(request_id=r.id, author_id=user_id, body=text)
    session.add(note)
    r.touched_at = now()
    session.flush()
    return note


def send_message(session: Session, *, request_id: int, sender_id: int, body: str) -> int:
    """A message between the company and the partner of this request: one thread per request
    (its members: the company's account and the partner's members), through messaging.service."""
    r = get_request(session, request_id)
    case = session.get(Case, r.case_id)
    members = accounts.actor_member_ids(session, actor_id=r.partner_actor_id)
    if case is not None and case.user_id is not None:
        members.add(case.user_id)
    others = sorted(members - {sender_id})
    if not others:
        raise FieldError("request_id", "nobody to write to yet: the partner has no member account", 409)
    if r.thread_id is None:
        thread = messaging.open_thread(session, user_ids=others, opened_by=sender_id, accepted=True,
                                       context=messaging.Context(kind="oneshop", id=r.id,
                                                                 label=f"Guichet unique n° {r.case_id}",
                                                                 url=f"/oneshop/cases/{r.case_id}"))
        r.thread_id = thread.id
    messaging.post_message(session, thread_id=r.thread_id, sender_id=sender_id, body=body)
    r.touched_at = now()
    return r.thread_id


def remind(session: Session, *, days: int = REMIND_AFTER_DAYS, at: datetime | None = None) -> dict[str, int]:
    """Requests still new or taken, untouched for `days` (and not reminded since): a reminder to
    the partner's members; after ESCALATE_AFTER_REMINDERS reminders, escalated to the
    coordinators (the platform's administrators are notified; the request is flagged, audited)."""
    at = at or now()
    limit = at - timedelta(days=days)
    counts = {"reminded": 0, "escalated": 0}
    for r in session.scalars(select(RoutedRequest).where(RoutedRequest.status.in_(("new", "taken")))):
        last = max(aware(r.touched_at), aware(r.reminded_at) if r.reminded_at else aware(r.touched_at))
        if last > limit:
            continue
        if r.reminders >= ESCALATE_AFTER_REMINDERS:
            if r.escalated_at is None:
                r.escalated_at = at
                counts["escalated"] += 1
                accounts.record_audit(session, event="oneshop.escalated", target=f"oneshop_request:{r.id}")
                for uid in accounts.admin_ids(session):
                    notifications.notify(session, user_id=uid, kind="oneshop.escalated", link="/oneshop/admin",
                                         context={"case_id": r.case_id, "reminders": r.reminders})
            continue
        for uid in accounts.actor_member_ids(session, actor_id=r.partner_actor_id):
            notifications.notify(session, user_id=uid, kind="oneshop.reminder", link=f"/oneshop/cases/{r.case_id}",
                                 context={"case_id": r.case_id, "days": days})
        r.reminders += 1
        r.reminded_at = at
        counts["reminded"] += 1
    return counts


def share_details(session: Session, *, case_id: int, partners: Iterable[int], user_id: int | None) -> set[int]:
    """The company chooses, per partner organisation of its case, whether it sees the project's
    details (description, surface, jobs, investment); the partners not listed no longer see them.
    FieldError naming `partners` for an actor that is not a partner of the case; audited."""
    wanted = set(partners)
    requests = list(session.scalars(select(RoutedRequest).where(RoutedRequest.case_id == case_id)))
    if wanted - {r.partner_actor_id for r in requests}:
        raise FieldError("partners", "not a partner of this case")
    for r in requests:
        r.details_shared = r.partner_actor_id in wanted
    accounts.record_audit(session, event="oneshop.details_shared", user_id=user_id, target=f"oneshop_case:{case_id}",
                          detail={"with": sorted(wanted)})
    return wanted


def rate(session: Session, *, request_id: int, score: str, comment: str = "", user_id: int | None) -> RoutedRequest:
    """The company's satisfaction with one partner's help (1 to 5, a comment), once its case is
    closed; it may change it. 409 before closing; FieldError naming `satisfaction` or `comment`."""
    r = get_request(session, request_id)
    case = session.get(Case, r.case_id)
    if case is None or case.status != "closed":
        raise FieldError("satisfaction", "the case must be closed first", 409)
    value = field_int({"satisfaction": score}, "satisfaction", 1, 5)
    if value is None:
        raise FieldError("satisfaction", "a score from 1 to 5")
    r.satisfaction, r.rated_at = value, now()
    r.satisfaction_comment = field_text({"comment": comment}, "comment", 1000) or None
    accounts.record_audit(session, event="oneshop.rated", user_id=user_id, target=f"oneshop_request:{r.id}",
                          detail=str(value))
    return r

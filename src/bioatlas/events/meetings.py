"""One-to-one meeting requests (send, answer, list), a participant's availability, and the
organisers' fixed meetings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bioatlas.core.fields import Word
from bioatlas.events.catalogue import slots_for
from bioatlas.events.errors import Conflict, FieldError, NotFound
from bioatlas.events.models import PRIORITIES, Event, MeetingRequest, Participant

MAX_NOTE = 500


def now() -> datetime:
    return datetime.now(timezone.utc)


def send_request(session: Session, *, event: Event, sender: Participant, to_participant_id: int, priority: str,
                 note: str = "") -> MeetingRequest:
    if priority not in PRIORITIES:
        raise FieldError("priority", "must or like")
    if len(note) > MAX_NOTE:
        raise FieldError("note", "at most {max} characters", params={"max": MAX_NOTE})
    target = session.get(Participant, to_participant_id)
    if target is None or target.event_id != event.id:
        raise FieldError("to", "not a participant of this event")
    if target.id == sender.id:
        raise FieldError("to", "you cannot request a meeting with yourself")
    existing = session.scalar(select(MeetingRequest).where(
        MeetingRequest.event_id == event.id,
        or_((MeetingRequest.from_id == sender.id) & (MeetingRequest.to_id == target.id),
            (MeetingRequest.from_id == target.id) & (MeetingRequest.to_id == sender.id)),
        MeetingRequest.status.in_(("pending", "accepted"))))
    if existing is not None:
        raise Conflict("", "a request between you two is already pending or accepted")
    old = session.scalar(select(MeetingRequest).where(MeetingRequest.event_id == event.id,
                                                      MeetingRequest.from_id == sender.id,
                                                      MeetingRequest.to_id == target.id))
    if old is not None:  # declined or cancelled before: ask again
        old.status, old.priority, old.note, old.answered_at = "pending", priority, note, None
        session.flush()
        return old
    request = MeetingRequest(event_id=event.id, from_id=sender.id, to_id=target.id, priority=priority, note=note,
                             status="pending")
    session.add(request)
    session.flush()
    return request


def answer_request(session: Session, *, request_id: int, decision: str) -> MeetingRequest:
    request = session.get(MeetingRequest, request_id)
    if request is None:
        raise NotFound(f"no request {request_id}")
    if decision not in ("accept", "decline"):
        raise FieldError("decision", "accept or decline")
    if request.status not in ("pending", "accepted"):
        raise Conflict("", "this request is {status}", params={"status": Word(request.status, "meeting request status")})
    request.status = "accepted" if decision == "accept" else "declined"
    request.answered_at = now()
    session.flush()
    return request


def requests_of(session: Session, *, event_id: int, participant_id: int | None = None,
                status: str | None = None) -> list[MeetingRequest]:
    query = select(MeetingRequest).where(MeetingRequest.event_id == event_id)
    if participant_id is not None:
        query = query.where(or_(MeetingRequest.from_id == participant_id, MeetingRequest.to_id == participant_id))
    if status is not None:
        query = query.where(MeetingRequest.status == status)
    return list(session.scalars(query.order_by(MeetingRequest.id)))


def set_availability(session: Session, *, event: Event, participant: Participant, unavailable: Sequence[int]) -> None:
    n = len(slots_for(event))
    bad = [s for s in unavailable if not 0 <= s < n]
    if bad:
        raise FieldError("unavailable", "slot {value} is not a slot of this event (1..{n})", params={"value": bad[0] + 1, "n": n})
    if n and len(set(unavailable)) >= n:
        raise FieldError("unavailable", "you must be available for at least one slot")
    participant.unavailable = sorted(set(unavailable))
    session.flush()


def fix_meeting(session: Session, *, event: Event, request_id: int, slot: int | None) -> MeetingRequest:
    request = session.get(MeetingRequest, request_id)
    if request is None or request.event_id != event.id:
        raise NotFound(f"no request {request_id}")
    if request.status != "accepted":
        raise Conflict("", "only an accepted meeting can be fixed")
    if slot is not None and not 0 <= slot < len(slots_for(event)):
        raise FieldError("slot", "not a slot of this event (1..{length})", params={"length": len(slots_for(event))})
    request.fixed_slot = slot
    session.flush()
    return request

"""What the policy sees of an event (its organiser actors, its registered accounts) and of a
meeting request (who may answer it)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.events.catalogue import organisers_of
from bioatlas.events.models import Event, MeetingRequest, Participant


@dataclass(frozen=True)
class EventScope:
    """What the policy needs to know of an event: its organiser actors and registered users (the
    waiting list and cancelled registrations are not participants)."""

    event_id: int
    organisers: frozenset[int]
    participants: frozenset[int]


@dataclass(frozen=True)
class RequestScope:
    """A meeting request as the policy sees it: who may answer it (the recipient's account)."""

    request_id: int
    recipient_user_id: int | None
    event: EventScope


def event_scope(session: Session, *, event_id: int) -> EventScope | None:
    if session.get(Event, event_id) is None:
        return None
    users = session.scalars(select(Participant.user_id).where(Participant.event_id == event_id,
                                                              Participant.status == "registered",
                                                              Participant.user_id.is_not(None)))
    return EventScope(event_id=event_id, organisers=frozenset(organisers_of(session, event_id=event_id)),
                      participants=frozenset(u for u in users if u is not None))


def request_scope(session: Session, *, event_id: int, request_id: int) -> RequestScope | None:
    request = session.get(MeetingRequest, request_id)
    scope = event_scope(session, event_id=event_id)
    if request is None or scope is None or request.event_id != event_id:
        return None
    recipient = session.get(Participant, request.to_id)
    return RequestScope(request_id=request_id, recipient_user_id=recipient.user_id if recipient else None, event=scope)

"""Personal data held by the events room (hook `bioatlas_personal_data`): registrations (status,
check-in), availability, meeting requests, chosen sessions; erasure takes the account out of its
events (the waiting list moves up)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bioatlas.events.meetings import requests_of
from bioatlas.events.models import Event, MeetingRequest, Participant, ScheduledMeeting, SessionChoice
from bioatlas.events.programme import chosen_sessions
from bioatlas.events.registration import promote


def export_personal(session: Session, *, user_id: int) -> list[dict[str, Any]]:
    out = []
    for p in session.scalars(select(Participant).where(Participant.user_id == user_id)):
        event = session.get(Event, p.event_id)
        out.append({"event": event.title if event else p.event_id, "display_name": p.display_name,
                    "category": p.category, "representatives": p.representatives, "unavailable_slots": p.unavailable,
                    "status": p.status, "checked_in_at": p.checked_in_at.isoformat() if p.checked_in_at else None,
                    "chosen_sessions": [c.title for c in chosen_sessions(session, participant_id=p.id)],
                    "requests": [{"id": r.id, "from_me": r.from_id == p.id, "priority": r.priority,
                                  "status": r.status, "note": r.note}
                                 for r in requests_of(session, event_id=p.event_id, participant_id=p.id)]})
    return out


def erase_personal(session: Session, *, user_id: int) -> None:
    """A deleted account leaves its events: its registrations, requests and scheduled meetings go."""
    freed = []
    for p in list(session.scalars(select(Participant).where(Participant.user_id == user_id))):
        ids = [r.id for r in requests_of(session, event_id=p.event_id, participant_id=p.id)]
        if ids:
            session.execute(delete(ScheduledMeeting).where(ScheduledMeeting.request_id.in_(ids)))
            session.execute(delete(MeetingRequest).where(MeetingRequest.id.in_(ids)))
        session.execute(delete(SessionChoice).where(SessionChoice.participant_id == p.id))
        if p.status == "registered":
            freed.append(p.event_id)
        session.delete(p)
    session.flush()
    for event_id in freed:
        event = session.get(Event, event_id)
        if event is not None:
            promote(session, event=event)


export = export_personal
erase = erase_personal

"""Registration: a participant (an account or a synthetic demo participant, its actor, its
category, its representatives) and the event's participant list."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.events.errors import Conflict, FieldError
from bioatlas.events.models import CATEGORIES, Event, Participant


def register(session: Session, *, event: Event, user_id: int | None, display_name: str, category: str,
             actor_id: int | None = None, representatives: int = 1, synthetic: bool = False) -> Participant:
    if category not in CATEGORIES:
        raise FieldError("category", f"one of {', '.join(CATEGORIES)}")
    if not 1 <= representatives <= 10:
        raise FieldError("representatives", "between 1 and 10")
    display_name = display_name.strip()
    if not display_name:
        raise FieldError("display_name", "required")
    if user_id is not None and participant_of(session, event_id=event.id, user_id=user_id) is not None:
        raise Conflict("already registered")
    participant = Participant(event_id=event.id, user_id=user_id, actor_id=actor_id, display_name=display_name[:200],
                              category=category, representatives=representatives, synthetic=synthetic, unavailable=[])
    session.add(participant)
    session.flush()
    return participant


def participant_of(session: Session, *, event_id: int, user_id: int | None) -> Participant | None:
    if user_id is None:
        return None
    return session.scalar(select(Participant).where(Participant.event_id == event_id, Participant.user_id == user_id))


def participants(session: Session, *, event_id: int) -> list[Participant]:
    return list(session.scalars(select(Participant).where(Participant.event_id == event_id)
                                .order_by(Participant.display_name, Participant.id)))

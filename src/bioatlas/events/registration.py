"""Registration: a participant (an account or a synthetic demo participant, its actor, its
category, its representatives), capacity limits of the event and of each category, the waiting
list (promoted in order, each promoted participant notified, when a place opens) and
cancellation. Only `registered` participants take part (B2B meetings, badges, check-in)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timezone

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bioatlas.core.moments import Moment
from bioatlas.events.errors import Conflict, FieldError
from bioatlas.events.models import (
    ALL_CATEGORIES, CATEGORIES, Capacity, Event, MeetingRequest, Participant, SessionChoice,
)
from bioatlas.events.speakers import link_pitch_entries, unlink_person
from bioatlas.notifications import service as notifications

MAX_CAPACITY = 100_000


def now() -> datetime:
    return datetime.now(timezone.utc)


def register(session: Session, *, event: Event, user_id: int | None, display_name: str, category: str,
             actor_id: int | None = None, representatives: int = 1, synthetic: bool = False) -> Participant:
    """Registered when there is room in the event and in its category, else on the waiting list;
    the account is told which (a confirmation or its place in the queue). A cancelled account
    registers again at the end of the queue. Once registered (now or promoted), an applicant whose
    pitch is already in the programme is linked to its entry (`speakers.link_pitch_entries`)."""
    if category not in CATEGORIES:
        raise FieldError("category", "one of {choices}", params={"choices": ', '.join(CATEGORIES)})
    if not 1 <= representatives <= 10:
        raise FieldError("representatives", "between 1 and 10")
    display_name = display_name.strip()
    if not display_name:
        raise FieldError("display_name", "required")
    existing = participant_of(session, event_id=event.id, user_id=user_id)
    if existing is not None and existing.status != "cancelled":
        raise Conflict("", "already registered" if existing.status == "registered" else "already on the waiting list")
    status = "registered" if _has_room(session, event_id=event.id, category=category) else "waiting"
    if existing is not None:
        participant = existing
        participant.display_name, participant.category, participant.actor_id = display_name[:200], category, actor_id
        participant.representatives, participant.status, participant.created_at = representatives, status, now()
        participant.unavailable, participant.checked_in_at = [], None
    else:
        participant = Participant(event_id=event.id, user_id=user_id, actor_id=actor_id,
                                  display_name=display_name[:200], category=category,
                                  representatives=representatives, synthetic=synthetic, unavailable=[],
                                  status=status, created_at=now())
        session.add(participant)
    session.flush()
    if status == "registered":
        link_pitch_entries(session, event_id=event.id, user_id=participant.user_id)
    _tell(session, event=event, participant=participant, status=status)
    return participant


def cancel(session: Session, *, event: Event, participant: Participant) -> list[Participant]:
    """The participant leaves (its meeting requests are cancelled, its chosen sessions dropped);
    the waiting list moves up. Returns the participants promoted."""
    if participant.event_id != event.id or participant.status == "cancelled":
        raise Conflict("", "not registered for this event")
    was_registered = participant.status == "registered"
    participant.status, participant.checked_in_at = "cancelled", None
    session.execute(update(MeetingRequest).where(
        MeetingRequest.event_id == event.id, MeetingRequest.status.in_(("pending", "accepted")),
        (MeetingRequest.from_id == participant.id) | (MeetingRequest.to_id == participant.id)).values(
        status="cancelled"))
    session.execute(delete(SessionChoice).where(SessionChoice.participant_id == participant.id))
    unlink_person(session, event_id=event.id, user_id=participant.user_id)
    session.flush()
    _tell(session, event=event, participant=participant, status="cancelled")
    return promote(session, event=event) if was_registered else []


def promote(session: Session, *, event: Event) -> list[Participant]:
    """Waiting participants take the places open, in the order they registered (one whose
    category is full keeps its rank and the next one is considered); each is notified."""
    promoted = []
    for p in session.scalars(select(Participant).where(Participant.event_id == event.id,
                                                       Participant.status == "waiting")
                             .order_by(Participant.created_at, Participant.id)):
        if _has_room(session, event_id=event.id, category=p.category):
            p.status = "registered"
            session.flush()
            link_pitch_entries(session, event_id=event.id, user_id=p.user_id)
            promoted.append(p)
            _tell(session, event=event, participant=p, status="promoted")
    return promoted


def event_days(event: Event) -> Moment:
    """The event's days ("2027-01-05 – 2027-01-07" in English logs; the recipient's style of day in
    a notification)."""
    text = f"{event.starts_on.isoformat()} – {event.ends_on.isoformat()}"
    return Moment(text, event.starts_on, until=event.ends_on if event.ends_on != event.starts_on else None)


def _tell(session: Session, *, event: Event, participant: Participant, status: str) -> None:
    if participant.user_id is None:
        return
    position = waiting_position(session, participant=participant) if status == "waiting" else None
    notifications.notify(session, user_id=participant.user_id, kind="events.registration",
                         context={"event": event.title, "status": status, "position": position,
                                  "dates": event_days(event)},
                         link=f"/events/{event.id}")


def waiting_position(session: Session, *, participant: Participant) -> int | None:
    """1 for the first of the waiting list; None when not waiting."""
    if participant.status != "waiting":
        return None
    ahead = session.scalar(select(func.count()).select_from(Participant).where(
        Participant.event_id == participant.event_id, Participant.status == "waiting",
        (Participant.created_at < participant.created_at)
        | ((Participant.created_at == participant.created_at) & (Participant.id < participant.id))))
    return int(ahead or 0) + 1


# --- capacities ---------------------------------------------------------------------------------


def capacities(session: Session, *, event_id: int) -> dict[str, int]:
    """{"*": the event's limit, category: its limit} for the limits set."""
    return {c.category: c.capacity for c in session.scalars(select(Capacity).where(Capacity.event_id == event_id))}


def counts(session: Session, *, event_id: int, status: str = "registered") -> Counter[str]:
    """Participants of `status` by category, and "*" for all of them."""
    rows = session.execute(select(Participant.category, func.count()).where(
        Participant.event_id == event_id, Participant.status == status).group_by(Participant.category)).all()
    out: Counter[str] = Counter({c: int(n) for c, n in rows})
    out[ALL_CATEGORIES] = sum(out.values())
    return out


def _has_room(session: Session, *, event_id: int, category: str) -> bool:
    limits = capacities(session, event_id=event_id)
    if not limits:
        return True
    taken = counts(session, event_id=event_id)
    return all(key not in limits or taken[key] < limits[key] for key in (ALL_CATEGORIES, category))


def set_capacities(session: Session, *, event: Event, limits: Mapping[str, int | None]) -> list[Participant]:
    """Set the limits ({"*": n, category: n}; None removes one). A limit below the participants
    already registered is refused naming the field (`capacity` or `capacity_<category>`), nothing
    stored. A raised limit promotes the waiting list; returns the participants promoted."""
    taken = counts(session, event_id=event.id)
    for key, value in limits.items():
        name = "capacity" if key == ALL_CATEGORIES else f"capacity_{key}"
        if key != ALL_CATEGORIES and key not in CATEGORIES:
            raise FieldError(name, "unknown category {key!r}", params={"key": key})
        if value is None:
            continue
        if not 1 <= value <= MAX_CAPACITY:
            raise FieldError(name, "between 1 and {max}", params={"max": MAX_CAPACITY})
        if value < taken[key]:
            raise FieldError(name, "{taken} participants are already registered: a limit of {value} is below that (cancel registrations first)", params={"taken": taken[key], "value": value})
    session.execute(delete(Capacity).where(Capacity.event_id == event.id))
    for key, value in limits.items():
        if value is not None:
            session.add(Capacity(event_id=event.id, category=key, capacity=value))
    session.flush()
    return promote(session, event=event)


# --- who is registered ---------------------------------------------------------------------------


def participant_of(session: Session, *, event_id: int, user_id: int | None) -> Participant | None:
    """The account's participant row of the event, whatever its status (None: never registered)."""
    if user_id is None:
        return None
    return session.scalar(select(Participant).where(Participant.event_id == event_id, Participant.user_id == user_id))


def participants(session: Session, *, event_id: int, status: str | None = "registered") -> list[Participant]:
    """The event's participants of `status` (None: all of them), by name."""
    query = select(Participant).where(Participant.event_id == event_id)
    if status is not None:
        query = query.where(Participant.status == status)
    return list(session.scalars(query.order_by(Participant.display_name, Participant.id)))

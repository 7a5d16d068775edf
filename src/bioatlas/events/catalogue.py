"""Events themselves: creation, lookup, listing, organiser actors, the organisers' scheduling
settings and slots, the venues on the map, atlas actors' names."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.atlas import service as atlas
from bioatlas.events.errors import FieldError, NotFound
from bioatlas.events.models import Event, EventOrganiser
from bioatlas.events.settings import DEFAULT, Slot, clean, slots_of


def create_event(session: Session, *, title: str, starts_on: date, ends_on: date, organiser_actor_ids: Sequence[int],
                 description: str = "", venue_name: str = "", venue_city: str = "", venue_lat: float | None = None,
                 venue_lon: float | None = None, venue_actor_id: int | None = None, settings: dict | None = None,
                 created_by: int | None = None, synthetic: bool = False) -> Event:
    title = title.strip()
    if not title:
        raise FieldError("title", "required")
    if ends_on < starts_on:
        raise FieldError("ends_on", "before the start")
    event = Event(title=title[:200], description=description, starts_on=starts_on, ends_on=ends_on,
                  venue_name=venue_name, venue_city=venue_city, venue_lat=venue_lat, venue_lon=venue_lon,
                  venue_actor_id=venue_actor_id, created_by=created_by, synthetic=synthetic,
                  settings=clean(settings or DEFAULT, starts_on=starts_on, ends_on=ends_on))
    session.add(event)
    session.flush()
    for actor_id in sorted(set(organiser_actor_ids)):
        session.add(EventOrganiser(event_id=event.id, actor_id=actor_id))
    session.flush()
    return event


def get_event(session: Session, *, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound(f"no event {event_id}")
    return event


def list_events(session: Session) -> list[Event]:
    return list(session.scalars(select(Event).order_by(Event.starts_on.desc(), Event.id)))


def organisers_of(session: Session, *, event_id: int) -> list[int]:
    return list(session.scalars(select(EventOrganiser.actor_id).where(EventOrganiser.event_id == event_id)))


def update_settings(session: Session, *, event: Event, raw: dict) -> dict:
    cleaned = clean(raw, starts_on=event.starts_on, ends_on=event.ends_on)
    booths = (event.settings or {}).get("booths")  # the floor plan's (`floor_plan`), kept
    event.settings = {**cleaned, "booths": booths} if booths else cleaned
    session.flush()
    return cleaned


def slots_for(event: Event) -> list[Slot]:
    return slots_of(event.settings or DEFAULT)


def venues_in(session: Session, *, bbox: tuple[float, float, float, float], limit: int) -> list[Event]:
    west, south, east, north = bbox
    return list(session.scalars(select(Event).where(Event.venue_lat.is_not(None), Event.venue_lon.is_not(None),
                                                    Event.venue_lat.between(south, north),
                                                    Event.venue_lon.between(west, east))
                                .order_by(Event.starts_on).limit(limit)))


def organiser_names(session: Session, *, event_id: int) -> list[tuple[int, str]]:
    return actor_names(session, actor_ids=organisers_of(session, event_id=event_id))


def actor_names(session: Session, *, actor_ids: Iterable[int]) -> list[tuple[int, str]]:
    """(id, name) of atlas actors, through the atlas's public service."""
    ids = sorted(set(actor_ids))
    if not ids:
        return []
    actors = atlas.load_actors(session, ids=ids)
    return [(i, actors[i].name) for i in ids if i in actors]

"""Which actors a flush touched (the actor row or one of its names, sites, capabilities): shared
by the listeners that keep the full-text index (`search/sync.py`) and the vectors
(`search/semantic/sync.py`) up to date, each keeping its own set in `session.info`."""

from __future__ import annotations

from itertools import chain

from sqlalchemy.orm import Session

from bioatlas.atlas.models import Actor, ActorName, Capability, Site

TRACKED = (ActorName, Site, Capability)


def note_touched_actors(session: Session, key: str) -> None:
    """Add the ids of the actors touched by the current flush to `session.info[key]`."""
    dirty = session.info.setdefault(key, set())
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Actor):
            dirty.add(obj.id)
        elif isinstance(obj, TRACKED):
            dirty.add(obj.actor_id)

"""Exhibitors and the innovation village: a booth per exhibitor, each tied to its atlas actor
(start-ups in the village unless the organiser says otherwise), listed on the event page and
filterable (village, kind of actor, name)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.atlas import service as atlas
from bioatlas.core.text import fold
from bioatlas.events.errors import Conflict, FieldError, NotFound
from bioatlas.events.floor_plan import check_in_plan
from bioatlas.events.models import Event, Exhibitor

BOOTH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,19}$")
STARTUP_KIND = "startup"


@dataclass(frozen=True)
class ExhibitorView:
    id: int
    booth: str
    village: bool
    description: str
    actor_id: int
    name: str
    kind: str
    town: str


def _actor(session: Session, ref: str):
    """The atlas actor of `ref`: its number, or its exact name (folded); named on failure."""
    ref = ref.strip()
    if not ref:
        raise FieldError("actor", "required: the atlas actor's number or exact name")
    found = atlas.find_actors(session, ids=[int(ref)]) if ref.isdigit() else atlas.find_actors(session, name=ref,
                                                                                                 limit=6)
    if not found and ref.isdigit():
        raise FieldError("actor", "no atlas actor number {ref!r}", params={"ref": ref})
    if not found:
        raise FieldError("actor", "no atlas actor named {ref!r}", params={"ref": ref})
    if len(found) > 1:
        raise FieldError("actor", "several atlas actors are named {ref!r} (numbers {numbers}): give the number",
                         params={"ref": ref, "numbers": ', '.join(str(a.id) for a in found)})
    return found[0]


def add_exhibitor(session: Session, *, event: Event, actor_ref: str, booth: str, village: bool | None = None,
                  description: str = "") -> Exhibitor:
    booth = booth.strip()
    if not BOOTH.match(booth):
        raise FieldError("booth", "1 to 20 letters, digits, spaces, dots or dashes (e.g. A12)")
    check_in_plan(event, booth)
    if len(description) > 500:
        raise FieldError("description", "at most 500 characters")
    actor = _actor(session, actor_ref)
    rows = list(session.scalars(select(Exhibitor).where(Exhibitor.event_id == event.id)))
    for other in rows:
        if other.actor_id == actor.id:
            raise Conflict("actor", "{name} already exhibits at booth {booth}", params={"name": actor.name, "booth": other.booth})
        if other.booth.casefold() == booth.casefold():
            taken = atlas.load_actors(session, ids=[other.actor_id]).get(other.actor_id)
            raise Conflict("booth", "{booth} is already {holder}'s (asked for {name})",
                           params={"booth": booth, "holder": taken.name if taken else "taken", "name": actor.name})
    row = Exhibitor(event_id=event.id, actor_id=actor.id, booth=booth, description=description.strip(),
                    village=(actor.kind == STARTUP_KIND) if village is None else village)
    session.add(row)
    session.flush()
    return row


def remove_exhibitor(session: Session, *, event: Event, exhibitor_id: int) -> None:
    row = session.get(Exhibitor, exhibitor_id)
    if row is None or row.event_id != event.id:
        raise NotFound(f"no exhibitor {exhibitor_id}")
    session.delete(row)
    session.flush()


def exhibitors(session: Session, *, event_id: int, village: bool | None = None, kind: str | None = None,
               q: str = "") -> list[ExhibitorView]:
    """The exhibitors by booth, filtered: in the village or not, the actor's kind, a name part."""
    rows = list(session.scalars(select(Exhibitor).where(Exhibitor.event_id == event_id).order_by(Exhibitor.booth)))
    if village is not None:
        rows = [r for r in rows if r.village == village]
    actors = atlas.load_actors(session, ids=[r.actor_id for r in rows])
    key = fold(q) if q.strip() else ""
    out = []
    for r in rows:
        a = actors.get(r.actor_id)
        if a is None or (kind and a.kind != kind) or (key and key not in fold(a.name)):
            continue
        town = next((s.commune_name for s in a.sites if s.commune_name), "") or ""
        out.append(ExhibitorView(id=r.id, booth=r.booth, village=r.village, description=r.description,
                                 actor_id=a.id, name=a.name, kind=a.kind, town=town))
    return out


def exhibitor_kinds(session: Session, *, event_id: int) -> list[str]:
    return sorted({v.kind for v in exhibitors(session, event_id=event_id)})

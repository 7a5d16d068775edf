"""Selected pitches in the programme: organisers place them, in the order they set, into a pitch
session of the programme (a session of kind `pitch`). Each placed pitch is an entry of the
session's speakers (its title as the name, the start-up as the affiliation, linked to its atlas
actor), after the session's own speakers (a moderator, say), so the programme page, its filters
and calendar files show them with nothing new to learn. An entry is the pair (start-up, title)
of an application; placing again replaces the entries; a pitch no longer selected leaves it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.events.catalogue import actor_names
from bioatlas.events.errors import FieldError, NotFound
from bioatlas.events.models import ProgrammeSession, Speaker
from bioatlas.events.pitch_models import PitchApplication
from bioatlas.events.pitches import applications, leave_programme, results


def pitch_sessions(session: Session, *, event_id: int) -> list[ProgrammeSession]:
    return list(session.scalars(select(ProgrammeSession).where(ProgrammeSession.event_id == event_id,
                                                               ProgrammeSession.kind == "pitch")
                                .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)))


def _is_entry(sp: Speaker, apps: Sequence[PitchApplication]) -> bool:
    return any(sp.actor_id == a.actor_id and sp.name == a.title for a in apps)


def placed(session: Session, *, event_id: int) -> dict[int, tuple[int, int]]:
    """{application id: (session id, rank from 1)} of the pitches in the programme."""
    apps = applications(session, event_id=event_id)
    out: dict[int, tuple[int, int]] = {}
    for ps in pitch_sessions(session, event_id=event_id):
        entries = [sp for sp in _speakers(session, ps.id) if _is_entry(sp, apps)]
        for rank, sp in enumerate(entries, start=1):
            app = next(a for a in apps if sp.actor_id == a.actor_id and sp.name == a.title)
            out[app.id] = (ps.id, rank)
    return out


def _speakers(session: Session, session_id: int) -> list[Speaker]:
    return list(session.scalars(select(Speaker).where(Speaker.session_id == session_id)
                                .order_by(Speaker.position, Speaker.id)))


def place_pitches(session: Session, *, event_id: int, session_id: int, order: Sequence[int]) -> list[Speaker]:
    """Put the selected pitches into the pitch session `session_id` in `order` (application
    numbers; selected pitches left out follow in the jury's ranking). Refused naming the field:
    `session` (not a pitch session of the event), `order` (a number that is not a selected pitch
    of the event, or given twice)."""
    target = session.get(ProgrammeSession, session_id)
    if target is None or target.event_id != event_id:
        raise NotFound(f"no session {session_id} in this event")
    if target.kind != "pitch":
        raise FieldError("session", f"« {target.title} » is not a pitch session")
    chosen = {a.id: a for a in applications(session, event_id=event_id) if a.status == "selected"}
    if not chosen:
        raise FieldError("order", "no pitch is selected yet")
    seen: list[int] = []
    for app_id in order:
        if app_id not in chosen:
            raise FieldError("order", f"application {app_id} is not a selected pitch of this event")
        if app_id in seen:
            raise FieldError("order", f"application {app_id} is given twice")
        seen.append(app_id)
    seen += [r.application.id for r in results(session, event_id=event_id) if r.application.id in chosen
             and r.application.id not in seen]
    for app in chosen.values():
        leave_programme(session, event_id=event_id, application=app)
    kept = _speakers(session, target.id)
    start = max((sp.position for sp in kept), default=-1) + 1
    names = dict(actor_names(session, actor_ids=[a.actor_id for a in chosen.values()]))
    entries = [Speaker(session_id=target.id, position=start + i, name=chosen[a].title,
                       affiliation=names.get(chosen[a].actor_id, "")[:300], actor_id=chosen[a].actor_id)
               for i, a in enumerate(seen)]
    session.add_all(entries)
    session.flush()
    return entries

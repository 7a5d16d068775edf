"""Selected pitches in the programme: organisers place them, in the order they set, into a pitch
session of the programme (a session of kind `pitch`). Each placed pitch is an entry of the
session's speakers (its title as the name, the start-up as the affiliation, linked to its atlas
actor), after the session's own speakers (a moderator, say), so the programme page, its filters
and calendar files show them with nothing new to learn. An entry is linked to its application
(`Speaker.pitch_application_id`): an organiser may rename it, it stays the pitch's; placing
again replaces the entries; a pitch no longer selected leaves it. The applicant is told the
slot (day, times, room, rank: notification kind `events.pitch`, e-mail by default) when the
pitch is placed or its place changes, and when the session's time or room changes; an applicant
who is a registered participant of the event is linked to the entry as its speaker (its agenda
shows it). Where the pitches are and what their applicants are told: `pitch_slots`."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from bioatlas.events.catalogue import actor_names
from bioatlas.events.errors import FieldError, NotFound
from bioatlas.events.models import Event, ProgrammeSession, Speaker
from bioatlas.events.pitch_slots import pitch_sessions, placed, speakers_in, tell_slots
from bioatlas.events.pitches import applications, leave_programme, results
from bioatlas.events.speakers import LinkedSpeaker, registered_users, write_speakers

__all__ = ["pitch_sessions", "place_pitches", "placed", "tell_slots"]


def place_pitches(session: Session, *, event_id: int, session_id: int, order: Sequence[int]) -> list[Speaker]:
    """Put the selected pitches into the pitch session `session_id` in `order` (application
    numbers; selected pitches left out follow in the jury's ranking). Refused naming the field:
    `session` (not a pitch session of the event), `order` (a number that is not a selected pitch
    of the event, or given twice)."""
    target = session.get(ProgrammeSession, session_id)
    if target is None or target.event_id != event_id:
        raise NotFound(f"no session {session_id} in this event")
    if target.kind != "pitch":
        raise FieldError("session", "« {title} » is not a pitch session", params={"title": target.title})
    chosen = {a.id: a for a in applications(session, event_id=event_id) if a.status == "selected"}
    if not chosen:
        raise FieldError("order", "no pitch is selected yet")
    seen: list[int] = []
    for app_id in order:
        if app_id not in chosen:
            raise FieldError("order", "application {app_id} is not a selected pitch of this event", params={"app_id": app_id})
        if app_id in seen:
            raise FieldError("order", "application {app_id} is given twice", params={"app_id": app_id})
        seen.append(app_id)
    seen += [r.application.id for r in results(session, event_id=event_id) if r.application.id in chosen
             and r.application.id not in seen]
    before = placed(session, event_id=event_id)
    for app in chosen.values():
        leave_programme(session, event_id=event_id, application=app)
    kept = speakers_in(session, target.id)
    start = max((sp.position for sp in kept), default=-1) + 1
    names = dict(actor_names(session, actor_ids=[a.actor_id for a in chosen.values()]))
    people = registered_users(session, event_id=event_id, user_ids=[a.user_id for a in chosen.values()])
    entries = write_speakers(session, session_id=target.id, start=start, field="order", speakers=[
        LinkedSpeaker(name=chosen[a].title, affiliation=names.get(chosen[a].actor_id, "")[:300],
                      actor_id=chosen[a].actor_id, pitch_application_id=a,
                      user_id=chosen[a].user_id if chosen[a].user_id in people else None) for a in seen])
    after = placed(session, event_id=event_id)
    event = session.get(Event, event_id)
    assert event is not None
    tell_slots(session, event=event, row=target, only=[a for a in seen if before.get(a) != after.get(a)])
    return entries

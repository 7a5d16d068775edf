"""Where the pitches are in the programme and what their applicants are told of it (notification
kind `events.pitch`, e-mail by default, in the reader's language): the slot when a pitch is placed
or its place changes (the session moved, its rank changed because another pitch left), and that it
left the programme (its entry removed by editing the session, or the pitch session deleted). One
notice per applicant and change: callers compare `placed` before and after and call `tell_changes`
once. Used by `pitch_programme` (placing), `pitches` (a pitch unselected), `programme` (a session
deleted) and `programme_edit` (a session edited); it imports none of them."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.core.moments import Moment
from bioatlas.events.models import Event, ProgrammeSession, Speaker
from bioatlas.events.pitch_models import PitchApplication
from bioatlas.notifications import service as notifications

Places = Mapping[int, tuple[int, int]]


def pitch_sessions(session: Session, *, event_id: int) -> list[ProgrammeSession]:
    return list(session.scalars(select(ProgrammeSession).where(ProgrammeSession.event_id == event_id,
                                                               ProgrammeSession.kind == "pitch")
                                .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)))


def speakers_in(session: Session, session_id: int) -> list[Speaker]:
    return list(session.scalars(select(Speaker).where(Speaker.session_id == session_id)
                                .order_by(Speaker.position, Speaker.id)))


def pitch_entries(session: Session, session_id: int) -> list[Speaker]:
    """The session's pitch entries in programme order (rank 1 first)."""
    return [sp for sp in speakers_in(session, session_id) if sp.pitch_application_id is not None]


def placed(session: Session, *, event_id: int) -> dict[int, tuple[int, int]]:
    """{application id: (session id, rank from 1)} of the pitches in the programme."""
    out: dict[int, tuple[int, int]] = {}
    for ps in pitch_sessions(session, event_id=event_id):
        for rank, sp in enumerate(pitch_entries(session, ps.id), start=1):
            assert sp.pitch_application_id is not None
            out[sp.pitch_application_id] = (ps.id, rank)
    return out


def tell_slots(session: Session, *, event: Event, row: ProgrammeSession,
               only: Sequence[int] | None = None) -> list[int]:
    """Each applicant of a pitch placed in the pitch session `row` (of `only`, application
    numbers, when given) told its slot: the day, the session's times and room (the venue's local
    time), its rank. Returns the accounts told."""
    entries = pitch_entries(session, row.id)
    told = []
    for rank, sp in enumerate(entries, start=1):
        app = session.get(PitchApplication, sp.pitch_application_id)
        if app is None or app.user_id is None or (only is not None and app.id not in only):
            continue
        notifications.notify(session, user_id=app.user_id, kind="events.pitch",
                             context={"event": event.title, "status": "placed", "title": app.title,
                                      "session": row.title, "day": Moment(row.starts_at.date().isoformat(), row.starts_at.date()),
                                      "start": f"{row.starts_at:%H:%M}", "end": f"{row.ends_at:%H:%M}",
                                      "room": row.room, "rank": rank, "count": len(entries)},
                             link=f"/events/{event.id}/programme#session-{row.id}")
        told.append(app.user_id)
    return told


def tell_left(session: Session, *, event: Event, application_ids: Sequence[int], session_title: str) -> list[int]:
    """Each applicant of `application_ids` told that its pitch left the session `session_title`
    (removed from it, or the session deleted); the pitch stays selected. Returns the accounts told."""
    told = []
    for app_id in application_ids:
        app = session.get(PitchApplication, app_id)
        if app is None or app.user_id is None:
            continue
        notifications.notify(session, user_id=app.user_id, kind="events.pitch",
                             context={"event": event.title, "status": "left", "title": app.title,
                                      "session": session_title},
                             link=f"/events/{event.id}/pitches")
        told.append(app.user_id)
    return told


def tell_changes(session: Session, *, event: Event, before: Places, after: Places, moved: int | None = None,
                 skip: Collection[int] = ()) -> list[int]:
    """After one change of the programme (`before` and `after`: `placed`), each applicant told once:
    its pitch left the programme, or its slot (a new session or rank, or every entry of the session
    `moved` whose time or room changed). Applications in `skip` are told nothing (the caller tells
    them otherwise, e.g. the jury's decision). Returns the accounts told."""
    told: list[int] = []
    titles: dict[int, str] = {}
    for app_id, (sid, _rank) in before.items():
        if app_id in after or app_id in skip:
            continue
        if sid not in titles:
            row = session.get(ProgrammeSession, sid)
            titles[sid] = row.title if row is not None else ""
        told += tell_left(session, event=event, application_ids=[app_id], session_title=titles[sid])
    changed: dict[int, list[int]] = {}
    for app_id, place in after.items():
        if app_id not in skip and (place[0] == moved or before.get(app_id) != place):
            changed.setdefault(place[0], []).append(app_id)
    for sid, apps in changed.items():
        row = session.get(ProgrammeSession, sid)
        if row is not None:
            told += tell_slots(session, event=event, row=row, only=apps)
    return told

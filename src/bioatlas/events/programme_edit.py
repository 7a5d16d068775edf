"""A session edited in place (title, type, track, room, day and times, speakers, description):
the same checks as a new session (`programme.check_session`; the overlap check names the other
session and leaves the edited one out), the change in the audit log (`events.session_edit`, the
fields before and after), and the participants who put the session in their agenda told when
its time or room changed (notification kind `events.programme`, e-mail by default), and so are
its linked speakers; the applicants of its pitches are told their new slot, a new rank when
another pitch left, or that theirs left the programme (`events.pitch`, once each)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts
from bioatlas.events.errors import NotFound
from bioatlas.events.models import Event, ProgrammeSession, Speaker
from bioatlas.events.pitch_slots import placed, tell_changes
from bioatlas.events.programme import SpeakerInput, agenda_users, check_session, tell_agenda, where, write_speakers


def _fields(row: ProgrammeSession, speakers: list[list]) -> dict:
    return {"title": row.title, "kind": row.kind, "track": row.track, "room": row.room,
            "starts_at": row.starts_at.isoformat(timespec="minutes"), "ends_at": row.ends_at.isoformat(timespec="minutes"),
            "description": row.description, "speakers": speakers}


def edit_session(session: Session, *, event: Event, session_id: int, title: str, kind: str, room: str,
                 day: str | date, start: str, end: str, track: str = "", description: str = "",
                 speakers: Sequence[SpeakerInput] = (), by_user_id: int | None = None,
                 ip: str | None = None) -> list[int]:
    """Change the session; returns the accounts told (a new time or room, a pitch's new slot or rank,
    a pitch that left)."""
    row = session.get(ProgrammeSession, session_id)
    if row is None or row.event_id != event.id:
        raise NotFound(f"no session {session_id}")
    c = check_session(session, event=event, title=title, kind=kind, room=room, day=day, start=start, end=end,
                      track=track, speakers=speakers, exclude_id=row.id)
    places = placed(session, event_id=event.id)
    old_speakers = list(session.scalars(select(Speaker).where(Speaker.session_id == row.id)
                                        .order_by(Speaker.position, Speaker.id)))
    before = _fields(row, [[sp.name, sp.affiliation, sp.actor_id, sp.user_id, sp.pitch_application_id, sp.role]
                           for sp in old_speakers])
    was = where(row)
    moved = row.starts_at != c.starts_at or row.ends_at != c.ends_at or row.room != c.room
    row.title, row.kind, row.room, row.track = c.title, c.kind, c.room, c.track
    row.starts_at, row.ends_at, row.description = c.starts_at, c.ends_at, description.strip()[:5000]
    for sp in old_speakers:
        session.delete(sp)
    session.flush()
    write_speakers(session, session_id=row.id, speakers=c.speakers)
    after = _fields(row, [sp.as_list() for sp in c.speakers])
    changed = {k: {"before": before[k], "after": after[k]} for k in before if before[k] != after[k]}
    accounts.record_audit(session, event="events.session_edit", user_id=by_user_id, ip=ip,
                          target=f"event_session:{row.id}", detail={"event_id": event.id, "changed": changed})
    told = tell_changes(session, event=event, before=places, after=placed(session, event_id=event.id),
                        moved=row.id if moved else None)
    if not moved:
        return told
    # a pitch's applicant told its slot is not told again as one who chose the session
    users = [u for u in agenda_users(session, session_id=row.id) if u not in told]
    tell_agenda(session, event=event, row=row, users=users, status="moved", before=was)
    return users + told

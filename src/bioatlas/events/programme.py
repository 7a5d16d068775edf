"""The programme: sessions (a kind, a track, a room, a start and an end in the venue's local
time) with their speakers (linked to their atlas actor when the affiliation is one), the
sessions a participant puts in its own agenda, and the iCalendar files of a session and of the
whole programme. Two sessions of one room never overlap: the second is refused naming both. A
session deleted is told to those who had it in their agenda (`events.programme`, "cancelled")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone

from icalendar import Calendar
from icalendar import Event as CalendarEvent
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts
from bioatlas.core.i18n import Translator
from bioatlas.core.moments import VENUE_ZONE, Moment
from bioatlas.events.errors import FieldError, NotFound
from bioatlas.events.labels import labels
from bioatlas.events.models import SESSION_KINDS, Event, Participant, ProgrammeSession, SessionChoice, Speaker
from bioatlas.events.pitch_slots import pitch_entries, tell_left
from bioatlas.events.speakers import (  # noqa: F401  (SpeakerInput, MAX_SPEAKERS: part of the programme's interface)
    MAX_SPEAKERS, LinkedSpeaker, SpeakerInput, check_speakers, speaker_users, speakers_of, write_speakers,
)
from bioatlas.notifications import service as notifications

# the kinds' names in the calendar files (the pages translate them with `t`)
KIND_NAMES = {
    "fr": {"plenary": "Plénière", "round_table": "Table ronde", "pitch": "Pitchs", "workshop": "Atelier",
           "talk": "Conférence", "networking": "Networking"},
    "en": {"plenary": "Plenary", "round_table": "Round table", "pitch": "Pitches", "workshop": "Workshop",
           "talk": "Talk", "networking": "Networking"},
}


@dataclass
class SessionView:
    """A session with its speakers (name, affiliation, actor id or None), for the pages."""

    row: ProgrammeSession
    speakers: list[Speaker] = field(default_factory=list)


def _clock(raw: str, name: str) -> time:
    try:
        return time.fromisoformat(raw.strip())
    except (ValueError, AttributeError):
        raise FieldError(name, "{raw!r} is not a time such as 09:30", params={"raw": raw}) from None


def _day(raw: str | date, event: Event) -> date:
    if isinstance(raw, date):
        day = raw
    else:
        try:
            day = date.fromisoformat(str(raw).strip())
        except ValueError:
            raise FieldError("day", "{raw!r} is not a date such as {starts_on}", params={"raw": raw, "starts_on": event.starts_on.isoformat()}) from None  # the form's ISO
    if not event.starts_on <= day <= event.ends_on:
        raise FieldError("day", "{day} is not a day of the event ({starts_on} – {ends_on})", params={"day": _moment(day), "starts_on": _moment(event.starts_on), "ends_on": _moment(event.ends_on)})
    return day


def _moment(day: date) -> Moment:
    return Moment(day.isoformat(), day)


def span(s: ProgrammeSession, suffix: str = "") -> Moment:
    """The session's day and times (the venue's local time): "2027-01-05 09:00–10:00" in English
    refusals, the reader's style of day on pages and in notifications."""
    return Moment(f"{s.starts_at:%Y-%m-%d %H:%M}–{s.ends_at:%H:%M}{suffix}", s.starts_at, suffix, until=s.ends_at)


@dataclass(frozen=True)
class CheckedSession:
    """A session's fields once checked: what `add_session` stores and `programme_edit` compares."""

    title: str
    kind: str
    room: str
    track: str
    starts_at: datetime
    ends_at: datetime
    speakers: list[LinkedSpeaker]


def check_session(session: Session, *, event: Event, title: str, kind: str, room: str, day: str | date, start: str,
                  end: str, track: str = "", speakers: Sequence[SpeakerInput] = (),
                  exclude_id: int | None = None) -> CheckedSession:
    """The fields checked, refused naming the field (and both sessions when the room is taken at
    that time by another session than `exclude_id`, the one being edited)."""
    title, room, track = title.strip(), room.strip(), track.strip()
    if not title:
        raise FieldError("title", "required")
    if len(title) > 300:
        raise FieldError("title", "at most 300 characters")
    if kind not in SESSION_KINDS:
        raise FieldError("kind", "one of {choices}", params={"choices": ', '.join(SESSION_KINDS)})
    if not room:
        raise FieldError("room", "required")
    if len(room) > 120 or len(track) > 120:
        raise FieldError("room" if len(room) > 120 else "track", "at most 120 characters")
    when = _day(day, event)
    starts_at = datetime.combine(when, _clock(start, "start"))
    ends_at = datetime.combine(when, _clock(end, "end"))
    if ends_at <= starts_at:
        raise FieldError("end", "after the start")
    clash = session.scalars(select(ProgrammeSession).where(
        ProgrammeSession.event_id == event.id, ProgrammeSession.starts_at < ends_at,
        ProgrammeSession.ends_at > starts_at)).all()
    clash = [c for c in clash if c.room.casefold() == room.casefold() and c.id != exclude_id]
    if clash:
        other = clash[0]
        raise FieldError("room", "« {title} » ({when} {starts_at:%H:%M}–{ends_at:%H:%M}) overlaps « {other} » ({other_span}) in room {room}",
                         params={"title": title, "when": _moment(when), "starts_at": starts_at, "ends_at": ends_at,
                                 "other": other.title, "other_span": span(other), "room": other.room})
    linked = check_speakers(session, event=event, kind=kind, speakers=speakers, exclude_id=exclude_id)
    return CheckedSession(title=title, kind=kind, room=room, track=track, starts_at=starts_at, ends_at=ends_at,
                          speakers=linked)


def add_session(session: Session, *, event: Event, title: str, kind: str, room: str, day: str | date, start: str,
                end: str, track: str = "", description: str = "",
                speakers: Sequence[SpeakerInput] = ()) -> ProgrammeSession:
    """A new session; refused naming the field (and both sessions when the room is taken)."""
    c = check_session(session, event=event, title=title, kind=kind, room=room, day=day, start=start, end=end,
                      track=track, speakers=speakers)
    row = ProgrammeSession(event_id=event.id, title=c.title, kind=c.kind, room=c.room, track=c.track,
                           description=description.strip()[:5000], starts_at=c.starts_at, ends_at=c.ends_at)
    session.add(row)
    session.flush()
    write_speakers(session, session_id=row.id, speakers=c.speakers)
    return row


def where(row: ProgrammeSession) -> Moment:
    """The session's day, times and room as the `events.programme` notices write them (the day in
    the recipient's style)."""
    return span(row, f", {row.room}")


def agenda_users(session: Session, *, session_id: int) -> list[int]:
    """The accounts that have the session in their agenda: the registered participants who chose
    it, then its linked speakers (pitch entries left out: their applicants are told by `events.pitch`),
    each once."""
    choosers = session.scalars(select(Participant.user_id).join(
        SessionChoice, SessionChoice.participant_id == Participant.id).where(
        SessionChoice.session_id == session_id, Participant.status == "registered", Participant.user_id.is_not(None))
        .order_by(Participant.id))
    return list(dict.fromkeys([u for u in choosers if u is not None] + speaker_users(session, session_id=session_id)))


def tell_agenda(session: Session, *, event: Event, row: ProgrammeSession, users: Sequence[int], status: str,
                before: str) -> None:
    """Each of `users` told once (kind `events.programme`, e-mail by default) that the session moved
    (`status` "moved": `before` → its time and room now) or was cancelled (`status` "cancelled")."""
    for user_id in users:
        notifications.notify(session, user_id=user_id, kind="events.programme",
                             context={"event": event.title, "title": row.title, "status": status, "before": before,
                                      "after": where(row)},
                             link=f"/events/{event.id}/programme" + (f"#session-{row.id}" if status == "moved" else ""))


def delete_session(session: Session, *, event: Event, session_id: int, by_user_id: int | None = None,
                   ip: str | None = None) -> list[int]:
    """The session goes with its speakers. The applicants of its pitches are told their pitch left
    the programme (it stays selected); the other people who had it in their agenda (chose it, or
    speak at it) are told it is cancelled (`events.programme`), each once. The deletion is audited
    (`events.session_delete`: what the session was, its speakers). Returns the accounts told."""
    row = session.get(ProgrammeSession, session_id)
    if row is None or row.event_id != event.id:
        raise NotFound(f"no session {session_id}")
    names = [sp.name for sp in session.scalars(select(Speaker).where(Speaker.session_id == row.id)
                                               .order_by(Speaker.position, Speaker.id))]
    accounts.record_audit(session, event="events.session_delete", user_id=by_user_id, ip=ip,
                          target=f"event_session:{row.id}",
                          detail={"event_id": event.id, "title": row.title, "kind": row.kind, "room": row.room,
                                  "starts_at": row.starts_at.isoformat(), "ends_at": row.ends_at.isoformat(),
                                  "speakers": names})
    apps = [sp.pitch_application_id for sp in pitch_entries(session, row.id) if sp.pitch_application_id is not None]
    told = tell_left(session, event=event, application_ids=apps, session_title=row.title)
    users = [u for u in agenda_users(session, session_id=row.id) if u not in told]
    tell_agenda(session, event=event, row=row, users=users, status="cancelled", before=where(row))
    session.delete(row)
    session.flush()
    return users + told


def get_session(session: Session, *, event: Event, session_id: int) -> SessionView:
    row = session.get(ProgrammeSession, session_id)
    if row is None or row.event_id != event.id:
        raise NotFound(f"no session {session_id}")
    return SessionView(row=row, speakers=speakers_of(session, [row.id]).get(row.id, []))


def programme(session: Session, *, event_id: int, track: str | None = None, kind: str | None = None,
              day: date | None = None, room: str | None = None) -> list[SessionView]:
    """The sessions in time order (then room), filtered by track, kind, day or room."""
    query = select(ProgrammeSession).where(ProgrammeSession.event_id == event_id)
    if track:
        query = query.where(ProgrammeSession.track == track)
    if kind:
        query = query.where(ProgrammeSession.kind == kind)
    if room:
        query = query.where(ProgrammeSession.room == room)
    rows = list(session.scalars(query.order_by(ProgrammeSession.starts_at, ProgrammeSession.room,
                                               ProgrammeSession.id)))
    if day is not None:
        rows = [r for r in rows if r.starts_at.date() == day]
    by_session = speakers_of(session, [r.id for r in rows])
    return [SessionView(row=r, speakers=by_session.get(r.id, [])) for r in rows]


def programme_facets(session: Session, *, event_id: int) -> dict[str, list]:
    """The tracks, rooms, kinds and days the programme has (for the filters)."""
    rows = session.execute(select(ProgrammeSession.track, ProgrammeSession.room, ProgrammeSession.kind,
                                  ProgrammeSession.starts_at).where(ProgrammeSession.event_id == event_id)).all()
    return {"tracks": sorted({r[0] for r in rows if r[0]}), "rooms": sorted({r[1] for r in rows}),
            "kinds": [k for k in SESSION_KINDS if k in {r[2] for r in rows}],
            "days": sorted({r[3].date() for r in rows})}


def choose_session(session: Session, *, event: Event, participant: Participant, session_id: int,
                   chosen: bool) -> None:
    """Put a session in (or take it out of) the participant's own agenda."""
    row = session.get(ProgrammeSession, session_id)
    if row is None or row.event_id != event.id:
        raise NotFound(f"no session {session_id}")
    existing = session.get(SessionChoice, (participant.id, session_id))
    if chosen and existing is None:
        session.add(SessionChoice(participant_id=participant.id, session_id=session_id))
    elif not chosen and existing is not None:
        session.delete(existing)
    session.flush()


def chosen_ids(session: Session, *, participant_id: int) -> set[int]:
    return set(session.scalars(select(SessionChoice.session_id).where(SessionChoice.participant_id == participant_id)))


def chosen_sessions(session: Session, *, participant_id: int) -> list[ProgrammeSession]:
    return list(session.scalars(select(ProgrammeSession).join(
        SessionChoice, SessionChoice.session_id == ProgrammeSession.id).where(
        SessionChoice.participant_id == participant_id).order_by(ProgrammeSession.starts_at)))


def drop_choices(session: Session, *, participant_id: int) -> None:
    session.execute(delete(SessionChoice).where(SessionChoice.participant_id == participant_id))


# --- iCalendar -----------------------------------------------------------------------------------


def new_calendar(event: Event) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//Bioprod Atlas//events//FR")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", event.title)
    return cal


def session_entry(event: Event, view: SessionView, *, lang: str, stamp: datetime) -> CalendarEvent:
    row = view.row
    kind_label = KIND_NAMES.get(lang, KIND_NAMES["fr"]).get(row.kind, row.kind)
    entry = CalendarEvent()
    entry.add("uid", f"event{event.id}-session{row.id}@bioatlas")
    entry.add("dtstamp", stamp)
    # the venue's local time, with its zone (TZID and the calendar's VTIMEZONE), not a floating time
    entry.add("dtstart", row.starts_at.replace(tzinfo=VENUE_ZONE))
    entry.add("dtend", row.ends_at.replace(tzinfo=VENUE_ZONE))
    entry.add("summary", row.title)
    entry.add("location", ", ".join(x for x in (row.room, event.venue_name, event.venue_city) if x))
    roles = labels(Translator(lang))["role"]
    people = "; ".join((f"{roles.get(sp.role, sp.role)}: " if sp.role != "speaker" else "")
                       + (f"{sp.name} ({sp.affiliation})" if sp.affiliation else sp.name) for sp in view.speakers)
    entry.add("description", "\n".join(x for x in (f"{kind_label} – {event.title}", row.track, people,
                                                   row.description) if x))
    entry.add("categories", [kind_label])
    return entry


def sessions_ics(event: Event, views: Sequence[SessionView], *, lang: str = "fr") -> bytes:
    """One session's or the whole programme's iCalendar file."""
    cal = new_calendar(event)
    stamp = datetime.now(timezone.utc)
    for view in views:
        cal.add_component(session_entry(event, view, lang=lang, stamp=stamp))
    cal.add_missing_timezones()
    return cal.to_ical()

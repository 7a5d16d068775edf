"""A participant's agenda: its meetings in the published schedule, the programme sessions it
chose and those it speaks at, and their iCalendar file."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from icalendar import Event as CalendarEvent
from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.events.catalogue import slots_for
from bioatlas.events.meetings import requests_of
from bioatlas.events.models import Event, Participant, ScheduledMeeting
from bioatlas.core.moments import VENUE_ZONE
from bioatlas.events.programme import chosen_sessions, new_calendar, programme, session_entry
from bioatlas.events.registration import participants
from bioatlas.events.runs import published_run
from bioatlas.events.speakers import speaking_sessions


def agenda(session: Session, *, event: Event, participant: Participant) -> list[dict[str, Any]]:
    """The participant's meetings in the published schedule, in time order."""
    run = published_run(session, event_id=event.id)
    if run is None:
        return []
    slots = slots_for(event)
    people = {p.id: p for p in participants(session, event_id=event.id, status=None)}
    mine = {r.id: r for r in requests_of(session, event_id=event.id, participant_id=participant.id)}
    out = []
    for m in session.scalars(select(ScheduledMeeting).where(ScheduledMeeting.run_id == run.id,
                                                            ScheduledMeeting.request_id.in_(list(mine) or [0]))):
        r = mine[m.request_id]
        other = people.get(r.to_id if r.from_id == participant.id else r.from_id)
        if m.slot >= len(slots):
            continue
        out.append({"slot": slots[m.slot], "table": m.table_no + 1, "with": other.display_name if other else "?",
                    "with_category": other.category if other else "", "priority": r.priority, "request_id": r.id})
    return sorted(out, key=lambda x: x["slot"].index)


def agenda_ics(session: Session, *, event: Event, participant: Participant, lang: str = "fr") -> bytes:
    """The participant's agenda as an iCalendar file (the `icalendar` library): one VEVENT per B2B
    meeting and per programme session chosen or spoken at."""
    cal = new_calendar(event)
    stamp = datetime.now(timezone.utc)
    chosen = {s.id for s in chosen_sessions(session, participant_id=participant.id)}
    chosen |= {s.id for s in speaking_sessions(session, event_id=event.id, user_id=participant.user_id)}
    for view in programme(session, event_id=event.id):
        if view.row.id in chosen:
            cal.add_component(session_entry(event, view, lang=lang, stamp=stamp))
    for item in agenda(session, event=event, participant=participant):
        entry = CalendarEvent()
        entry.add("uid", f"event{event.id}-request{item['request_id']}@bioatlas")
        entry.add("dtstamp", stamp)
        entry.add("dtstart", item["slot"].start.replace(tzinfo=VENUE_ZONE))  # the venue's time, with its TZID
        entry.add("dtend", item["slot"].end.replace(tzinfo=VENUE_ZONE))
        title = "Rendez-vous B2B" if lang == "fr" else "B2B meeting"
        entry.add("summary", f"{title}\u202f: {item['with']}" if lang == "fr" else f"{title}: {item['with']}")
        entry.add("location", f"{event.venue_name}, table {item['table']}".strip(", "))
        entry.add("description", event.title)
        cal.add_component(entry)
    cal.add_missing_timezones()
    return cal.to_ical()

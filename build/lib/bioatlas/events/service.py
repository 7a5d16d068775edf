"""The events room's services: events, participants, meeting requests, scheduling runs (the
background job), publication, agendas and their iCalendar export. Other rooms call these."""

from __future__ import annotations

import logging
import time as clock
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from icalendar import Calendar
from icalendar import Event as CalendarEvent
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, sessionmaker

from bioatlas.atlas import service as atlas
from bioatlas.events.models import (
    CATEGORIES, PRIORITIES, Event, EventOrganiser, MeetingRequest, Participant, ScheduledMeeting, ScheduleRun,
)
from bioatlas.events.scheduling import solver
from bioatlas.events.scheduling.problem import MUST_MEET, WOULD_LIKE, Meeting, Problem
from bioatlas.events.settings import DEFAULT, FieldError, Slot, clean, day_ranges, slots_of

log = logging.getLogger(__name__)


def now() -> datetime:
    return datetime.now(timezone.utc)

MAX_NOTE = 500

__all__ = ["FieldError", "NotFound", "Conflict", "EventScope", "RequestScope", "create_event", "get_event",
           "list_events", "event_scope", "request_scope", "register", "participant_of", "participants",
           "send_request", "answer_request", "set_availability", "update_settings", "fix_meeting",
           "start_run", "run_schedule", "publish", "published_run", "latest_run", "schedule_rows", "agenda",
           "agenda_ics", "slots_for", "requests_of", "CATEGORIES", "PRIORITIES"]


class NotFound(LookupError):
    pass


class Conflict(ValueError):
    pass


@dataclass(frozen=True)
class EventScope:
    """What the policy needs to know of an event: its organiser actors and registered users."""

    event_id: int
    organisers: frozenset[int]
    participants: frozenset[int]


@dataclass(frozen=True)
class RequestScope:
    """A meeting request as the policy sees it: who may answer it (the recipient's account)."""

    request_id: int
    recipient_user_id: int | None
    event: EventScope


# --- events -------------------------------------------------------------------------------------


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


def event_scope(session: Session, *, event_id: int) -> EventScope | None:
    if session.get(Event, event_id) is None:
        return None
    users = session.scalars(select(Participant.user_id).where(Participant.event_id == event_id,
                                                              Participant.user_id.is_not(None)))
    return EventScope(event_id=event_id, organisers=frozenset(organisers_of(session, event_id=event_id)),
                      participants=frozenset(u for u in users if u is not None))


def request_scope(session: Session, *, event_id: int, request_id: int) -> RequestScope | None:
    request = session.get(MeetingRequest, request_id)
    scope = event_scope(session, event_id=event_id)
    if request is None or scope is None or request.event_id != event_id:
        return None
    recipient = session.get(Participant, request.to_id)
    return RequestScope(request_id=request_id, recipient_user_id=recipient.user_id if recipient else None, event=scope)


def update_settings(session: Session, *, event: Event, raw: dict) -> dict:
    cleaned = clean(raw, starts_on=event.starts_on, ends_on=event.ends_on)
    event.settings = cleaned
    session.flush()
    return cleaned


def slots_for(event: Event) -> list[Slot]:
    return slots_of(event.settings or DEFAULT)


# --- participants and requests ------------------------------------------------------------------


def register(session: Session, *, event: Event, user_id: int | None, display_name: str, category: str,
             actor_id: int | None = None, representatives: int = 1, synthetic: bool = False) -> Participant:
    if category not in CATEGORIES:
        raise FieldError("category", f"one of {', '.join(CATEGORIES)}")
    if not 1 <= representatives <= 10:
        raise FieldError("representatives", "between 1 and 10")
    display_name = display_name.strip()
    if not display_name:
        raise FieldError("display_name", "required")
    if user_id is not None and participant_of(session, event_id=event.id, user_id=user_id) is not None:
        raise Conflict("already registered")
    participant = Participant(event_id=event.id, user_id=user_id, actor_id=actor_id, display_name=display_name[:200],
                              category=category, representatives=representatives, synthetic=synthetic, unavailable=[])
    session.add(participant)
    session.flush()
    return participant


def participant_of(session: Session, *, event_id: int, user_id: int | None) -> Participant | None:
    if user_id is None:
        return None
    return session.scalar(select(Participant).where(Participant.event_id == event_id, Participant.user_id == user_id))


def participants(session: Session, *, event_id: int) -> list[Participant]:
    return list(session.scalars(select(Participant).where(Participant.event_id == event_id)
                                .order_by(Participant.display_name, Participant.id)))


def send_request(session: Session, *, event: Event, sender: Participant, to_participant_id: int, priority: str,
                 note: str = "") -> MeetingRequest:
    if priority not in PRIORITIES:
        raise FieldError("priority", "must or like")
    if len(note) > MAX_NOTE:
        raise FieldError("note", f"at most {MAX_NOTE} characters")
    target = session.get(Participant, to_participant_id)
    if target is None or target.event_id != event.id:
        raise FieldError("to", "not a participant of this event")
    if target.id == sender.id:
        raise FieldError("to", "you cannot request a meeting with yourself")
    existing = session.scalar(select(MeetingRequest).where(
        MeetingRequest.event_id == event.id,
        or_((MeetingRequest.from_id == sender.id) & (MeetingRequest.to_id == target.id),
            (MeetingRequest.from_id == target.id) & (MeetingRequest.to_id == sender.id)),
        MeetingRequest.status.in_(("pending", "accepted"))))
    if existing is not None:
        raise Conflict("a request between you two is already pending or accepted")
    old = session.scalar(select(MeetingRequest).where(MeetingRequest.event_id == event.id,
                                                      MeetingRequest.from_id == sender.id,
                                                      MeetingRequest.to_id == target.id))
    if old is not None:  # declined or cancelled before: ask again
        old.status, old.priority, old.note, old.answered_at = "pending", priority, note, None
        session.flush()
        return old
    request = MeetingRequest(event_id=event.id, from_id=sender.id, to_id=target.id, priority=priority, note=note,
                             status="pending")
    session.add(request)
    session.flush()
    return request


def answer_request(session: Session, *, request_id: int, decision: str) -> MeetingRequest:
    request = session.get(MeetingRequest, request_id)
    if request is None:
        raise NotFound(f"no request {request_id}")
    if decision not in ("accept", "decline"):
        raise FieldError("decision", "accept or decline")
    if request.status not in ("pending", "accepted"):
        raise Conflict(f"this request is {request.status}")
    request.status = "accepted" if decision == "accept" else "declined"
    request.answered_at = now()
    session.flush()
    return request


def requests_of(session: Session, *, event_id: int, participant_id: int | None = None,
                status: str | None = None) -> list[MeetingRequest]:
    query = select(MeetingRequest).where(MeetingRequest.event_id == event_id)
    if participant_id is not None:
        query = query.where(or_(MeetingRequest.from_id == participant_id, MeetingRequest.to_id == participant_id))
    if status is not None:
        query = query.where(MeetingRequest.status == status)
    return list(session.scalars(query.order_by(MeetingRequest.id)))


def set_availability(session: Session, *, event: Event, participant: Participant, unavailable: Sequence[int]) -> None:
    n = len(slots_for(event))
    bad = [s for s in unavailable if not 0 <= s < n]
    if bad:
        raise FieldError("unavailable", f"slot {bad[0] + 1} is not a slot of this event (1..{n})")
    if n and len(set(unavailable)) >= n:
        raise FieldError("unavailable", "you must be available for at least one slot")
    participant.unavailable = sorted(set(unavailable))
    session.flush()


def fix_meeting(session: Session, *, event: Event, request_id: int, slot: int | None) -> MeetingRequest:
    request = session.get(MeetingRequest, request_id)
    if request is None or request.event_id != event.id:
        raise NotFound(f"no request {request_id}")
    if request.status != "accepted":
        raise Conflict("only an accepted meeting can be fixed")
    if slot is not None and not 0 <= slot < len(slots_for(event)):
        raise FieldError("slot", f"not a slot of this event (1..{len(slots_for(event))})")
    request.fixed_slot = slot
    session.flush()
    return request


# --- scheduling ---------------------------------------------------------------------------------


def build_problem(session: Session, *, event: Event) -> tuple[Problem, list[MeetingRequest], list[Participant]]:
    """The solver's problem for the event's accepted requests (every meeting optional: as many
    as fit, must-meet first; fixed ones required)."""
    settings: dict[str, Any] = event.settings or DEFAULT
    slots = slots_for(event)
    people = participants(session, event_id=event.id)
    index = {p.id: i for i, p in enumerate(people)}
    accepted = requests_of(session, event_id=event.id, status="accepted")
    forbidden = frozenset(settings.get("forbidden") or [])
    meetings = [Meeting(a=index[r.from_id], b=index[r.to_id], fixed=r.fixed_slot,
                        priority=MUST_MEET if r.priority == "must" else WOULD_LIKE,
                        label=f"{_name(people, index, r.from_id)} – {_name(people, index, r.to_id)}")
                for r in accepted]
    problem = Problem(
        n_participants=max(1, len(people)), n_slots=max(1, len(slots)), tables=int(settings.get("tables") or 1),
        meetings=meetings, days=day_ranges(slots) if slots else (),
        capacity=[max(1, p.representatives) for p in people] or [1],
        unavailable=[frozenset(p.unavailable or []) | forbidden for p in people] or [frozenset()],
        require_all=False, fairness=settings.get("fairness"),
        participant_labels=[p.display_name for p in people] or ["-"],
    )
    return problem, accepted, people


def _name(people: list[Participant], index: dict[int, int], participant_id: int) -> str:
    return people[index[participant_id]].display_name


def start_run(session: Session, *, event: Event, user_id: int | None, time_limit: float = 60.0) -> ScheduleRun:
    """A queued run; the caller commits, then the job `events.schedule` runs it."""
    if not slots_for(event):
        raise FieldError("sessions", "set the meeting sessions first")
    running = session.scalar(select(ScheduleRun).where(ScheduleRun.event_id == event.id,
                                                       ScheduleRun.status.in_(("queued", "running"))))
    if running is not None:
        raise Conflict(f"run {running.id} is still {running.status}")
    run = ScheduleRun(event_id=event.id, status="queued", created_by=user_id, time_limit=time_limit, conflicts=[],
                      progress={})
    session.add(run)
    session.flush()
    return run


def run_schedule(factory: sessionmaker[Session], *, run_id: int, workers: int = 2) -> str:
    """The job: solve, store the draft; any failure marks the run failed and leaves every other run
    (the published schedule) as it was."""
    with factory() as s:
        run = s.get(ScheduleRun, run_id)
        if run is None or run.status not in ("queued", "running"):
            return "skipped"
        run.status = "running"
        s.commit()
        try:
            event = get_event(s, event_id=run.event_id)
            problem, accepted, _people = build_problem(s, event=event)
            hint = _published_hint(s, event_id=event.id, accepted=accepted)
            last = [0.0]

            def progress(phase: str, objective: float, bound: float, seconds: float) -> None:
                if clock.monotonic() - last[0] < 1.0:
                    return
                last[0] = clock.monotonic()
                with factory() as p:
                    row = p.get(ScheduleRun, run_id)
                    if row is not None:
                        row.progress = {"phase": phase, "objective": objective, "bound": bound,
                                        "seconds": round(seconds, 1)}
                        p.commit()

            result = solver.solve(problem, time_limit=run.time_limit, workers=workers, hint=hint,
                                  on_progress=progress) if accepted else None
            s.refresh(run)
            run.requested = len(accepted)
            if result is None:
                run.outcome, run.placed, run.total_breaks, run.bound = "optimal", 0, 0, 0
            else:
                run.outcome = result.status
                run.placed = len(result.placements)
                run.total_breaks, run.bound = result.total_breaks, result.bound
                run.conflicts = list(result.conflicts)
                for placement in result.placements:
                    s.add(ScheduledMeeting(run_id=run.id, request_id=accepted[placement.meeting].id,
                                           slot=placement.slot, table_no=placement.table))
            run.status = "done"
            run.finished_at = now()
            s.commit()
            return run.outcome or "done"
        except Exception as exc:  # recorded on the run; the published schedule is untouched
            s.rollback()
            log.exception("schedule run %s failed", run_id)
            row = s.get(ScheduleRun, run_id)
            if row is not None:
                row.status, row.error, row.finished_at = "failed", f"{type(exc).__name__}: {exc}"[:2000], now()
                s.execute(delete(ScheduledMeeting).where(ScheduledMeeting.run_id == run_id))
                s.commit()
            return "failed"


def _published_hint(session: Session, *, event_id: int, accepted: list[MeetingRequest]) -> dict[int, int]:
    """{meeting index: slot} of the published schedule: re-scheduling starts from it."""
    run = published_run(session, event_id=event_id)
    if run is None:
        return {}
    slot_of = {m.request_id: m.slot for m in session.scalars(select(ScheduledMeeting)
                                                              .where(ScheduledMeeting.run_id == run.id))}
    return {i: slot_of[r.id] for i, r in enumerate(accepted) if r.id in slot_of}


def publish(session: Session, *, event: Event, run_id: int) -> ScheduleRun:
    run = session.get(ScheduleRun, run_id)
    if run is None or run.event_id != event.id:
        raise NotFound(f"no run {run_id}")
    if run.status != "done" or run.outcome not in ("optimal", "feasible"):
        raise Conflict("only a finished run with a schedule can be published")
    for other in session.scalars(select(ScheduleRun).where(ScheduleRun.event_id == event.id,
                                                           ScheduleRun.published_at.is_not(None))):
        other.published_at = None
    run.published_at = datetime.now(timezone.utc)
    session.flush()
    return run


def published_run(session: Session, *, event_id: int) -> ScheduleRun | None:
    return session.scalar(select(ScheduleRun).where(ScheduleRun.event_id == event_id,
                                                    ScheduleRun.published_at.is_not(None)))


def latest_run(session: Session, *, event_id: int) -> ScheduleRun | None:
    return session.scalar(select(ScheduleRun).where(ScheduleRun.event_id == event_id)
                          .order_by(ScheduleRun.id.desc()).limit(1))


def runs_of(session: Session, *, event_id: int) -> list[ScheduleRun]:
    return list(session.scalars(select(ScheduleRun).where(ScheduleRun.event_id == event_id)
                                .order_by(ScheduleRun.id.desc())))


def schedule_rows(session: Session, *, event: Event, run: ScheduleRun) -> list[dict[str, Any]]:
    """The organiser's grid: one row per slot, its meetings by table."""
    slots = slots_for(event)
    names = {p.id: p.display_name for p in participants(session, event_id=event.id)}
    requests = {r.id: r for r in requests_of(session, event_id=event.id)}
    by_slot: dict[int, list[dict[str, Any]]] = {}
    for m in session.scalars(select(ScheduledMeeting).where(ScheduledMeeting.run_id == run.id)):
        r = requests.get(m.request_id)
        if r is None:
            continue
        by_slot.setdefault(m.slot, []).append({"table": m.table_no + 1, "a": names.get(r.from_id, "?"),
                                               "b": names.get(r.to_id, "?"), "priority": r.priority,
                                               "fixed": r.fixed_slot is not None, "request_id": r.id})
    return [{"slot": s, "meetings": sorted(by_slot.get(s.index, []), key=lambda x: x["table"])} for s in slots]


def agenda(session: Session, *, event: Event, participant: Participant) -> list[dict[str, Any]]:
    """The participant's meetings in the published schedule, in time order."""
    run = published_run(session, event_id=event.id)
    if run is None:
        return []
    slots = slots_for(event)
    people = {p.id: p for p in participants(session, event_id=event.id)}
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
    """The participant's agenda as an iCalendar file (the `icalendar` library)."""
    cal = Calendar()
    cal.add("prodid", "-//Bioprod Atlas//events//FR")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", event.title)
    stamp = datetime.now(timezone.utc)
    for item in agenda(session, event=event, participant=participant):
        entry = CalendarEvent()
        entry.add("uid", f"event{event.id}-request{item['request_id']}@bioatlas")
        entry.add("dtstamp", stamp)
        entry.add("dtstart", item["slot"].start)
        entry.add("dtend", item["slot"].end)
        title = "Rendez-vous B2B" if lang == "fr" else "B2B meeting"
        table = "table" if lang == "en" else "table"
        entry.add("summary", f"{title} : {item['with']}" if lang == "fr" else f"{title}: {item['with']}")
        entry.add("location", f"{event.venue_name}, {table} {item['table']}".strip(", "))
        entry.add("description", event.title)
        cal.add_component(entry)
    return cal.to_ical()


# --- map, personal data -------------------------------------------------------------------------


def venues_in(session: Session, *, bbox: tuple[float, float, float, float], limit: int) -> list[Event]:
    west, south, east, north = bbox
    return list(session.scalars(select(Event).where(Event.venue_lat.is_not(None), Event.venue_lon.is_not(None),
                                                    Event.venue_lat.between(south, north),
                                                    Event.venue_lon.between(west, east))
                                .order_by(Event.starts_on).limit(limit)))


def export_personal(session: Session, *, user_id: int) -> list[dict[str, Any]]:
    out = []
    for p in session.scalars(select(Participant).where(Participant.user_id == user_id)):
        event = session.get(Event, p.event_id)
        out.append({"event": event.title if event else p.event_id, "display_name": p.display_name,
                    "category": p.category, "representatives": p.representatives, "unavailable_slots": p.unavailable,
                    "requests": [{"id": r.id, "from_me": r.from_id == p.id, "priority": r.priority,
                                  "status": r.status, "note": r.note}
                                 for r in requests_of(session, event_id=p.event_id, participant_id=p.id)]})
    return out


def erase_personal(session: Session, *, user_id: int) -> None:
    """A deleted account leaves its events: its registrations, requests and scheduled meetings go."""
    for p in session.scalars(select(Participant).where(Participant.user_id == user_id)):
        ids = [r.id for r in requests_of(session, event_id=p.event_id, participant_id=p.id)]
        if ids:
            session.execute(delete(ScheduledMeeting).where(ScheduledMeeting.request_id.in_(ids)))
            session.execute(delete(MeetingRequest).where(MeetingRequest.id.in_(ids)))
        session.delete(p)
    session.flush()


def organiser_names(session: Session, *, event_id: int) -> list[tuple[int, str]]:
    return actor_names(session, actor_ids=organisers_of(session, event_id=event_id))


def actor_names(session: Session, *, actor_ids) -> list[tuple[int, str]]:
    """(id, name) of atlas actors, through the atlas's public service."""
    ids = sorted(set(actor_ids))
    if not ids:
        return []
    actors = atlas.load_actors(session, ids=ids)
    return [(i, actors[i].name) for i in ids if i in actors]

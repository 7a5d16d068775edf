"""The events room's public interface (other rooms and the room's own pages call these; keyword-only
arguments). The work lives in modules named for their use case:

- `catalogue`: events, organisers, scheduling settings and slots, venues, actors' names;
- `scopes`: what the policy sees of an event and of a meeting request;
- `registration`: participants;
- `meetings`: meeting requests, availability, fixed meetings;
- `runs`: scheduling runs (the background job), publication, the organiser's grid;
- `agenda`: a participant's agenda and its iCalendar file;
- `personal`: personal data export and erasure."""

from __future__ import annotations

from bioatlas.events.agenda import agenda, agenda_ics
from bioatlas.events.catalogue import (
    actor_names, create_event, get_event, list_events, organiser_names, organisers_of, slots_for, update_settings,
    venues_in,
)
from bioatlas.events.errors import Conflict, FieldError, NotFound
from bioatlas.events.meetings import MAX_NOTE, answer_request, fix_meeting, requests_of, send_request, set_availability
from bioatlas.events.models import CATEGORIES, PRIORITIES
from bioatlas.events.personal import erase_personal, export_personal
from bioatlas.events.registration import participant_of, participants, register
from bioatlas.events.runs import (
    build_problem, latest_run, publish, published_run, run_schedule, runs_of, schedule_rows, start_run,
)
from bioatlas.events.scopes import EventScope, RequestScope, event_scope, request_scope

__all__ = [  # noqa: RUF022  (grouped by use case)
    "FieldError", "NotFound", "Conflict", "CATEGORIES", "PRIORITIES", "MAX_NOTE",
    "create_event", "get_event", "list_events", "organisers_of", "update_settings", "slots_for", "venues_in",
    "organiser_names", "actor_names",
    "EventScope", "RequestScope", "event_scope", "request_scope",
    "register", "participant_of", "participants",
    "send_request", "answer_request", "requests_of", "set_availability", "fix_meeting",
    "build_problem", "start_run", "run_schedule", "publish", "published_run", "latest_run", "runs_of",
    "schedule_rows",
    "agenda", "agenda_ics",
    "export_personal", "erase_personal",
]

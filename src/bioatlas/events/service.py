"""The events room's public interface (other rooms and the room's own pages call these; keyword-only
arguments). The work lives in modules named for their use case:

- `catalogue`: events, organisers, scheduling settings and slots, venues, actors' names;
- `scopes`: what the policy sees of an event and of a meeting request;
- `registration`: participants, capacities, the waiting list, cancellation;
- `programme`: sessions, speakers, participants' chosen sessions, their iCalendar files;
- `speakers`: speakers linked to atlas actors, to participants' accounts, to pitch applications;
- `checkin`: badges (signed token, QR code) and check-in;
- `exhibitors`: booths and the innovation village;
- `export`: the organisers' CSV of registrations;
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
from bioatlas.events.checkin import Badge, CheckIn, badge_token, badges, check_in, qr_svg, read_token
from bioatlas.events.errors import Conflict, FieldError, NotFound
from bioatlas.events.exhibitors import ExhibitorView, add_exhibitor, exhibitor_kinds, exhibitors, remove_exhibitor
from bioatlas.events.export import registrations_csv, safe_cell
from bioatlas.events.meetings import MAX_NOTE, answer_request, fix_meeting, requests_of, send_request, set_availability
from bioatlas.events.models import ALL_CATEGORIES, CATEGORIES, PRIORITIES, SESSION_KINDS
from bioatlas.events.personal import erase_personal, export_personal
from bioatlas.events.programme import (
    KIND_NAMES, SessionView, SpeakerInput, add_session, choose_session, chosen_ids, chosen_sessions, delete_session,
    get_session, programme, programme_facets, sessions_ics,
)
from bioatlas.events.registration import (
    cancel, capacities, counts, participant_of, participants, promote, register, set_capacities, waiting_position,
)
from bioatlas.events.runs import (
    breaks_summary, build_problem, latest_run, publish, published_run, run_schedule, runs_of, schedule_rows, start_run,
)
from bioatlas.events.speakers import participant_numbers, speaking_sessions
from bioatlas.events.scopes import EventScope, RequestScope, event_scope, request_scope

__all__ = [  # noqa: RUF022  (grouped by use case)
    "FieldError", "NotFound", "Conflict", "CATEGORIES", "PRIORITIES", "MAX_NOTE", "ALL_CATEGORIES", "SESSION_KINDS",
    "create_event", "get_event", "list_events", "organisers_of", "update_settings", "slots_for", "venues_in",
    "organiser_names", "actor_names",
    "EventScope", "RequestScope", "event_scope", "request_scope",
    "register", "participant_of", "participants", "cancel", "promote", "capacities", "counts", "set_capacities",
    "waiting_position",
    "SpeakerInput", "SessionView", "KIND_NAMES", "add_session", "delete_session", "get_session", "programme",
    "programme_facets", "choose_session", "chosen_ids", "chosen_sessions", "sessions_ics",
    "participant_numbers", "speaking_sessions",
    "Badge", "CheckIn", "badge_token", "read_token", "qr_svg", "badges", "check_in",
    "ExhibitorView", "add_exhibitor", "remove_exhibitor", "exhibitors", "exhibitor_kinds",
    "registrations_csv", "safe_cell",
    "send_request", "answer_request", "requests_of", "set_availability", "fix_meeting",
    "build_problem", "start_run", "run_schedule", "publish", "published_run", "latest_run", "runs_of",
    "breaks_summary",
    "schedule_rows",
    "agenda", "agenda_ics",
    "export_personal", "erase_personal",
]

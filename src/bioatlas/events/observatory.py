"""The events' computed figures for the observatory (hook `bioatlas_observatory_queries`), so that
"500 participants, 1,000 messages" becomes a figure the platform counts: per event (scope
`event-<id>`, the event's title in the value's text, "synthetic" when it is a demo event),
participants registered (by category too), checked in at the venue, meeting requests sent,
accepted and placed in the published schedule, and messages exchanged in the event's
conversations (`messaging.service.message_count`, context "event"). Units: counts. Source: the
platform's events room (query `events:<field>`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bioatlas.core.plugins import ComputedIndicator, ObservatoryPoint, ObservatoryQuery
from bioatlas.events.models import Event, MeetingRequest, Participant, ScheduledMeeting, ScheduleRun
from bioatlas.messaging import service as messaging

FIELDS = ("registered", "by_category", "checked_in", "requested", "accepted", "scheduled", "messages")


def _label(event: Event) -> str:
    return event.title + (" (synthetic)" if event.synthetic else "")


def _per_event(events: list[Event], counts: Counter) -> list[ObservatoryPoint]:
    return [ObservatoryPoint(scope=f"event-{e.id}", value=counts.get(e.id, 0),
                             value_text=f"{counts.get(e.id, 0)} – {_label(e)}") for e in events]


def compute(session: Session, field: str | None) -> Sequence[ObservatoryPoint] | str:
    events = list(session.scalars(select(Event).order_by(Event.id)))
    if not events:
        return "no event on the platform yet"
    if field == "registered":
        rows = session.execute(select(Participant.event_id, func.count()).where(Participant.status == "registered")
                               .group_by(Participant.event_id)).tuples().all()
        return _per_event(events, Counter(dict(rows)))
    if field == "by_category":
        rows = session.execute(select(Participant.event_id, Participant.category, func.count())
                               .where(Participant.status == "registered")
                               .group_by(Participant.event_id, Participant.category)).tuples().all()
        titles = {e.id: _label(e) for e in events}
        return [ObservatoryPoint(scope=f"event-{e}", dimension=f"category={c}", value=n, value_text=f"{n} – {titles[e]}")
                for e, c, n in sorted(rows)] or "nobody registered yet"
    if field == "checked_in":
        rows = session.execute(select(Participant.event_id, func.count()).where(Participant.checked_in_at.is_not(None))
                               .group_by(Participant.event_id)).tuples().all()
        return _per_event(events, Counter(dict(rows)))
    if field in ("requested", "accepted"):
        stmt = select(MeetingRequest.event_id, func.count()).group_by(MeetingRequest.event_id)
        if field == "accepted":
            stmt = stmt.where(MeetingRequest.status == "accepted")
        return _per_event(events, Counter(dict(session.execute(stmt).tuples().all())))
    if field == "scheduled":
        rows = session.execute(select(ScheduleRun.event_id, func.count()).join(
            ScheduledMeeting, ScheduledMeeting.run_id == ScheduleRun.id).where(ScheduleRun.published_at.is_not(None))
            .group_by(ScheduleRun.event_id)).tuples().all()
        return _per_event(events, Counter(dict(rows)))
    if field == "messages":
        return _per_event(events, Counter({e.id: messaging.message_count(session, context_kind="event", context_id=e.id)
                                           for e in events}))
    raise ValueError(f"unknown field {field!r}; expected one of {', '.join(FIELDS)}")


SOURCE_FR = "Calculé par la plateforme (salle des événements)"
SOURCE_EN = "Computed by the platform (the events room)"


def _indicator(field: str, label_fr: str, label_en: str, what_fr: str, what_en: str) -> ComputedIndicator:
    return ComputedIndicator(code=f"events_{field}", label_fr=label_fr, label_en=label_en,
                             definition_fr=f"{SOURCE_FR}\u202f: {what_fr}, par événement.",
                             definition_en=f"{SOURCE_EN}: {what_en}, per event.",
                             unit="count", scope_kind="event", query=f"events:{field}")


INDICATORS = (
    _indicator("registered", "Participants inscrits", "Registered participants",
               "participants inscrits (hors liste d'attente et annulations)",
               "participants registered (waiting list and cancellations left out)"),
    _indicator("by_category", "Participants inscrits par catégorie", "Registered participants by category",
               "participants inscrits par catégorie (industrie, académique, start-up, investisseur…)",
               "registered participants by category (industry, academia, start-up, investor…)"),
    _indicator("checked_in", "Participants accueillis sur place", "Participants checked in",
               "participants dont le badge a été contrôlé à l'accueil",
               "participants whose badge was checked at the entrance"),
    _indicator("requested", "Rendez-vous B2B demandés", "B2B meetings requested",
               "demandes de rendez-vous envoyées entre participants",
               "meeting requests sent between participants"),
    _indicator("accepted", "Rendez-vous B2B acceptés", "B2B meetings accepted",
               "demandes de rendez-vous acceptées par leur destinataire",
               "meeting requests accepted by their recipient"),
    _indicator("scheduled", "Rendez-vous B2B planifiés", "B2B meetings scheduled",
               "rendez-vous placés (créneau et table) dans le planning publié",
               "meetings placed (slot and table) in the published schedule"),
    _indicator("messages", "Messages échangés", "Messages exchanged",
               "messages échangés dans les conversations ouvertes depuis l'événement",
               "messages exchanged in the conversations opened from the event"),
)

QUERY = ObservatoryQuery(name="events", fields=FIELDS, run=compute, indicators=INDICATORS)

"""The events room's demo step (order 500): one SYNTHETIC B2B event, clearly labelled.

"Rencontres B2B de démonstration (synthétique)": 64 participants named "Participant démo N"
(obviously not real people), each representing a real actor already in the atlas (the first
actors by id: ROR and seed records), with invented meeting requests (a fixed pseudo-random draw),
accepted or declined, a day of 20-minute slots in two sessions, and a schedule computed by the
scheduler and published. The organiser is a real atlas actor; nothing states that it organises
such an event: the event says it is a demonstration. Idempotent: skipped when it exists.

Its programme (plenaries, round tables, a start-up pitch session, workshops, in three rooms and
two tracks; speakers "Intervenant·e démo N", each with a real atlas actor as affiliation), a
registration limit, and exhibitors: real atlas actors at numbered booths, start-ups in the
innovation village; a call for pitches (`pitch_demo`: i-Lab laureates' synthetic applications, a
jury "Juré·e démo N", the selected pitches in the pitch session). Each part is added once (an
event loaded before gets the missing parts)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bioatlas.atlas import service as atlas
from bioatlas.core.db import transaction
from bioatlas.events import pitch_demo, pitches, service
from bioatlas.events.models import Event, Exhibitor, ProgrammeSession

TITLE = "Rencontres B2B de démonstration (synthétique)"
DESCRIPTION = ("Événement fictif créé pour la démonstration\u202f: participants synthétiques «\u00a0Participant démo N\u00a0», "
               "demandes de rendez-vous inventées. Les organisations citées sont de vrais acteurs de l'atlas, "
               "mais ni leur participation ni ces rendez-vous n'existent.")
PARTICIPANTS = 64
CATEGORIES = ("industry", "industry", "academia", "startup", "investor", "public_body", "patient_association")


# (start, end, room, kind, track, title, number of speakers)
PROGRAMME = [
    ("08:30", "09:00", "Hall", "networking", "", "Accueil et café", 0),
    ("09:00", "09:45", "Amphithéâtre", "plenary", "", "Plénière d'ouverture\u202f: la bioproduction en France (démo)", 2),
    ("10:00", "11:00", "Amphithéâtre", "round_table", "Industrialisation",
     "Table ronde\u202f: du lot clinique au lot commercial (démo)", 4),
    ("10:00", "11:00", "Salle Pasteur", "workshop", "Compétences", "Atelier\u202f: former les opérateurs de demain (démo)", 2),
    ("11:15", "12:15", "Salle Pasteur", "pitch", "Innovation", "Pitchs des start-up du village (démo)", 1),
    ("14:00", "15:00", "Amphithéâtre", "round_table", "Innovation", "Table ronde\u202f: financer la croissance (démo)", 3),
    ("14:00", "15:30", "Salle Pasteur", "workshop", "Industrialisation",
     "Atelier\u202f: procédés continus et analytique en ligne (démo)", 2),
    ("17:30", "18:00", "Amphithéâtre", "plenary", "", "Clôture et annonces (démo)", 1),
]
EXHIBITORS, VILLAGE = 10, 6
SPARE_PLACES = 16  # the registration limit: the participants plus this many


def run(factory: sessionmaker[Session], *, taxonomies: Any = None, time_limit: float = 10.0) -> Mapping[str, Any]:
    with factory() as s:
        existing = s.scalar(select(Event.id).where(Event.title == TITLE, Event.synthetic.is_(True)))
    if existing is not None:
        return {"events": 0, "skipped": "exists", **extras(factory, event_id=existing)}
    summary = _b2b(factory, time_limit=time_limit)
    if summary.get("event_id"):
        summary.update(extras(factory, event_id=summary.pop("event_id")))
    return summary


def extras(factory: sessionmaker[Session], *, event_id: int) -> dict[str, Any]:
    """The programme, the registration limit and the exhibitors, each when the event has none."""
    out: dict[str, Any] = {}
    with transaction(factory) as s:
        event = service.get_event(s, event_id=event_id)
        if s.scalar(select(ProgrammeSession.id).where(ProgrammeSession.event_id == event_id).limit(1)) is None:
            out["sessions"] = _programme(s, event=event)
        if not service.capacities(s, event_id=event_id):
            total = service.counts(s, event_id=event_id)[service.ALL_CATEGORIES] + SPARE_PLACES
            service.set_capacities(s, event=event, limits={service.ALL_CATEGORIES: total})
            out["capacity"] = total
        if s.scalar(select(Exhibitor.id).where(Exhibitor.event_id == event_id).limit(1)) is None:
            out["exhibitors"] = _exhibitors(s, event=event)
        if pitches.call_of(s, event_id=event_id) is None:
            out.update(pitch_demo.add(s, event=event))
    return out


def _programme(s: Session, *, event: Event) -> int:
    people = atlas.find_actors(s, limit=40)
    startups = atlas.actor_ids_of_kinds(s, kinds=["startup"])[:8]
    startup_actors = atlas.load_actors(s, ids=startups)
    n = 0
    for start, end, room, kind, track, title, speakers in PROGRAMME:
        pool = [startup_actors[i] for i in startups] if kind == "pitch" and startups else people
        chosen = [pool[(n + k) % len(pool)] for k in range(min(speakers, len(pool)))] if pool else []
        inputs = []
        for a in chosen:
            n += 1
            inputs.append(service.SpeakerInput(name=f"Intervenant·e démo {n}", affiliation=a.name[:300],
                                                actor_id=a.id))
        service.add_session(s, event=event, title=title, kind=kind, room=room, track=track, day=event.starts_on,
                            start=start, end=end, speakers=inputs,
                            description="Session fictive de démonstration\u202f: intervenants synthétiques.")
    return len(PROGRAMME)


def _exhibitors(s: Session, *, event: Event) -> int:
    startups = atlas.actor_ids_of_kinds(s, kinds=["startup"])[:VILLAGE]
    others = atlas.actor_ids_of_kinds(s, kinds=["cdmo", "sme", "midcap", "large_group", "company",
                                                "tech_platform"])[:EXHIBITORS]
    count = 0
    for i, actor_id in enumerate(others):
        service.add_exhibitor(s, event=event, actor_ref=str(actor_id), booth=f"A{i + 1:02d}", village=False)
        count += 1
    for i, actor_id in enumerate(a for a in startups if a not in others):
        service.add_exhibitor(s, event=event, actor_ref=str(actor_id), booth=f"V{i + 1:02d}", village=True)
        count += 1
    return count


def _b2b(factory: sessionmaker[Session], *, time_limit: float) -> dict[str, Any]:
    with factory() as s:
        actors = atlas.find_actors(s, limit=PARTICIPANTS + 1)
    if len(actors) < 2:
        return {"events": 0, "skipped": "no actors in the atlas"}
    rng = random.Random(15)
    day = date.today() + timedelta(days=60)
    with transaction(factory) as s:
        event = service.create_event(
            s, title=TITLE, description=DESCRIPTION, starts_on=day, ends_on=day,
            organiser_actor_ids=[actors[0].id], venue_name="Centre de congrès (démo)", venue_city="Lyon",
            venue_lat=45.7640, venue_lon=4.8357, synthetic=True,
            settings={"slot_minutes": 20, "tables": 14, "fairness": 2, "forbidden": [],
                      "sessions": [{"day": day.isoformat(), "start": "09:00", "end": "12:20"},
                                   {"day": day.isoformat(), "start": "14:00", "end": "17:20"}]})
        people = [service.register(s, event=event, user_id=None, actor_id=actor.id, display_name=f"Participant démo {i + 1}",
                                   category=CATEGORIES[i % len(CATEGORIES)],
                                   representatives=2 if i % 16 == 0 else 1, synthetic=True)
                  for i, actor in enumerate(actors[1:PARTICIPANTS + 1])]
        for p in people[::9]:  # some are away for a morning
            p.unavailable = list(range(0, 4))
        requests = 0
        for sender in people:
            for j in rng.sample(range(len(people)), k=min(len(people) - 1, 5)):
                target = people[j]
                if target.id == sender.id:
                    continue
                try:
                    r = service.send_request(s, event=event, sender=sender, to_participant_id=target.id,
                                             priority="must" if rng.random() < 0.3 else "like")
                except service.Conflict:
                    continue
                service.answer_request(s, request_id=r.id, decision="accept" if rng.random() < 0.85 else "decline")
                requests += 1
        run_row = service.start_run(s, event=event, user_id=None, time_limit=time_limit)
        event_id, run_id = event.id, run_row.id
    outcome = service.run_schedule(factory, run_id=run_id)
    with transaction(factory) as s:
        event = service.get_event(s, event_id=event_id)
        published = None
        if outcome in ("optimal", "feasible"):
            published = service.publish(s, event=event, run_id=run_id)
        placed = published.placed if published else 0
    return {"events": 1, "participants": len(people), "requests": requests, "schedule": outcome, "placed": placed,
            "event_id": event_id}

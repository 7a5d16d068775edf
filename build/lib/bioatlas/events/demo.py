"""The events room's demo step (order 500): one SYNTHETIC B2B event, clearly labelled.

"Rencontres B2B de démonstration (synthétique)": 64 participants named "Participant démo N"
(obviously not real people), each representing a real actor already in the atlas (the first
actors by id: ROR and seed records), with invented meeting requests (a fixed pseudo-random draw),
accepted or declined, a day of 20-minute slots in two sessions, and a schedule computed by the
scheduler and published. The organiser is a real atlas actor; nothing states that it organises
such an event: the event says it is a demonstration. Idempotent: skipped when it exists."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bioatlas.atlas import service as atlas
from bioatlas.core.db import transaction
from bioatlas.events import service
from bioatlas.events.models import Event

TITLE = "Rencontres B2B de démonstration (synthétique)"
DESCRIPTION = ("Événement fictif créé pour la démonstration : participants synthétiques « Participant démo N », "
               "demandes de rendez-vous inventées. Les organisations citées sont de vrais acteurs de l'atlas, "
               "mais ni leur participation ni ces rendez-vous n'existent.")
PARTICIPANTS = 64
CATEGORIES = ("industry", "industry", "academia", "startup", "investor", "public_body", "patient_association")


def run(factory: sessionmaker[Session], *, taxonomies: Any = None, time_limit: float = 10.0) -> Mapping[str, Any]:
    with factory() as s:
        if s.scalar(select(Event.id).where(Event.title == TITLE, Event.synthetic.is_(True))) is not None:
            return {"events": 0, "skipped": "exists"}
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
    return {"events": 1, "participants": len(people), "requests": requests, "schedule": outcome, "placed": placed}

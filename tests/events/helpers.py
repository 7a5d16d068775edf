"""A small events world for the tests: real-looking test actors, users, an event with its
settings, registered participants; objects for the authorisation matrix."""

from __future__ import annotations

from datetime import date, timedelta

from babel.dates import format_date

from bioatlas.events import service

DAY = date.today() + timedelta(days=30)
FR_DAY = format_date(DAY, "EEEE d MMMM y", locale="fr")  # as a French notification writes it ("mardi 5 janvier 2027")
SETTINGS = {"slot_minutes": 20, "tables": 3, "fairness": 2, "forbidden": [],
            "sessions": [{"day": DAY.isoformat(), "start": "09:00", "end": "10:00"},
                         {"day": DAY.isoformat(), "start": "14:00", "end": "15:00"}]}


def make_event(db, *, organiser: int, title: str = "Rencontres test") -> int:
    with db() as s:
        event = service.create_event(s, title=title, starts_on=DAY, ends_on=DAY, organiser_actor_ids=[organiser],
                                     venue_name="Salle test", venue_city="Évry", venue_lat=48.63, venue_lon=2.44,
                                     settings=SETTINGS)
        s.commit()
        return event.id


def register(db, *, event_id: int, user_id: int | None, name: str, category: str = "industry", reps: int = 1) -> int:
    with db() as s:
        event = service.get_event(s, event_id=event_id)
        p = service.register(s, event=event, user_id=user_id, display_name=name, category=category,
                             representatives=reps, synthetic=user_id is None)
        s.commit()
        return p.id


def request(db, *, event_id: int, sender: int, to: int, priority: str = "like", accept: bool | None = True) -> int:
    from bioatlas.events.models import Participant

    with db() as s:
        event = service.get_event(s, event_id=event_id)
        r = service.send_request(s, event=event, sender=s.get(Participant, sender), to_participant_id=to,
                                 priority=priority)
        if accept is not None:
            service.answer_request(s, request_id=r.id, decision="accept" if accept else "decline")
        s.commit()
        return r.id


def matrix_world(db, *, users: dict[str, int], stranger: int, a: int, b: int) -> dict:
    """For tests/test_authz_matrix.py: an event organised by actor A (own: its members organise it;
    every role's user registered there, with a request from the stranger to each) and one
    organised by actor B (other: nobody of the roles registered; a request between two synthetic
    participants); a run in each."""
    own, other = make_event(db, organiser=a), make_event(db, organiser=b, title="Autres rencontres")
    s_own = register(db, event_id=own, user_id=stranger, name="Stranger")
    requests = {}
    for role, uid in users.items():
        pid = register(db, event_id=own, user_id=uid, name=f"Participant {role}")
        requests[role] = request(db, event_id=own, sender=s_own, to=pid, accept=None)
    requests["token"] = requests["anonymous"] = requests["user"]
    x = register(db, event_id=other, user_id=None, name="Participant démo 1")
    y = register(db, event_id=other, user_id=None, name="Participant démo 2")
    other_request = request(db, event_id=other, sender=x, to=y, accept=None)
    with db() as s:
        runs = tuple(service.start_run(s, event=service.get_event(s, event_id=e), user_id=None).id for e in (own, other))
        s.commit()
    return {"events": (own, other), "requests": requests, "other_request": other_request, "runs": runs}


def policy_objects(session, world: dict, role: str, action: str):
    ev = world["events_world"]
    if action == "events.answer":
        return (service.request_scope(session, event_id=ev["events"][0], request_id=ev["requests"][role]),
                service.request_scope(session, event_id=ev["events"][1], request_id=ev["other_request"]))
    if action == "events.create":
        return None
    if action.startswith("events."):
        return tuple(service.event_scope(session, event_id=e) for e in ev["events"])
    return None


def url_values(world: dict, role: str, whose: str) -> dict:
    ev = world["events_world"]
    own = whose == "own"
    return {"event_id": ev["events"][0 if own else 1],
            "request_id": ev["requests"][role] if own else ev["other_request"],
            "run_id": ev["runs"][0 if own else 1]}

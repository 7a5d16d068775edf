"""The rooms' objects behind the pages with a table that `test_browser_narrow.py` reads beyond the
main ones, so each table has a row to draw: the administrator's routed request (a member of the
case's partner), an event's participants, published meetings, a booth application, two exhibitors
(one in each zone of the floor plan) and a pitch, a failed background job, a contribution waiting
for review, a verified and a submitted capacity offer, a call with an application. Built through the rooms' services (the schedule solved as the
worker would), about two seconds."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from bioatlas.accounts.models import RoleGrant, User
from bioatlas.accounts.policy import principal_for
from bioatlas.atlas.models import Actor
from bioatlas.capacity import service as capacity
from bioatlas.contributions import service as contributions
from bioatlas.events import booths, pitches
from bioatlas.events import service as events
from bioatlas.jobs.models import JobRun
from tests.calls.helpers import apply, make_call
from tests.capacity.test_capacity import profile
from tests.events.helpers import register, request


def table_pages(db, *, actors: dict[str, int], event: int, admin_email: str, taxonomies) -> dict[str, str]:
    """The pages (path: screenshot name) whose tables now have rows, for the administrator
    `admin_email`, with `event` organised by Genopole and a case routed to the Région
    Île-de-France."""
    idf, sanofi, genopole = actors["Région Île-de-France"], actors["Sanofi"], actors["Genopole"]
    with db() as s:
        admin = s.scalar(select(User.id).where(User.email == admin_email))
        s.add_all([RoleGrant(user_id=admin, role="member", scope_kind="actor", scope_value=str(a)) for a in (idf, sanofi, actors["Servier"])])
        s.commit()
    me = register(db, event_id=event, user_id=admin, name="Dominique Administratrice")
    for i in (1, 2):
        request(db, event_id=event, sender=me, to=register(db, event_id=event, user_id=None, name=f"Participant démo {i}"))
    with db() as s:
        run_id = events.start_run(s, event=events.get_event(s, event_id=event), user_id=None, time_limit=10).id
        s.commit()
    events.run_schedule(db, run_id=run_id)
    with db() as s:
        the_event = events.get_event(s, event_id=event)
        events.publish(s, event=the_event, run_id=run_id)
        booths.apply_for_booth(s, event=the_event, user_id=admin, actor_id=sanofi, stand_type="village",
                               wish="près de l'entrée", text="Bioréacteurs à capsules pour la culture de cellules souches.")
        shown = booths.apply_for_booth(s, event=the_event, user_id=admin, actor_id=actors["Servier"], stand_type="village",
                                       text="Thérapies géniques : vecteurs et lignées cellulaires.")
        booths.decide_booth(s, event=the_event, application_id=shown.id, decision="accepted", booth="V01", by_user_id=admin)
        events.add_exhibitor(s, event=the_event, actor_ref=str(actors["bioMérieux"]), booth="A01")  # the plan's two zones
        pitches.open_call(s, event_id=event, title="Pitchs start-up", seats=1)
        pitches.apply(s, event_id=event, user_id=None, actor_id=actors["Servier"], title="Vecteurs AAV à façon",
                      summary="Une plateforme de production de vecteurs AAV.")
        at = datetime(2026, 12, 6, 4, 0, tzinfo=timezone.utc)
        s.add(JobRun(id="b" * 32, task="notifications.send", args="outbox_id=12", status="failed", attempts=4,
                     error="SMTPConnectError: <relay> refused", enqueued_at=at, finished_at=at))
        contributions.propose(s, principal=principal_for(s, s.get(User, admin)), actor=s.get(Actor, actors["bioMérieux"]),
                              fields={"description_fr": "Diagnostic in vitro, Marcy-l'Étoile",
                                      "website": "https://www.biomerieux.com/corp/fr.html"}, note="Site officiel", ip=None)
        for actor, decision in ((genopole, "verify"), (actors["I-STEM"], None)):
            capacity.save_draft(s, user_id=None, ip=None, actor_id=actor, raw=profile(), taxonomies=taxonomies)
            capacity.submit(s, user_id=None, ip=None, actor_id=actor, taxonomies=taxonomies)
            if decision:
                capacity.review(s, user_id=None, ip=None, actor_id=actor, decision=decision)
        s.commit()
    call = make_call(db, manager=admin)
    apply(db, call_id=call, user_id=admin, actor_id=sanofi)
    return {"/oneshop/cases": "oneshop-cases", f"/events/{event}/participants": "",
            f"/events/{event}/agenda": "agenda", f"/events/{event}/booths/review": "booth-review",
            f"/events/{event}/pitches/jury": "", "/admin/jobs": "jobs", "/calls": "",
            f"/calls/{call}/manage": "call-manage", "/capacity": "capacity", f"/capacity/actors/{genopole}": "",
            "/capacity/review": "", "/moderation": "moderation", "/contributions/mine": ""}

"""Events and the B2B flow: registration, requests (bad input named), availability, organiser
settings, a scheduling run (the job's function), draft then publication, re-scheduling keeping
fixed meetings, a failed run leaving the published schedule, the agenda and its iCalendar file,
pages over HTTP with the policy and CSRF, personal data, the map layer, the demo step."""

from __future__ import annotations

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from bioatlas.events import demo, service
from bioatlas.events.models import Event, MeetingRequest, Participant, ScheduledMeeting, ScheduleRun
from bioatlas.events.scheduling import solver
from tests.accounts.fixtures import csrf_of, login, make_user
from tests.contributions.helpers import add_actor
from tests.events.helpers import DAY, SETTINGS, make_event, register, request


@pytest.fixture
def world(db):
    organiser = add_actor(db, "Genopole", "91000")
    company = add_actor(db, "Yposkesi", "91000")
    users = {
        "org": make_user(db, "org@test.invalid", roles=[("member", "actor", organiser)]),
        "ann": make_user(db, "ann@test.invalid", roles=[("member", "actor", company)]),
        "bob": make_user(db, "bob@test.invalid"),
        "eve": make_user(db, "eve@test.invalid"),
    }
    event = make_event(db, organiser=organiser)
    people = {name: register(db, event_id=event, user_id=users[name], name=name.title())
              for name in ("ann", "bob")}
    people.update({f"demo{i}": register(db, event_id=event, user_id=None, name=f"Participant démo {i}")
                   for i in range(1, 5)})
    return {"event": event, "users": users, "people": people, "company": company, "organiser": organiser}


def _run(db, event_id: int) -> ScheduleRun:
    with db() as s:
        run = service.start_run(s, event=service.get_event(s, event_id=event_id), user_id=None, time_limit=10)
        s.commit()
        run_id = run.id
    service.run_schedule(db, run_id=run_id)
    with db() as s:
        return s.get(ScheduleRun, run_id)


def test_requests_refuse_bad_input_by_field(db, world):
    p, e = world["people"], world["event"]
    with db() as s:
        event = service.get_event(s, event_id=e)
        ann = s.get(Participant, p["ann"])
        other_event = make_event(db, organiser=world["organiser"], title="Autre")
        stranger = register(db, event_id=other_event, user_id=None, name="Ailleurs")
        for kwargs, field in [({"to_participant_id": p["ann"], "priority": "like"}, "to"),
                              ({"to_participant_id": stranger, "priority": "like"}, "to"),
                              ({"to_participant_id": p["bob"], "priority": "soon"}, "priority"),
                              ({"to_participant_id": p["bob"], "priority": "like", "note": "x" * 501}, "note")]:
            with pytest.raises(service.FieldError) as caught:
                service.send_request(s, event=event, sender=ann, **kwargs)
            assert caught.value.field == field
        service.send_request(s, event=event, sender=ann, to_participant_id=p["bob"], priority="must")
        with pytest.raises(service.Conflict):  # the other way round: already pending
            service.send_request(s, event=event, sender=s.get(Participant, p["bob"]), to_participant_id=p["ann"],
                                 priority="like")
        with pytest.raises(service.FieldError, match="at least one slot"):
            service.set_availability(s, event=event, participant=ann, unavailable=list(range(6)))
        with pytest.raises(service.FieldError, match="slot 9 is not a slot"):
            service.set_availability(s, event=event, participant=ann, unavailable=[8])
        with pytest.raises(service.FieldError) as caught:
            service.update_settings(s, event=event, raw={**SETTINGS, "sessions": [
                {"day": DAY.isoformat(), "start": "09:00", "end": "11:00"},
                {"day": DAY.isoformat(), "start": "10:00", "end": "12:00"}]})
        assert caught.value.field == "sessions" and "overlap" in caught.value.message
        with pytest.raises(service.FieldError) as caught:
            service.update_settings(s, event=event, raw={**SETTINGS, "tables": "0"})
        assert caught.value.field == "tables"


def test_schedule_draft_publish_reschedule_and_failure(db, world, monkeypatch):
    p, e = world["people"], world["event"]
    pairs = [("ann", "bob", "must"), ("ann", "demo1", "like"), ("ann", "demo2", "like"), ("bob", "demo3", "like"),
             ("demo1", "demo2", "like"), ("demo3", "demo4", "must")]
    ids = [request(db, event_id=e, sender=p[a], to=p[b], priority=prio) for a, b, prio in pairs]
    request(db, event_id=e, sender=p["bob"], to=p["demo4"], accept=False)  # declined: not scheduled
    with db() as s:
        service.set_availability(s, event=service.get_event(s, event_id=e), participant=s.get(Participant, p["bob"]),
                                 unavailable=[0, 1, 2])
        s.commit()
    run = _run(db, e)
    assert (run.status, run.outcome, run.requested, run.placed) == ("done", "optimal", 6, 6)
    with db() as s:
        placed = {m.request_id: m.slot for m in s.scalars(select(ScheduledMeeting).where(ScheduledMeeting.run_id == run.id))}
        assert set(placed) == set(ids)
        assert placed[ids[0]] >= 3 and placed[ids[3]] >= 3  # bob is away in slots 1-3
        event = service.get_event(s, event_id=e)
        assert service.agenda(s, event=event, participant=s.get(Participant, p["ann"])) == []  # a draft only
        service.publish(s, event=event, run_id=run.id)
        s.commit()
        agenda = service.agenda(s, event=event, participant=s.get(Participant, p["ann"]))
        assert [a["with"] for a in agenda] == [n for n, _ in sorted(
            [("Bob", placed[ids[0]]), ("Participant démo 1", placed[ids[1]]), ("Participant démo 2", placed[ids[2]])],
            key=lambda x: x[1])]
        ics = Calendar.from_ical(service.agenda_ics(s, event=event, participant=s.get(Participant, p["ann"])))
        entries = [c for c in ics.walk("VEVENT")]
        assert len(entries) == 3
        assert {str(c.get("summary")) for c in entries} == {"Rendez-vous B2B\u202f: Bob", "Rendez-vous B2B\u202f: Participant démo 1",
                                                           "Rendez-vous B2B\u202f: Participant démo 2"}
        first = min(entries, key=lambda c: c.decoded("dtstart"))
        assert first.decoded("dtstart").date() == DAY and (first.decoded("dtend") - first.decoded("dtstart")).seconds == 1200
        # the organiser fixes ann–demo1 at slot 6; re-scheduling keeps it there
        service.fix_meeting(s, event=event, request_id=ids[1], slot=5)
        s.commit()
    second = _run(db, e)
    assert second.outcome == "optimal"
    with db() as s:
        slot = s.scalar(select(ScheduledMeeting.slot).where(ScheduledMeeting.run_id == second.id,
                                                           ScheduledMeeting.request_id == ids[1]))
        assert slot == 5
    # a failing run is recorded as failed and leaves the published schedule
    def boom(*args, **kwargs):
        raise RuntimeError("solver crashed")
    monkeypatch.setattr(solver, "solve", boom)
    failed = _run(db, e)
    assert failed.status == "failed" and "solver crashed" in failed.error
    with db() as s:
        assert service.published_run(s, event_id=e).id == run.id
        assert s.scalar(select(func.count()).select_from(ScheduledMeeting).where(ScheduledMeeting.run_id == failed.id)) == 0


def test_infeasible_fixed_meetings_are_named_and_not_publishable(db, world):
    p, e = world["people"], world["event"]
    one = request(db, event_id=e, sender=p["ann"], to=p["bob"])
    two = request(db, event_id=e, sender=p["ann"], to=p["demo1"])
    with db() as s:
        event = service.get_event(s, event_id=e)
        service.fix_meeting(s, event=event, request_id=one, slot=2)
        service.fix_meeting(s, event=event, request_id=two, slot=2)
        s.commit()
    run = _run(db, e)
    assert run.outcome == "infeasible"
    assert sorted(run.conflicts) == ["Ann – Bob fixed at slot 3", "Ann – Participant démo 1 fixed at slot 3"]
    with db() as s, pytest.raises(service.Conflict):
        service.publish(s, event=service.get_event(s, event_id=e), run_id=run.id)


def _post(client, url, data):
    return client.post(url, data=data, follow_redirects=False)


def _as(client, email):
    client.cookies.clear()
    assert login(client, email).status_code == 303


def test_pages_policy_and_csrf(client, db, world):
    e, p = world["event"], world["people"]
    assert client.get("/events").status_code == 200
    page = client.get(f"/events/{e}")
    assert page.status_code == 200 and "Rencontres test" in page.text and "Genopole" in page.text
    assert client.get(f"/events/{e}/participants").status_code == 401
    # eve registers (CSRF checked), then sees the list and requests a meeting
    _as(client, "eve@test.invalid")
    csrf = csrf_of(client, f"/events/{e}")
    assert _post(client, f"/events/{e}/register", {"category": "investor", "csrf_token": "forged"}).status_code == 403
    bad = _post(client, f"/events/{e}/register", {"category": "pirate", "csrf_token": csrf})
    assert bad.status_code == 422 and "category" in bad.text
    ok = _post(client, f"/events/{e}/register", {"category": "investor", "display_name": "Eve", "csrf_token": csrf})
    assert ok.status_code == 303
    listing = client.get(f"/events/{e}/participants")
    assert listing.status_code == 200 and "Participant démo 1" in listing.text
    # a conversation with a participant who has an account goes through the messaging room
    assert f'href="/messages/new?to={world["users"]["ann"]}"' in listing.text
    me = _post(client, f"/events/{e}/requests", {"to": "999999", "priority": "like", "csrf_token": csrf})
    assert me.status_code == 422 and "to\u202f: pas un participant de cet événement" in me.text
    assert _post(client, f"/events/{e}/requests", {"to": str(p["ann"]), "priority": "must",
                                                      "csrf_token": csrf}).status_code == 303
    with db() as s:
        r = s.scalar(select(MeetingRequest).where(MeetingRequest.to_id == p["ann"]))
        rid = r.id
    # only ann answers it; eve (the sender) cannot, nor can the organiser
    assert _post(client, f"/events/{e}/requests/{rid}/answer", {"decision": "accept", "csrf_token": csrf}).status_code == 403
    _as(client, "org@test.invalid")
    csrf = csrf_of(client, f"/events/{e}")
    assert _post(client, f"/events/{e}/requests/{rid}/answer", {"decision": "accept", "csrf_token": csrf}).status_code == 403
    organise = client.get(f"/events/{e}/organise")
    assert organise.status_code == 200 and "Réglages" in organise.text or "Settings" in organise.text
    bad = _post(client, f"/events/{e}/settings", {"slot_minutes": "20", "tables": "3", "fairness": "2",
                                                      "sessions": f"{DAY} 09:00 11:00\n{DAY} 10:00 12:00",
                                                      "csrf_token": csrf})
    assert bad.status_code == 422 and "se chevauchent" in bad.text
    _as(client, "ann@test.invalid")
    csrf = csrf_of(client, f"/events/{e}")
    assert _post(client, f"/events/{e}/requests/{rid}/answer", {"decision": "accept", "csrf_token": csrf}).status_code == 303
    assert client.get(f"/events/{e}/organise").status_code == 403  # ann is no organiser
    # the organiser starts a run (queued as a job), runs it as the worker would, publishes it
    _as(client, "org@test.invalid")
    csrf = csrf_of(client, f"/events/{e}/organise")
    assert _post(client, f"/events/{e}/schedule", {"csrf_token": csrf}).status_code == 303
    assert _post(client, f"/events/{e}/schedule", {"csrf_token": csrf}).status_code == 409  # one at a time
    with db() as s:
        run_id = s.scalar(select(ScheduleRun.id).where(ScheduleRun.event_id == e))
    service.run_schedule(db, run_id=run_id)
    draft = client.get(f"/events/{e}/organise")
    assert "Eve – Ann" in draft.text
    assert _post(client, f"/events/{e}/runs/{run_id}/publish", {"csrf_token": csrf}).status_code == 303
    _as(client, "ann@test.invalid")
    agenda = client.get(f"/events/{e}/agenda")
    assert agenda.status_code == 200 and "Eve" in agenda.text
    ics = client.get(f"/events/{e}/agenda.ics")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert len(Calendar.from_ical(ics.content).walk("VEVENT")) == 1


def test_personal_data_map_layer_and_demo(db, world):
    with db() as s:
        exported = service.export_personal(s, user_id=world["users"]["ann"])
        assert exported[0]["display_name"] == "Ann"
        service.erase_personal(s, user_id=world["users"]["ann"])
        s.commit()
        assert service.participant_of(s, event_id=world["event"], user_id=world["users"]["ann"]) is None
        points = service.venues_in(s, bbox=(-5.5, 41.0, 10.0, 51.5), limit=10)
        assert [ev.title for ev in points] == ["Rencontres test"]
    for i in range(70):  # the demo step needs actors of the atlas
        add_actor(db, f"Acteur test {i}", "69007")
    summary = demo.run(db, time_limit=3)
    assert summary["events"] == 1 and summary["participants"] == 64 and summary["schedule"] in ("optimal", "feasible")
    assert summary["placed"] > 0
    assert demo.run(db)["events"] == 0  # idempotent
    with db() as s:
        event = s.scalar(select(Event).where(Event.synthetic.is_(True)))
        assert "(synthétique)" in event.title
        names = [x.display_name for x in service.participants(s, event_id=event.id)]
        assert all(n.startswith("Participant démo ") for n in names)
        assert service.published_run(s, event_id=event.id) is not None
        # its programme, registration limit and exhibitors (real atlas actors), once
        views = service.programme(s, event_id=event.id)
        assert len(views) == len(demo.PROGRAMME) and all(sp.actor_id for v in views for sp in v.speakers)
        assert all(sp.name.startswith("Intervenant·e démo ") for v in views for sp in v.speakers)
        assert service.capacities(s, event_id=event.id)["*"] == 64 + demo.SPARE_PLACES
        shown = service.exhibitors(s, event_id=event.id)
        assert len(shown) == demo.EXHIBITORS and all(x.name and x.actor_id for x in shown)
    assert "sessions" not in demo.run(db)  # nothing added twice


def test_members_create_events_for_their_actor(client, db, world):
    _as(client, "bob@test.invalid")  # a member of no actor
    assert client.get("/events/new").status_code == 403
    _as(client, "ann@test.invalid")
    csrf = csrf_of(client, "/events/new")
    form = {"title": "Journée partenariats (test)", "starts_on": DAY.isoformat(), "ends_on": DAY.isoformat(),
            "venue_name": "Amphi", "venue_city": "Lyon", "venue_lat": "45.76", "venue_lon": "4.83",
            "organiser": str(world["company"]), "csrf_token": csrf}
    bad = _post(client, "/events/new", {**form, "organiser": str(world["organiser"])})  # not her actor
    assert bad.status_code == 422 and "organiser" in bad.text
    assert _post(client, "/events/new", {**form, "venue_lat": "91"}).status_code == 422
    assert _post(client, "/events/new", {**form, "ends_on": "2020-01-01"}).status_code == 422
    ok = _post(client, "/events/new", form)
    assert ok.status_code == 303
    event_id = int(ok.headers["location"].split("/")[2])
    assert client.get(f"/events/{event_id}/organise").status_code == 200
    with db() as s:
        assert service.organisers_of(s, event_id=event_id) == [world["company"]]

"""Sessions edited in place: every field, the overlap check naming the other session (the edited
one left out, nothing stored on refusal), the change audited, participants who put it in their
agenda told of a new time or room (not of a new title only), the edit form over HTTP."""

from __future__ import annotations

import json

import pytest

from bioatlas.events import programme_edit, service
from bioatlas.notifications.models import Notification
from tests.accounts.fixtures import audit_events, csrf_of, login, make_user
from tests.contributions.helpers import add_actor
from tests.events.helpers import DAY, make_event, register


@pytest.fixture
def edit_world(db):
    organiser = add_actor(db, "Genopole", "91000", kind="cluster")
    startup = add_actor(db, "TreeFrog Therapeutics", "33600", kind="startup")
    users = {"org": make_user(db, "org@test.invalid", roles=[("member", "actor", organiser)]),
             "ann": make_user(db, "ann@test.invalid"), "bob": make_user(db, "bob@test.invalid")}
    event_id = make_event(db, organiser=organiser)
    for n in ("ann", "bob"):
        register(db, event_id=event_id, user_id=users[n], name=n.title())
    with db() as s:
        event = service.get_event(s, event_id=event_id)
        add = lambda **kw: service.add_session(s, event=event, day=DAY.isoformat(), **kw).id  # noqa: E731
        sessions = {"opening": add(title="Ouverture", kind="plenary", room="Amphi", start="09:00", end="10:00",
                                   speakers=[service.SpeakerInput(name="Intervenante démo 1",
                                                                  affiliation="TreeFrog Therapeutics")]),
                    "workshop": add(title="Atelier", kind="workshop", room="Salle 2", start="10:00", end="11:00")}
        ann = service.participant_of(s, event_id=event_id, user_id=users["ann"])
        service.choose_session(s, event=event, participant=ann, session_id=sessions["opening"], chosen=True)
        s.commit()
    return {"event": event_id, "users": users, "sessions": sessions, "startup": startup}


def _edit(s, w, **kw):
    args = {"title": "Ouverture", "kind": "plenary", "room": "Amphi", "day": DAY.isoformat(), "start": "09:00",
            "end": "10:00", **kw}
    return programme_edit.edit_session(s, event=service.get_event(s, event_id=w["event"]),
                                       session_id=w["sessions"]["opening"], by_user_id=w["users"]["org"], **args)


def _subjects(s, user_id):
    return [n.subject for n in s.query(Notification).filter_by(user_id=user_id, kind="events.programme")
            .order_by(Notification.id)]


def test_edit_checks_audits_and_notifies(db, edit_world):
    w = edit_world
    with db() as s:
        same = [service.SpeakerInput(name="Intervenante démo 1", affiliation="TreeFrog Therapeutics")]
        assert _edit(s, w, title="Ouverture officielle", track="Industrie", speakers=same) == []  # nobody told
        s.commit()
        with pytest.raises(service.FieldError) as clash:
            _edit(s, w, room="salle 2 ", start="10:30", end="11:30")
        assert clash.value.field == "room" and "« Atelier »" in clash.value.message
        s.rollback()
        for kw, field in (({"kind": "keynote"}, "kind"), ({"end": "08:00"}, "end"), ({"title": ""}, "title"),
                          ({"day": "2001-01-01"}, "day")):
            with pytest.raises(service.FieldError) as refused:
                _edit(s, w, **kw)
            assert refused.value.field == field
            s.rollback()
        told = _edit(s, w, title="Ouverture officielle", kind="round_table", room="Salle 3", start="09:30", end="10:15",
                     speakers=[service.SpeakerInput(name="Intervenant démo 2", actor_id=w["startup"])])
        s.commit()
        assert told == [w["users"]["ann"]]  # bob did not put it in his agenda
        view = service.get_session(s, event=service.get_event(s, event_id=w["event"]),
                                   session_id=w["sessions"]["opening"])
        assert (view.row.room, f"{view.row.starts_at:%H:%M}", view.row.kind) == ("Salle 3", "09:30", "round_table")
        assert [(sp.name, sp.actor_id) for sp in view.speakers] == [("Intervenant démo 2", w["startup"])]
        [note] = _subjects(s, w["users"]["ann"])
        assert "Ouverture officielle" in note and _subjects(s, w["users"]["bob"]) == []
    first, second = audit_events(db, "events.session_edit")
    assert set(json.loads(first.detail)["changed"]) == {"title", "track"}
    changed = json.loads(second.detail)["changed"]
    assert changed["room"] == {"before": "Amphi", "after": "Salle 3"} and "speakers" in changed
    assert first.target == f"event_session:{w['sessions']['opening']}"


def test_edit_form_over_http(client, db, edit_world):
    e, sid = edit_world["event"], edit_world["sessions"]["opening"]
    assert login(client, "ann@test.invalid").status_code == 303
    assert client.get(f"/events/{e}/sessions/{sid}/edit").status_code == 403
    client.cookies.clear()
    assert login(client, "org@test.invalid").status_code == 303
    form = client.get(f"/events/{e}/sessions/{sid}/edit")
    assert form.status_code == 200 and 'name="speaker-1-name" maxlength="200" value="Intervenante démo 1"' in form.text
    assert 'name="speaker-1-affiliation" maxlength="300" value="TreeFrog Therapeutics"' in form.text
    assert client.get(f"/events/{e}/sessions/999999/edit").status_code == 404
    csrf = csrf_of(client, f"/events/{e}/sessions/{sid}/edit")
    data = {"title": "Ouverture", "kind": "plenary", "room": "Salle 2", "day": DAY.isoformat(), "start": "10:30",
            "end": "11:00", "speakers": "", "csrf_token": csrf}
    clash = client.post(f"/events/{e}/sessions/{sid}/edit", data=data)
    assert clash.status_code == 422 and "Atelier" in clash.text and 'value="10:30"' in clash.text
    ok = client.post(f"/events/{e}/sessions/{sid}/edit", data={**data, "start": "11:00", "end": "12:00"},
                     follow_redirects=False)
    assert ok.status_code == 303
    assert "11:00" in client.get(f"/events/{e}/programme").text

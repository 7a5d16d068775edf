"""The programme: sessions with rooms, times, tracks and speakers (linked to atlas actors), an
overlap in one room refused naming both sessions (nothing stored), the public programme page in
French and English with its filters, the calendar files of a session, of the programme and of
one's own agenda (B2B meetings + chosen sessions), the organisers' forms over HTTP."""

from __future__ import annotations

import re

import pytest
from babel.dates import format_date
from icalendar import Calendar
from sqlalchemy import func, select

from bioatlas.core.fields import refusal_text
from bioatlas.core.i18n import Translator
from bioatlas.events import service
from bioatlas.events.models import ProgrammeSession, Speaker
from tests.accounts.fixtures import audit_events, csrf_of, login, make_user
from tests.contributions.helpers import add_actor
from tests.events.helpers import DAY, make_event, register, request


@pytest.fixture
def world(db):
    organiser = add_actor(db, "Genopole", "91000", kind="cluster")
    startup = add_actor(db, "TreeFrog Therapeutics", "33600", kind="startup")
    users = {"org": make_user(db, "org@test.invalid", roles=[("member", "actor", organiser)]),
             "ann": make_user(db, "ann@test.invalid"), "bob": make_user(db, "bob@test.invalid")}
    event = make_event(db, organiser=organiser)
    people = {n: register(db, event_id=event, user_id=users[n], name=n.title()) for n in ("ann", "bob")}
    return {"event": event, "organiser": organiser, "startup": startup, "users": users, "people": people}


def _add(s, event_id, **kw):
    args = {"title": "Plénière", "kind": "plenary", "room": "Amphi", "day": DAY.isoformat(), "start": "09:00",
            "end": "10:00", **kw}
    return service.add_session(s, event=service.get_event(s, event_id=event_id), **args)


def test_sessions_speakers_and_overlaps(db, world):
    e = world["event"]
    with db() as s:
        first = _add(s, e, title="Ouverture", track="Industrie", speakers=[
            service.SpeakerInput(name="Intervenante démo 1", affiliation="TreeFrog Therapeutics"),  # found by name
            service.SpeakerInput(name="Intervenant démo 2", affiliation="Inconnue SA"),             # not in the atlas
            service.SpeakerInput(name="Intervenant démo 3", affiliation="Cluster", actor_id=world["organiser"])])
        _add(s, e, title="Atelier parallèle", kind="workshop", room="Salle 2", start="09:30", end="10:30")
        _add(s, e, title="Juste après", start="10:00", end="10:30")  # touching, not overlapping
        s.commit()
        speakers = s.scalars(select(Speaker).where(Speaker.session_id == first.id).order_by(Speaker.position)).all()
        assert [sp.actor_id for sp in speakers] == [world["startup"], None, world["organiser"]]
        with pytest.raises(service.FieldError) as caught:
            _add(s, e, title="Table ronde", kind="round_table", room="amphi ", start="09:45", end="10:15")
        assert caught.value.field == "room"
        assert "« Table ronde »" in caught.value.message and "« Ouverture »" in caught.value.message
        # the English text keeps ISO days; a French page writes them as its reader does
        assert f"({DAY.isoformat()} 09:45–10:15) overlaps « Ouverture » ({DAY.isoformat()} 09:00–10:00)" in \
            caught.value.message
        day = format_date(DAY, "d MMMM y", locale="fr")
        assert refusal_text(Translator("fr"), caught.value) == \
            f"«\u00a0Table ronde\u00a0» ({day} 09:45–10:15) chevauche «\u00a0Ouverture\u00a0» ({day}, 09:00–10:00) dans la salle Amphi"
        s.rollback()
        for kw, field in [({"kind": "keynote"}, "kind"), ({"title": " "}, "title"), ({"room": ""}, "room"),
                          ({"day": "2001-01-01"}, "day"), ({"start": "9h"}, "start"),
                          ({"start": "11:00", "end": "10:00"}, "end"),
                          ({"speakers": [service.SpeakerInput(name="X", actor_id=999_999)]}, "speakers")]:
            with pytest.raises(service.FieldError) as caught:
                _add(s, e, **{"room": "Salle 9", **kw})
            assert caught.value.field == field, kw
            s.rollback()
        assert s.scalar(select(func.count()).select_from(ProgrammeSession)) == 3  # nothing stored
        views = service.programme(s, event_id=e, room="Amphi")
        assert [v.row.title for v in views] == ["Ouverture", "Juste après"]
        assert service.programme_facets(s, event_id=e)["tracks"] == ["Industrie"]


def test_calendars_and_own_agenda(db, world):
    e, p = world["event"], world["people"]
    with db() as s:
        keep = _add(s, e, title="Pitchs", kind="pitch", start="11:00", end="12:00")
        _add(s, e, title="Autre", start="14:00", end="15:00")
        event = service.get_event(s, event_id=e)
        ann = service.participant_of(s, event_id=e, user_id=world["users"]["ann"])
        service.choose_session(s, event=event, participant=ann, session_id=keep.id, chosen=True)
        service.choose_session(s, event=event, participant=ann, session_id=keep.id, chosen=True)  # idempotent
        s.commit()
        one = Calendar.from_ical(service.sessions_ics(event, [service.get_session(s, event=event, session_id=keep.id)],
                                                      lang="en"))
        [entry] = one.walk("VEVENT")
        assert str(entry["summary"]) == "Pitchs" and "Pitches" in str(entry["description"])
        assert entry.decoded("dtstart").hour == 11
        whole = Calendar.from_ical(service.sessions_ics(event, service.programme(s, event_id=e)))
        assert len(whole.walk("VEVENT")) == 2
    request(db, event_id=e, sender=p["ann"], to=p["bob"])
    with db() as s:
        run = service.start_run(s, event=service.get_event(s, event_id=e), user_id=None, time_limit=5)
        s.commit()
        run_id = run.id
    assert service.run_schedule(db, run_id=run_id) == "optimal"
    with db() as s:
        event = service.get_event(s, event_id=e)
        service.publish(s, event=event, run_id=run_id)
        s.commit()
        ann = service.participant_of(s, event_id=e, user_id=world["users"]["ann"])
        mine = Calendar.from_ical(service.agenda_ics(s, event=event, participant=ann))
        summaries = sorted(str(v["summary"]) for v in mine.walk("VEVENT"))
        assert summaries == ["Pitchs", "Rendez-vous B2B\u202f: Bob"]


def test_programme_pages_public_and_organiser_forms(client, db, world):
    e = world["event"]
    with db() as s:
        _add(s, e, title="Ouverture", track="Industrie",
             speakers=[service.SpeakerInput(name="Intervenante démo 1", affiliation="TreeFrog Therapeutics")])
        _add(s, e, title="Atelier", kind="workshop", room="Salle 2", track="Compétences")
        s.commit()
        sid = s.scalar(select(ProgrammeSession.id).where(ProgrammeSession.title == "Ouverture"))
    fr = client.get(f"/events/{e}/programme")  # public, French by default
    assert fr.status_code == 200 and "Plénière" in fr.text and "Salle" in fr.text
    assert f'href="/actors/{world["startup"]}"' in fr.text
    en = client.get(f"/events/{e}/programme", params={"lang": "en", "track": "Compétences"})
    assert "Workshop" in en.text and "Ouverture" not in en.text and "Atelier" in en.text
    # the day as its reader writes it ("mardi 5 janvier 2027", "Tuesday 5 January 2027"), not ISO
    months = (("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
               "novembre", "décembre"), ("January", "February", "March", "April", "May", "June", "July", "August",
                                         "September", "October", "November", "December"))
    for page, names in ((fr, months[0]), (en, months[1])):
        assert re.search(rf"<h2>\w+ {DAY.day} {names[DAY.month - 1]} {DAY.year}</h2>", page.text), page.text
        assert f"<h2>{DAY.isoformat()}</h2>" not in page.text
    ics = client.get(f"/events/{e}/sessions/{sid}.ics")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert client.get(f"/events/{e}/sessions/999999.ics").status_code == 404
    assert len(Calendar.from_ical(client.get(f"/events/{e}/programme.ics").content).walk("VEVENT")) == 2
    # the organiser adds a session; an overlapping one is refused naming both, nothing stored
    client.cookies.clear()
    assert login(client, "org@test.invalid").status_code == 303
    csrf = csrf_of(client, f"/events/{e}/manage")
    form = {"title": "Table ronde", "kind": "round_table", "room": "Amphi", "day": DAY.isoformat(), "start": "09:30",
            "end": "10:30", "speakers": "Intervenant démo 4 | TreeFrog Therapeutics", "csrf_token": csrf}
    bad = client.post(f"/events/{e}/sessions", data=form, follow_redirects=False)
    assert bad.status_code == 422 and "Salle\u202f:" in bad.text and "chevauche" in bad.text and "Ouverture" in bad.text and "Table ronde" in bad.text
    bad = client.post(f"/events/{e}/sessions", data={**form, "room": "Salle 3", "speakers": "a | b | c | d"},
                      follow_redirects=False)
    assert bad.status_code == 422 and "Intervenants\u202f:" in bad.text
    ok = client.post(f"/events/{e}/sessions", data={**form, "room": "Salle 3"}, follow_redirects=False)
    assert ok.status_code == 303
    with db() as s:
        assert s.scalar(select(func.count()).select_from(ProgrammeSession)) == 3
    # ann (a participant, no organiser) puts a session in her agenda but cannot edit the programme
    client.cookies.clear()
    assert login(client, "ann@test.invalid").status_code == 303
    csrf = csrf_of(client, f"/events/{e}/programme")
    assert client.post(f"/events/{e}/sessions", data={**form, "room": "Salle 4"}).status_code == 403
    assert client.post(f"/events/{e}/sessions/{sid}/delete", data={"csrf_token": csrf}).status_code == 403
    r = client.post(f"/events/{e}/sessions/{sid}/choose", data={"chosen": "1", "csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "Retirer de mon agenda" in client.get(f"/events/{e}/programme").text
    agenda = client.get(f"/events/{e}/agenda")
    assert agenda.status_code == 200 and "Ouverture" in agenda.text and "Atelier" not in agenda.text
    # the chosen session's day as the reader writes it, as the meetings below it, not ISO
    assert f"{DAY.isoformat()} " not in agenda.text
    english = client.get(f"/events/{e}/agenda?lang=en").text
    assert f"{DAY:%a} {DAY.day} {DAY:%b} " in english and f"{DAY.isoformat()} " not in english
    # the organiser deletes it: ann is told, and the audit log keeps what the session was and who deleted it
    client.cookies.clear()
    assert login(client, "org@test.invalid").status_code == 303
    csrf = csrf_of(client, f"/events/{e}/manage")
    assert client.post(f"/events/{e}/sessions/{sid}/delete", data={"csrf_token": csrf},
                       follow_redirects=False).status_code == 303
    (row,) = audit_events(db, "events.session_delete")
    assert row.target == f"event_session:{sid}" and row.user_id == world["users"]["org"]
    assert '"title": "Ouverture"' in row.detail and "Intervenante démo 1" in row.detail

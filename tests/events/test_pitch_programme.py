"""Pitches finished: the applicant told of the jury's decision (notification and e-mail, in its
language), the selected pitches placed in a pitch session in the organiser's order (the start-up
linked to its atlas actor on the programme), a pitch no longer selected leaving it, bad orders
named; the demo's call for pitches (synthetic applications of real start-ups, a synthetic jury)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bioatlas.accounts import service as accounts
from bioatlas.events import pitch_demo, pitch_programme, pitches, service
from bioatlas.events.models import Participant, Speaker
from bioatlas.notifications.models import Notification
from tests.accounts.fixtures import csrf_of, login, make_user
from tests.contributions.helpers import add_actor
from tests.events.helpers import DAY, FR_DAY, make_event


@pytest.fixture
def placed_world(db):
    organiser = add_actor(db, "Medicen Paris Region", "75013", kind="cluster")
    ups = [add_actor(db, name, pc, kind="startup") for name, pc in (("TreeFrog Therapeutics", "33600"),
                                                                     ("Yposkesi", "91000"), ("Mnemo Therapeutics", "75014"))]
    founder = make_user(db, "founder@test.invalid", roles=[("member", "actor", ups[0])])
    org = make_user(db, "org@test.invalid", roles=[("member", "actor", organiser)])
    event_id = make_event(db, organiser=organiser)
    with db() as s:
        event = service.get_event(s, event_id=event_id)
        pitch_session = service.add_session(s, event=event, title="Pitchs", kind="pitch", room="Salle 1",
                                            day=DAY.isoformat(), start="11:00", end="12:00",
                                            speakers=[service.SpeakerInput(name="Modératrice démo 1")]).id
        plenary = service.add_session(s, event=event, title="Plénière", kind="plenary", room="Amphi",
                                      day=DAY.isoformat(), start="09:00", end="10:00").id
        pitches.open_call(s, event_id=event_id, title="Pitchs start-up", seats=2)
        apps = [pitches.apply(s, event_id=event_id, user_id=founder if i == 0 else None, actor_id=a,
                              title=f"Pitch {i + 1}", summary="Un résumé synthétique assez long.").id
                for i, a in enumerate(ups)]
        s.commit()
    return {"event": event_id, "ups": ups, "apps": apps, "founder": founder, "org": org,
            "pitch_session": pitch_session, "plenary": plenary}


def _decide(s, w, app, decision):
    return pitches.decide(s, event_id=w["event"], application_id=app, decision=decision, rationale="Jury.",
                          by_user_id=None)


def test_decisions_notify_and_placement_in_order(db, placed_world):
    w = placed_world
    a1, a2, a3 = w["apps"]
    with db() as s:
        with pytest.raises(service.FieldError, match="no pitch is selected"):
            pitch_programme.place_pitches(s, event_id=w["event"], session_id=w["pitch_session"], order=[])
        _decide(s, w, a1, "waitlisted")
        _decide(s, w, a1, "selected")
        _decide(s, w, a2, "selected")
        _decide(s, w, a3, "rejected")
        s.commit()
        for kwargs, field in (({"session_id": w["plenary"], "order": [a1]}, "session"),
                              ({"session_id": w["pitch_session"], "order": [a3]}, "order"),
                              ({"session_id": w["pitch_session"], "order": [a2, a2]}, "order")):
            with pytest.raises(service.FieldError) as refused:
                pitch_programme.place_pitches(s, event_id=w["event"], **kwargs)
            assert refused.value.field == field, kwargs
        pitch_programme.place_pitches(s, event_id=w["event"], session_id=w["pitch_session"], order=[a2])
        pitch_programme.place_pitches(s, event_id=w["event"], session_id=w["pitch_session"], order=[a2, a1])  # again
        s.commit()
        [view] = [v for v in service.programme(s, event_id=w["event"]) if v.row.id == w["pitch_session"]]
        assert [(sp.name, sp.actor_id) for sp in view.speakers] == [
            ("Modératrice démo 1", None), ("Pitch 2", w["ups"][1]), ("Pitch 1", w["ups"][0])]
        assert pitch_programme.placed(s, event_id=w["event"]) == {a2: (w["pitch_session"], 1),
                                                                  a1: (w["pitch_session"], 2)}
        _decide(s, w, a2, "rejected")  # no longer selected: it leaves the programme
        s.commit()
        assert list(pitch_programme.placed(s, event_id=w["event"])) == [a1]
        notes = list(s.scalars(select(Notification).where(Notification.user_id == w["founder"])
                               .order_by(Notification.id)))
    # placing told the founder its slot once (placing again in the same order told nobody); the
    # pitch before it left: told its new rank
    assert [n.subject.split("\u202f: ")[-1] for n in notes] == [
        "votre pitch est en liste d'attente", "votre pitch est retenu",
        f"votre pitch passe le {FR_DAY} à 11:00, salle Salle 1",
        f"votre pitch passe le {FR_DAY} à 11:00, salle Salle 1"]
    assert notes[1].emailed_at is not None and "«\u00a0Pitch 1\u00a0»" in notes[1].body
    assert "de 11:00 à 12:00" in notes[2].body and "pitch 2 sur 2" in notes[2].body and notes[2].emailed_at
    assert "pitch 1 sur 1" in notes[3].body


def test_place_over_http_and_the_programme_links_the_startups(client, db, placed_world):
    w = placed_world
    a1, a2, _a3 = w["apps"]
    with db() as s:
        _decide(s, w, a1, "selected")
        _decide(s, w, a2, "selected")
        s.commit()
    assert login(client, "org@test.invalid").status_code == 303
    jury = client.get(f"/events/{w['event']}/pitches/jury")
    assert jury.status_code == 200 and f'name="position_{a1}"' in jury.text
    csrf = csrf_of(client, f"/events/{w['event']}/pitches/jury")
    bad = client.post(f"/events/{w['event']}/pitches/place", data={"session_id": str(w["pitch_session"]),
                                                                   f"position_{a1}": "deux", "csrf_token": csrf})
    assert bad.status_code == 422 and f"position_{a1}" in bad.text
    done = client.post(f"/events/{w['event']}/pitches/place", data={
        "session_id": str(w["pitch_session"]), f"position_{a1}": "2", f"position_{a2}": "1", "csrf_token": csrf},
        follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/events/{w['event']}/programme"
    page = client.get(f"/events/{w['event']}/programme").text
    assert page.index("Pitch 2") < page.index("Pitch 1")
    assert f'<a href="/actors/{w["ups"][1]}">Yposkesi</a>' in page


def test_demo_call_for_pitches(db, placed_world, monkeypatch):
    w = placed_world
    monkeypatch.setattr(pitch_demo, "SEATS", 2)
    event_id = make_event(db, organiser=w["ups"][2], title="Démo")
    with db() as s:
        event = service.get_event(s, event_id=event_id)
        service.add_session(s, event=event, title="Pitchs (démo)", kind="pitch", room="Salle", day=DAY.isoformat(),
                            start="11:00", end="12:00")
        summary = pitch_demo.add(s, event=event)
        s.commit()
        apps = pitches.applications(s, event_id=event_id)
        assert summary["pitches"] == len(apps) == 3 and {a.actor_id for a in apps} == set(w["ups"])
        assert all("synthétique" in a.summary and a.user_id is None for a in apps)
        jury = pitches.jury_of(s, event_id=event_id)
        assert sorted(accounts.display_names(s, user_ids=jury).values()) == [f"Juré·e démo {i}" for i in (1, 2, 3)]
        chosen = [a.id for a in apps if a.status == "selected"]
        assert sorted(a.status for a in apps) == ["selected", "selected", "waitlisted"] and summary["selected"] == 2
        assert set(pitch_programme.placed(s, event_id=event_id)) == set(chosen)


def test_applicants_told_once_when_a_pitch_leaves_or_moves_up(db, placed_world):
    from bioatlas.events import forms, programme_edit
    from bioatlas.events.pitch_models import PitchApplication

    w = placed_world
    a1, a2, _a3 = w["apps"]
    second = make_user(db, "second@test.invalid")
    users = (w["founder"], second)

    def pitch_notes(s):
        return {u: [n.subject.split("\u202f: ")[-1] for n in s.scalars(select(Notification).where(
            Notification.user_id == u, Notification.kind == "events.pitch").order_by(Notification.id))] for u in users}

    with db() as s:
        s.get(PitchApplication, a2).user_id = second
        _decide(s, w, a1, "selected")
        _decide(s, w, a2, "selected")
        event = service.get_event(s, event_id=w["event"])
        pitch_programme.place_pitches(s, event_id=w["event"], session_id=w["pitch_session"], order=[a1, a2])
        s.commit()
        seen = pitch_notes(s)
        slot = f"votre pitch passe le {FR_DAY} à 11:00, salle Salle 1"
        assert seen == {w["founder"]: ["votre pitch est retenu", slot], second: ["votre pitch est retenu", slot]}

        def edit(lines, start="11:00"):
            return programme_edit.edit_session(s, event=event, session_id=w["pitch_session"], title="Pitchs",
                                               kind="pitch", room="Salle 1", day=DAY.isoformat(), start=start,
                                               end="12:00", speakers=forms.speakers_from("\n".join(lines)))

        lines = forms.speakers_text(service.get_session(s, event=event, session_id=w["pitch_session"]).speakers).splitlines()
        assert edit(lines) == []  # nothing changed for the pitches: nobody told
        told = edit([x for x in lines if f"pitch:{a1}" not in x])  # the first pitch's entry removed
        s.commit()
        assert sorted(told) == sorted(users)
        notes = list(s.scalars(select(Notification).where(Notification.kind == "events.pitch",
                                                          Notification.user_id.in_(users)).order_by(Notification.id)))
        left, moved_up = notes[-2:]
        assert (left.user_id, left.subject.split("\u202f: ")[-1]) == (w["founder"], "votre pitch n'est plus au programme")
        assert "«\u00a0Pitch 1\u00a0»" in left.body and "session «\u00a0Pitchs\u00a0»" in left.body and "reste retenu" in left.body
        assert moved_up.user_id == second and "pitch 1 sur 1" in moved_up.body
        assert [len(v) for v in pitch_notes(s).values()] == [3, 3]  # one notice each for the change

        pitch_programme.place_pitches(s, event_id=w["event"], session_id=w["pitch_session"], order=[a1, a2])
        s.commit()
        assert [len(v) for v in pitch_notes(s).values()] == [4, 4]  # both places changed again: told once each
        _decide(s, w, a1, "rejected")  # the founder told the decision only; the second moves up to rank 1
        s.commit()
        after = pitch_notes(s)
        assert after[w["founder"]][4:] == ["votre pitch n'est pas retenu"] and len(after[second]) == 5
        assert "pitch 1 sur 1" in s.scalars(select(Notification.body).where(Notification.user_id == second)
                                            .order_by(Notification.id.desc())).first()
        # the session moves and nothing else: the remaining applicant told once (not also as a speaker)
        register_pid = service.register(s, event=event, user_id=second, display_name="Second", category="startup").id
        s.commit()
        assert s.scalar(select(Speaker.user_id).where(Speaker.pitch_application_id == a2)) == second
        service.choose_session(s, event=event, participant=s.get(Participant, register_pid),
                               session_id=w["pitch_session"], chosen=True)
        lines = forms.speakers_text(service.get_session(s, event=event, session_id=w["pitch_session"]).speakers,
                                    service.participant_numbers(s, event_id=w["event"], user_ids=[second])).splitlines()
        assert edit(lines, start="10:30") == [second]
        s.commit()
        assert len(pitch_notes(s)[second]) == 6
        assert s.scalar(select(Notification.id).where(Notification.user_id == second,
                                                      Notification.kind == "events.programme")) is None
        service.delete_session(s, event=event, session_id=w["pitch_session"])  # the pitch session deleted
        s.commit()
        final = pitch_notes(s)
    assert final[w["founder"]] == after[w["founder"]] and final[second][6:] == ["votre pitch n'est plus au programme"]

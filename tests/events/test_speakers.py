"""Speakers linked to people and to pitch entries: a pitch entry renamed by an organiser stays
the pitch's and leaves the programme when the pitch is unselected; a speaker linked to a
participant (by participant number or e-mail, never to an account that is not a participant of
the event) sees the session in their agenda and its calendar file, is told when it moves, finds
the link in their personal data export, and erasure cuts the link."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bioatlas.accounts import service as accounts
from bioatlas.accounts.models import User
from bioatlas.events import forms, pitch_programme, programme_edit, service, speakers
from bioatlas.events.models import Participant, Speaker
from bioatlas.notifications.models import Notification
from tests.accounts.fixtures import csrf_of, login, make_user
from tests.events.helpers import DAY, FR_DAY, make_event, register
from tests.events.test_pitch_programme import _decide, placed_world  # noqa: F401  (a fixture)


def _pitch_view(s, w):
    return service.get_session(s, event=service.get_event(s, event_id=w["event"]), session_id=w["pitch_session"])


def test_a_renamed_pitch_entry_stays_linked_and_leaves_when_unselected(client, db, placed_world):  # noqa: F811
    w = placed_world
    a1, a2, _a3 = w["apps"]
    with db() as s:
        _decide(s, w, a1, "selected")
        _decide(s, w, a2, "selected")
        pitch_programme.place_pitches(s, event_id=w["event"], session_id=w["pitch_session"], order=[a1, a2])
        s.commit()
    assert login(client, "org@test.invalid").status_code == 303
    edit = f"/events/{w['event']}/sessions/{w['pitch_session']}/edit"
    text = client.get(edit).text
    assert 'name="speaker-2-name" maxlength="200" value="Pitch 1"' in text  # the form's rows
    assert f'name="speaker-2-actor" maxlength="20" inputmode="numeric" value="{w["ups"][0]}"' in text
    assert f'name="speaker-2-pitch" maxlength="20" value="{a1}"' in text
    csrf = csrf_of(client, edit)
    base = {"title": "Pitchs", "kind": "pitch", "room": "Salle 1", "day": DAY.isoformat(), "start": "11:00",
            "end": "12:00", "csrf_token": csrf}
    lines = f"Modératrice démo 1\nOrganoïdes à l'échelle | TreeFrog Therapeutics | pitch:{a1}\nPitch 2 | Yposkesi | pitch:{a2}"
    for bad, word in ((f"X | Y | pitch:{_a3}", "n&#39;est pas un pitch retenu"), ("X | Y | pitch:1 | pitch:1", "n&#39;est ni un numéro")):
        refused = client.post(edit, data={**base, "speakers": bad})
        assert refused.status_code == 422 and word in refused.text, refused.text[-800:]
    assert client.post(edit, data={**base, "speakers": lines}, follow_redirects=False).status_code == 303
    with db() as s:
        assert pitch_programme.placed(s, event_id=w["event"]) == {a1: (w["pitch_session"], 1), a2: (w["pitch_session"], 2)}
        names = [sp.name for sp in _pitch_view(s, w).speakers]
        assert names == ["Modératrice démo 1", "Organoïdes à l'échelle", "Pitch 2"]
        _decide(s, w, a1, "rejected")  # unselected: the renamed entry leaves the programme
        s.commit()
        assert [sp.name for sp in _pitch_view(s, w).speakers] == ["Modératrice démo 1", "Pitch 2"]
        assert list(pitch_programme.placed(s, event_id=w["event"])) == [a2]


def test_pitch_applicant_told_the_new_slot_when_the_session_moves(db, placed_world):  # noqa: F811
    w = placed_world
    a1 = w["apps"][0]
    register(db, event_id=w["event"], user_id=w["founder"], name="Fondatrice démo")  # a participant too
    with db() as s:
        _decide(s, w, a1, "selected")
        pitch_programme.place_pitches(s, event_id=w["event"], session_id=w["pitch_session"], order=[a1])
        s.commit()
        # the applicant, a participant, is the entry's speaker: the pitch session is in its agenda
        assert [x.id for x in service.speaking_sessions(s, event_id=w["event"], user_id=w["founder"])] == [
            w["pitch_session"]]
        event = service.get_event(s, event_id=w["event"])
        text = forms.speakers_text(_pitch_view(s, w).speakers)
        told = programme_edit.edit_session(s, event=event, session_id=w["pitch_session"], title="Pitchs", kind="pitch",
                                           room="Amphi B", day=DAY.isoformat(), start="15:00", end="16:00",
                                           speakers=forms.speakers_from(text))
        s.commit()
        assert told == [w["founder"]]  # told once, of its new slot (events.pitch), not twice
        notes = list(s.scalars(select(Notification).where(Notification.user_id == w["founder"],
                                                          Notification.kind == "events.pitch").order_by(Notification.id)))
    assert [n.subject.split("\u202f: ")[-1] for n in notes[-2:]] == [
        f"votre pitch passe le {FR_DAY} à 11:00, salle Salle 1",
        f"votre pitch passe le {FR_DAY} à 15:00, salle Amphi B"]
    assert "de 15:00 à 16:00 (heure locale du lieu), salle Amphi B\u202f: pitch 1 sur 1" in notes[-1].body
    with db() as s:  # not told a second time as the entry's speaker
        assert s.scalar(select(Notification.id).where(Notification.user_id == w["founder"],
                                                      Notification.kind == "events.programme")) is None


def test_a_speaker_linked_to_a_participant(client, db, placed_world):  # noqa: F811
    w = placed_world
    ann = make_user(db, "ann@test.invalid")
    make_user(db, "outsider@test.invalid")  # an account, not a participant of the event
    pid = register(db, event_id=w["event"], user_id=ann, name="Ann Démo")
    other = make_event(db, organiser=w["ups"][2], title="Autre")
    other_pid = register(db, event_id=other, user_id=make_user(db, "elsewhere@test.invalid"), name="Ailleurs")
    assert login(client, "org@test.invalid").status_code == 303
    manage = f"/events/{w['event']}/manage"
    page = client.get(manage).text
    assert f"participant:{pid} · Ann Démo" in page and "Ailleurs" not in page
    csrf = csrf_of(client, manage)
    base = {"title": "Table ronde", "kind": "round_table", "room": "Salle 4", "day": DAY.isoformat(),
            "start": "14:00", "end": "15:00", "csrf_token": csrf}
    for who in ("outsider@test.invalid", "nobody@test.invalid"):  # the same refusal: no account revealed
        refused = client.post(f"/events/{w['event']}/sessions", data={**base, "speakers": f"Dr Démo | Labo | {who}"})
        assert refused.status_code == 422 and f"aucun participant de cet événement avec l&#39;adresse e-mail {who}" in refused.text
    refused = client.post(f"/events/{w['event']}/sessions", data={**base, "speakers": f"X | | participant:{other_pid}"})
    assert refused.status_code == 422 and f"aucun participant participant:{other_pid}" in refused.text
    added = client.post(f"/events/{w['event']}/sessions", data={**base, "speakers": "Ann Démo | Labo | ANN@test.invalid"},
                        follow_redirects=False)
    assert added.status_code == 303
    with db() as s:
        [sp] = s.scalars(select(Speaker).where(Speaker.name == "Ann Démo")).all()
        assert sp.user_id == ann
        session_id = sp.session_id
        assert forms.speakers_text([sp], service.participant_numbers(s, event_id=w["event"], user_ids=[ann])) == \
            f"Ann Démo | Labo | participant:{pid}"
    client.cookies.clear()
    assert login(client, "ann@test.invalid").status_code == 303
    agenda = client.get(f"/events/{w['event']}/agenda").text
    assert "Table ronde" in agenda and f"#session-{session_id}" in agenda
    ics = client.get(f"/events/{w['event']}/agenda.ics").text
    assert f"event{w['event']}-session{session_id}@bioatlas" in ics and "Ann Démo (Labo)" in ics
    with db() as s:  # the session moves: the speaker is told
        event = service.get_event(s, event_id=w["event"])
        told = programme_edit.edit_session(s, event=event, session_id=session_id, title="Table ronde",
                                           kind="round_table", room="Salle 5", day=DAY.isoformat(), start="14:00",
                                           end="15:00", speakers=[service.SpeakerInput(
                                               name="Ann Démo", affiliation="Labo", person=f"participant:{pid}")])
        s.commit()
        assert told == [ann]
        exported = accounts.export_user(s, s.get(User, ann))["event_speakers"]
        assert [(x["session"], x["room"], x["name"]) for x in exported] == [("Table ronde", "Salle 5", "Ann Démo")]
        speakers.erase_user(s, user_id=ann)
        s.commit()
        assert s.scalar(select(Speaker.user_id).where(Speaker.name == "Ann Démo")) is None
        assert service.speaking_sessions(s, event_id=w["event"], user_id=ann) == []


def test_only_registered_participants_are_linked_and_a_cancellation_unlinks(db, placed_world):  # noqa: F811
    w = placed_world
    ann, wes, cal = (make_user(db, f"{n}@test.invalid") for n in ("ann2", "wes", "cal"))
    with db() as s:
        service.set_capacities(s, event=service.get_event(s, event_id=w["event"]), limits={"*": 2})
        s.commit()
    pids = {u: register(db, event_id=w["event"], user_id=u, name=n) for u, n in ((ann, "Ann"), (cal, "Cal"), (wes, "Wes"))}
    with db() as s:
        event = service.get_event(s, event_id=w["event"])
        assert [p.status for p in (s.get(Participant, pids[u]) for u in (ann, cal, wes))] == [
            "registered", "registered", "waiting"]

        def refusal(person):
            with pytest.raises(service.FieldError) as refused:
                service.add_session(s, event=event, title="Atelier", kind="workshop", room="Salle 8",
                                    day=DAY.isoformat(), start="16:00", end="17:00",
                                    speakers=[service.SpeakerInput(name="Dr Démo", person=person)])
            return refused.value.field, refused.value.msgid

        # waiting: refused as an unknown e-mail (same message id), and by its number
        unknown = refusal("nobody@test.invalid")
        assert refusal("wes@test.invalid") == unknown and unknown[0] == "speakers"
        assert refusal(f"participant:{pids[wes]}")[1] == "{name}: no participant {ref} with an account in this event"
        row = service.add_session(s, event=event, title="Atelier", kind="workshop", room="Salle 9", day=DAY.isoformat(),
                                  start="16:00", end="17:00", speakers=[
                                      service.SpeakerInput(name="Cal", person="cal@test.invalid"),
                                      service.SpeakerInput(name="Ann", person=f"participant:{pids[ann]}")])
        s.commit()
        assert [x.id for x in service.speaking_sessions(s, event_id=w["event"], user_id=cal)] == [row.id]
        promoted = service.cancel(s, event=event, participant=s.get(Participant, pids[cal]))
        s.commit()
        assert [p.id for p in promoted] == [pids[wes]]
        # cancelled: the line stays, the link (and the agenda entry) goes; the others keep theirs
        assert [(sp.name, sp.user_id) for sp in service.get_session(s, event=event, session_id=row.id).speakers] == [
            ("Cal", None), ("Ann", ann)]
        assert service.speaking_sessions(s, event_id=w["event"], user_id=cal) == []
        assert refusal("cal@test.invalid") == unknown
        assert refusal(f"participant:{pids[cal]}")[1] == "{name}: no participant {ref} with an account in this event"


def test_an_applicant_registering_after_placement_is_linked(db, placed_world):  # noqa: F811
    w = placed_world
    a1 = w["apps"][0]
    register(db, event_id=w["event"], user_id=None, name="Participant démo 1")
    with db() as s:
        event = service.get_event(s, event_id=w["event"])
        service.set_capacities(s, event=event, limits={"*": 1})
        _decide(s, w, a1, "selected")
        pitch_programme.place_pitches(s, event_id=w["event"], session_id=w["pitch_session"], order=[a1])
        s.commit()
    pid = register(db, event_id=w["event"], user_id=w["founder"], name="Fondatrice démo")  # waiting: not linked
    with db() as s:
        event = service.get_event(s, event_id=w["event"])
        assert s.get(Participant, pid).status == "waiting"
        assert service.speaking_sessions(s, event_id=w["event"], user_id=w["founder"]) == []
        assert [p.id for p in service.set_capacities(s, event=event, limits={"*": 2})] == [pid]  # promoted: linked
        s.commit()
        assert [x.id for x in service.speaking_sessions(s, event_id=w["event"], user_id=w["founder"])] == [
            w["pitch_session"]]
        service.cancel(s, event=event, participant=s.get(Participant, pid))  # cancelled: unlinked
        s.commit()
        assert service.speaking_sessions(s, event_id=w["event"], user_id=w["founder"]) == []
    register(db, event_id=w["event"], user_id=w["founder"], name="Fondatrice démo")  # registered at once: linked
    with db() as s:
        assert [x.id for x in service.speaking_sessions(s, event_id=w["event"], user_id=w["founder"])] == [
            w["pitch_session"]]
        [entry] = [sp for sp in _pitch_view(s, w).speakers if sp.pitch_application_id == a1]
        assert entry.user_id == w["founder"] and entry.name == "Pitch 1"

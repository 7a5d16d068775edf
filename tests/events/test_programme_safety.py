"""Two safety gaps of the programme: a pitch is in one place only (a `pitch:N` line naming a pitch
already in another session, twice in one session, not selected, or of another event is refused
naming `speakers`, in the reader's language); a deleted session is told, once, to everyone who
had it in its agenda (chose it, or speaks at it), its pitches' applicants told only that their
pitch left the programme."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bioatlas.core.fields import refusal_text
from bioatlas.core.i18n import Translator
from bioatlas.events import forms, pitch_programme, pitches, programme_edit, service
from bioatlas.notifications.models import Notification
from bioatlas.notifications.service import render
from tests.accounts.fixtures import csrf_of, login, make_user
from tests.events.helpers import DAY, FR_DAY, make_event, register
from tests.events.test_pitch_programme import _decide, placed_world  # noqa: F401  (a fixture)


def _second_pitch_session(s, event) -> int:
    return service.add_session(s, event=event, title="Pitchs de l'après-midi", kind="pitch", room="Salle 2",
                               day=DAY.isoformat(), start="14:00", end="15:00").id


def test_a_pitch_is_in_one_session_only(client, db, placed_world):  # noqa: F811
    w = placed_world
    a1, a2, a3 = w["apps"]
    other_event = make_event(db, organiser=w["ups"][2], title="Autres rencontres")
    with db() as s:
        _decide(s, w, a1, "selected")
        _decide(s, w, a2, "selected")
        _decide(s, w, a3, "rejected")
        pitches.open_call(s, event_id=other_event, title="Autres pitchs", seats=1)
        foreign = pitches.apply(s, event_id=other_event, user_id=None, actor_id=w["ups"][0], title="Ailleurs",
                                summary="Un résumé synthétique assez long.").id
        pitches.decide(s, event_id=other_event, application_id=foreign, decision="selected", rationale="Jury.",
                       by_user_id=None)
        event = service.get_event(s, event_id=w["event"])
        afternoon = _second_pitch_session(s, event)
        pitch_programme.place_pitches(s, event_id=w["event"], session_id=w["pitch_session"], order=[a1, a2])
        s.commit()
        places = pitch_programme.placed(s, event_id=w["event"])

        def edit(sid, lines, title="Pitchs de l'après-midi", room="Salle 2", start="14:00", end="15:00"):
            return programme_edit.edit_session(s, event=event, session_id=sid, title=title, kind="pitch", room=room,
                                               day=DAY.isoformat(), start=start, end=end,
                                               speakers=forms.speakers_from("\n".join(lines)))

        refusals = {}
        for label, call in (
                ("elsewhere (edit)", lambda: edit(afternoon, [f"Pitch 1 bis | TreeFrog Therapeutics | pitch:{a1}"])),
                ("elsewhere (new)", lambda: service.add_session(
                    s, event=event, title="Pitchs du soir", kind="pitch", room="Salle 3", day=DAY.isoformat(),
                    start="17:00", end="18:00", speakers=forms.speakers_from(f"Pitch 2 | Yposkesi | pitch:{a2}"))),
                ("twice", lambda: edit(w["pitch_session"], ["Modératrice démo 1", f"Pitch 1 | X | pitch:{a1}",
                                                            f"Pitch 1 encore | X | pitch:{a1}"],
                                       title="Pitchs", room="Salle 1", start="11:00", end="12:00")),
                ("not selected", lambda: edit(afternoon, [f"Pitch 3 | Mnemo Therapeutics | pitch:{a3}"])),
                ("another event", lambda: edit(afternoon, [f"Ailleurs | X | pitch:{foreign}"])),
                ("no such pitch", lambda: edit(afternoon, ["Fantôme | X | pitch:999999"]))):
            with pytest.raises(service.FieldError) as refused:
                call()
            s.rollback()
            assert refused.value.field == "speakers", label
            refusals[label] = refused.value
        assert refusals["elsewhere (edit)"].params["other"] == "Pitchs"
        assert refusals["elsewhere (new)"].params["other"] == "Pitchs"
        assert f"{DAY.isoformat()} 11:00–12:00" in str(refusals["elsewhere (edit)"])
        french = refusal_text(Translator("fr"), refusals["elsewhere (edit)"])
        assert french.startswith(f"Pitch 1 bis\u202f: le pitch {a1} est déjà dans la session «\u00a0Pitchs\u00a0» ("), french
        assert "donné deux fois dans cette session" in refusal_text(Translator("fr"), refusals["twice"])
        for label in ("not selected", "another event", "no such pitch"):
            assert "n'est pas un pitch retenu de cet événement" in refusal_text(Translator("fr"), refusals[label])
        assert pitch_programme.placed(s, event_id=w["event"]) == places  # nothing stored on refusal
        assert [sp.name for sp in service.get_session(s, event=event, session_id=afternoon).speakers] == []
        # its own session keeps it (the edited session is left out); moved there by removing it first
        lines = forms.speakers_text(service.get_session(s, event=event, session_id=w["pitch_session"]).speakers)
        assert edit(w["pitch_session"], lines.splitlines(), title="Pitchs", room="Salle 1", start="11:00",
                    end="12:00") == []
        edit(w["pitch_session"], [x for x in lines.splitlines() if f"pitch:{a2}" not in x], title="Pitchs",
             room="Salle 1", start="11:00", end="12:00")
        edit(afternoon, [f"Pitch 2 | Yposkesi | pitch:{a2}"])
        s.commit()
        assert pitch_programme.placed(s, event_id=w["event"]) == {a1: (w["pitch_session"], 1), a2: (afternoon, 1)}
    # over HTTP, the organiser reads the refusal in French, naming the other session
    assert login(client, "org@test.invalid").status_code == 303
    page = f"/events/{w['event']}/sessions/{afternoon}/edit"
    refused = client.post(page, data={"title": "Pitchs de l'après-midi", "kind": "pitch", "room": "Salle 2",
                                      "day": DAY.isoformat(), "start": "14:00", "end": "15:00",
                                      "speakers": f"Pitch 1 | X | pitch:{a1}", "csrf_token": csrf_of(client, page)})
    assert refused.status_code == 422 and f"le pitch {a1} est déjà dans la session «\u00a0Pitchs\u00a0»" in refused.text


def test_deleting_a_session_tells_its_agenda_once(db, placed_world):  # noqa: F811
    w = placed_world
    a1 = w["apps"][0]
    ann, bob, carl = (make_user(db, f"{n}@test.invalid") for n in ("ann", "bob", "carl"))
    pids = {u: register(db, event_id=w["event"], user_id=u, name=f"Participant démo {i}")
            for i, u in enumerate((ann, bob, carl, w["founder"]), start=1)}
    with db() as s:
        event = service.get_event(s, event_id=w["event"])
        _decide(s, w, a1, "selected")
        pitch_programme.place_pitches(s, event_id=w["event"], session_id=w["pitch_session"], order=[a1])
        s.commit()
        assert s.scalar(select(Notification.id).where(Notification.kind == "events.programme")) is None
        views = {sid: service.get_session(s, event=event, session_id=sid) for sid in (w["pitch_session"], w["plenary"])}
        for user in (ann, carl, w["founder"]):  # chose the pitch session (the founder also speaks at it)
            service.choose_session(s, event=event, participant=service.participant_of(s, event_id=w["event"], user_id=user),
                                   session_id=w["pitch_session"], chosen=True)
        service.choose_session(s, event=event, participant=service.participant_of(s, event_id=w["event"], user_id=bob),
                               session_id=w["plenary"], chosen=True)
        # the moderator is linked to carl (who also chose it): told once; bob speaks at the plenary only
        numbers = service.participant_numbers(s, event_id=w["event"], user_ids=[w["founder"]])
        lines = forms.speakers_text(views[w["pitch_session"]].speakers, numbers).replace(
            "Modératrice démo 1", f"Modératrice démo 1 | participant:{pids[carl]}")
        programme_edit.edit_session(s, event=event, session_id=w["pitch_session"], title="Pitchs", kind="pitch",
                                    room="Salle 1", day=DAY.isoformat(), start="11:00", end="12:00",
                                    speakers=forms.speakers_from(lines))
        programme_edit.edit_session(s, event=event, session_id=w["plenary"], title="Plénière", kind="plenary",
                                    room="Amphi", day=DAY.isoformat(), start="09:00", end="10:00",
                                    speakers=[service.SpeakerInput(name="Intervenant démo 2", person=f"participant:{pids[bob]}")])
        s.commit()
        before = s.scalar(select(Notification.id).order_by(Notification.id.desc()).limit(1))
        told = service.delete_session(s, event=event, session_id=w["pitch_session"])
        s.commit()
        notes = list(s.scalars(select(Notification).where(Notification.id > before).order_by(Notification.id)))
        assert sorted(told) == sorted([ann, carl, w["founder"]])
        by_user = {u: [(n.kind, n.subject) for n in notes if n.user_id == u] for u in (ann, bob, carl, w["founder"])}
        cancelled = ("events.programme", "Rencontres test\u202f: «\u00a0Pitchs\u00a0» est annulée")
        assert by_user == {ann: [cancelled], bob: [], carl: [cancelled],
                           w["founder"]: [("events.pitch", "Rencontres test\u202f: votre pitch n'est plus au programme")]}
        body = next(n.body for n in notes if n.user_id == ann)
        assert f"({FR_DAY}, 11:00–12:00, Salle 1)" in body and "annulée par les organisateurs" in body
        # the plenary deleted: its speaker and the one who chose it are one person, told once
        assert service.delete_session(s, event=event, session_id=w["plenary"]) == [bob]
        s.commit()
        assert s.scalar(select(Notification.subject).where(Notification.user_id == bob)
                        .order_by(Notification.id.desc()).limit(1)) == "Rencontres test\u202f: «\u00a0Plénière\u00a0» est annulée"
    subject, body = render(kind="events.programme", language="en", context={
        "event": "Meeting", "title": "Pitches", "status": "cancelled", "before": "2027-03-10 11:00–12:00, Room 1"})
    assert subject == 'Meeting: "Pitches" is cancelled' and "is cancelled by the organisers" in body
    moved, _ = render(kind="events.programme", language="en", context={"event": "Meeting", "title": "Pitches",
                                                                       "status": "moved", "before": "", "after": ""})
    assert moved == 'Meeting: "Pitches" moves'

"""A pitch in one session only, held by the database: two simultaneous edits that both passed the
form's check (simulated by a second transaction placing the pitch between the check and the
write) end with the second refused as the check refuses it, naming the session (422, in the
reader's language), never a database error; the migration unlinks the duplicates old data may
hold (the entry of the earliest session keeps the link) and goes back down."""

from __future__ import annotations

import pytest
from babel.dates import format_date
from sqlalchemy import inspect, select, text

from bioatlas.core import migrate
from bioatlas.core.fields import refusal_text
from bioatlas.core.i18n import Translator
from bioatlas.events import pitch_programme, programme, programme_edit, service, speakers
from bioatlas.events.models import ProgrammeSession, Speaker
from tests.accounts.fixtures import csrf_of, login
from tests.events.helpers import DAY
from tests.events.test_pitch_programme import _decide, placed_world  # noqa: F401  (a fixture)


def _afternoon(db, w) -> int:
    with db() as s:
        event = service.get_event(s, event_id=w["event"])
        for app in w["apps"][:2]:
            _decide(s, w, app, "selected")
        sid = service.add_session(s, event=event, title="Pitchs de l'après-midi", kind="pitch", room="Salle 2",
                                  day=DAY.isoformat(), start="14:00", end="15:00").id
        s.commit()
        return sid


def _place_meanwhile(db, w, app: int) -> None:
    """The other organiser's edit, committed in its own transaction."""
    with db() as other:
        pitch_programme.place_pitches(other, event_id=w["event"], session_id=w["pitch_session"], order=[app])
        other.commit()


def test_the_writer_refuses_a_pitch_placed_meanwhile(db, placed_world):  # noqa: F811
    w = placed_world
    a1, a2, a3 = w["apps"]
    afternoon = _afternoon(db, w)
    with db() as s:
        event = service.get_event(s, event_id=w["event"])
        checked = programme.check_session(s, event=event, title="Pitchs de l'après-midi", kind="pitch", room="Salle 2",
                                        day=DAY.isoformat(), start="14:00", end="15:00", exclude_id=afternoon,
                                        speakers=[service.SpeakerInput(name="Pitch 2 bis", pitch_application_id=a2)])
        _place_meanwhile(db, w, a2)  # between this edit's check and its write
        with pytest.raises(service.FieldError) as refused:
            speakers.write_speakers(s, session_id=afternoon, speakers=checked.speakers)
        assert refused.value.field == "speakers" and refused.value.status == 422
        assert refused.value.params["other"] == "Pitchs" and refused.value.params["pitch"] == a2
        assert f"« Pitchs » ({DAY.isoformat()} 11:00–12:00)" in str(refused.value)  # the API's text
        assert refusal_text(Translator("fr"), refused.value).startswith(
            f"Pitch 2 bis\u202f: le pitch {a2} est déjà dans la session «\u00a0Pitchs\u00a0» ({format_date(DAY, 'd MMMM y', locale='fr')}, 11:00–12:00)")
        # the transaction is still usable (a savepoint), nothing of the refused write is stored
        assert s.scalar(select(Speaker.id).where(Speaker.session_id == afternoon)) is None
        s.rollback()
        # the lower-level writer called twice with the same pitch: the second refused the same way
        speakers.write_speakers(s, session_id=afternoon, speakers=[
            speakers.LinkedSpeaker(name="Pitch 3", affiliation="", actor_id=None, pitch_application_id=a3)])
        with pytest.raises(service.FieldError) as twice:
            speakers.write_speakers(s, session_id=w["plenary"], field="order", speakers=[
                speakers.LinkedSpeaker(name="Pitch 3 bis", affiliation="", actor_id=None, pitch_application_id=a3)])
        assert (twice.value.field, twice.value.params["name"], twice.value.params["other"]) == (
            "order", "Pitch 3 bis", "Pitchs de l'après-midi")
        s.rollback()
    with db() as s:  # the other edit's placing (a2 first, then the jury's ranking)
        assert pitch_programme.placed(s, event_id=w["event"]) == {a2: (w["pitch_session"], 1), a1: (w["pitch_session"], 2)}


def test_a_second_simultaneous_edit_over_http_gets_the_refusal(client, db, placed_world, monkeypatch):  # noqa: F811
    w = placed_world
    a2 = w["apps"][1]
    afternoon = _afternoon(db, w)
    real_check = programme_edit.check_session

    def check_then_other_edit(session, **kwargs):
        checked = real_check(session, **kwargs)
        _place_meanwhile(db, w, a2)
        return checked

    monkeypatch.setattr(programme_edit, "check_session", check_then_other_edit)
    assert login(client, "org@test.invalid").status_code == 303
    page = f"/events/{w['event']}/sessions/{afternoon}/edit"
    refused = client.post(page, data={"title": "Pitchs de l'après-midi", "kind": "pitch", "room": "Salle 2",
                                      "day": DAY.isoformat(), "start": "14:00", "end": "15:00",
                                      "speakers": f"Pitch 2 | Yposkesi | pitch:{a2}", "csrf_token": csrf_of(client, page)})
    assert refused.status_code == 422, refused.text[-600:]
    assert f"le pitch {a2} est déjà dans la session «\u00a0Pitchs\u00a0»" in refused.text
    with db() as s:
        assert pitch_programme.placed(s, event_id=w["event"]) == {a2: (w["pitch_session"], 1),
                                                                  w["apps"][0]: (w["pitch_session"], 2)}
        assert s.scalar(select(ProgrammeSession.title).where(ProgrammeSession.id == afternoon)) == "Pitchs de l'après-midi"


def _pitch_indexes(engine) -> dict[str, bool]:
    return {ix["name"]: bool(ix["unique"]) for ix in inspect(engine).get_indexes("event_speakers")
            if ix["column_names"] == ["pitch_application_id"]}


def test_the_migration_unlinks_duplicates_and_goes_down(engine, db, placed_world):  # noqa: F811
    w = placed_world
    a1 = w["apps"][0]
    afternoon = _afternoon(db, w)
    assert _pitch_indexes(engine) == {"uq_event_speakers_pitch_application_id": True}
    migrate.downgrade(engine, "0042_user_language")
    try:
        assert _pitch_indexes(engine) == {"ix_event_speakers_pitch_application_id": False}
        with db() as s:  # old data: a pitch in two sessions (the form's check was all there was)
            for session_id, position, name in ((afternoon, 0, "Pitch 1 (après-midi)"), (w["pitch_session"], 5, "Pitch 1 (matin)"),
                                               (afternoon, 1, "Pitch 1 encore")):  # the columns of 0042 (no role yet)
                s.execute(text("INSERT INTO event_speakers (session_id, position, name, affiliation, pitch_application_id)"
                               " VALUES (:s, :p, :n, '', :a)"), {"s": session_id, "p": position, "n": name, "a": a1})
            s.commit()
    finally:
        migrate.upgrade(engine)
    assert _pitch_indexes(engine) == {"uq_event_speakers_pitch_application_id": True}
    with db() as s:
        rows = s.execute(select(Speaker.name, Speaker.pitch_application_id).where(Speaker.name.like("Pitch 1%"))
                         .order_by(Speaker.name)).all()
        # the morning session's entry keeps the link; the others stay as plain lines
        assert rows == [("Pitch 1 (après-midi)", None), ("Pitch 1 (matin)", a1), ("Pitch 1 encore", None)]
        assert pitch_programme.placed(s, event_id=w["event"]) == {a1: (w["pitch_session"], 1)}

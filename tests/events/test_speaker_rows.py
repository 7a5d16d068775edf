"""Speakers as rows of the session forms: each speaker a row (name, affiliation, atlas number,
participant, pitch), one empty row to add a speaker and an "add a speaker" button that shows the
form again with one row more (no JavaScript, nothing saved); emptying a row removes its speaker;
a refusal names its row (`speakers[2]`, "Intervenant·e 2" on the page, the row marked); the text
format (field `speakers`) is still accepted from clients that post it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bioatlas.core.fields import FieldError
from bioatlas.events import forms, pitch_programme, service
from bioatlas.events.models import ProgrammeSession, Speaker
from tests.accounts.fixtures import csrf_of, login, make_user
from tests.events.helpers import DAY, register
from tests.events.test_pitch_programme import _decide, placed_world  # noqa: F401  (a fixture)


def _row(n: int, name="", affiliation="", actor="", person="", pitch="") -> dict[str, str]:
    return {f"speaker-{n}-name": name, f"speaker-{n}-affiliation": affiliation, f"speaker-{n}-actor": actor,
            f"speaker-{n}-person": person, f"speaker-{n}-pitch": pitch}


def _rows_on(html: str) -> list[str]:
    return re.findall(r'name="speaker-(\d+)-name" maxlength="200" value="([^"]*)"', html)


def test_rows_read_and_refusals_name_the_row():
    rows = [{"name": "Dr Démo", "affiliation": "Labo", "actor": "#12", "person": "Participant:7", "pitch": "pitch:4"},
            dict.fromkeys(forms.ROW_KEYS, ""),
            {"name": "Mme Démo", "affiliation": "", "actor": "", "person": "x@test.invalid", "pitch": "5"}]
    got = forms.speakers_from_rows(rows)
    assert [(s.name, s.actor_id, s.person, s.pitch_application_id, s.row, s.field) for s in got] == [
        ("Dr Démo", 12, "participant:7", 4, 1, "speakers[1]"), ("Mme Démo", None, "x@test.invalid", 5, 3, "speakers[3]")]
    for bad, msgid in (({"affiliation": "Labo seul"}, "a name is required (empty the whole row to remove the speaker)"),
                       ({"name": "X", "actor": "abc"}, "{value!r} is not an atlas actor number"),
                       ({"name": "X", "person": "Jean"}, "{value!r} is neither participant:17 nor an e-mail"),
                       ({"name": "X", "pitch": "quatre"}, "{value!r} is not a pitch number (4 or pitch:4)")):
        with pytest.raises(FieldError) as refused:
            forms.speakers_from_rows([rows[0], {**dict.fromkeys(forms.ROW_KEYS, ""), **bad}])
        assert (refused.value.field, refused.value.msgid) == ("speakers[2]", msgid)
    assert len(forms.rows_shown(rows)) == 3 and len(forms.rows_shown(rows, more=True)) == 4  # filled + 1 / all + 1


def test_the_new_session_form_with_rows(client, db, placed_world):  # noqa: F811
    w = placed_world
    ann = make_user(db, "ann@test.invalid")
    pid = register(db, event_id=w["event"], user_id=ann, name="Ann Démo")
    assert login(client, "org@test.invalid").status_code == 303
    manage = f"/events/{w['event']}/manage"
    page = client.get(manage).text
    assert _rows_on(page) == [("1", "")] and 'name="add_speaker"' in page and "Ajouter un·e intervenant·e" in page
    assert f'<option value="participant:{pid}">Ann Démo</option>' in page
    base = {"title": "Table ronde", "kind": "round_table", "room": "Salle 4", "day": DAY.isoformat(), "start": "14:00",
            "end": "15:00", "csrf_token": csrf_of(client, manage)}
    first = _row(1, "Intervenante démo 1", "TreeFrog Therapeutics")
    more = client.post(f"/events/{w['event']}/sessions", data={**base, **first, **_row(2), "add_speaker": "1"})
    assert more.status_code == 200 and _rows_on(more.text) == [("1", "Intervenante démo 1"), ("2", ""), ("3", "")]
    assert 'value="Table ronde"' in more.text
    with db() as s:  # nothing saved by "add a speaker"
        assert s.scalar(select(ProgrammeSession.id).where(ProgrammeSession.title == "Table ronde")) is None
    refused = client.post(f"/events/{w['event']}/sessions",
                          data={**base, **first, **_row(2, "Ann Démo", "Labo", person="nobody@test.invalid"), **_row(3)})
    assert refused.status_code == 422
    assert ("Intervenant·e 2\u202f: Ann Démo\u202f: aucun participant de cet événement avec l&#39;adresse e-mail "
            "nobody@test.invalid") in refused.text
    assert '<tr class="speaker-row refused" data-row="2">' in refused.text
    assert _rows_on(refused.text) == [("1", "Intervenante démo 1"), ("2", "Ann Démo"), ("3", "")]
    added = client.post(f"/events/{w['event']}/sessions", follow_redirects=False, data={
        **base, **first, **_row(2), **_row(3, "Ann Démo", "Labo", person=f"participant:{pid}")})
    assert added.status_code == 303
    with db() as s:
        sid = s.scalar(select(ProgrammeSession.id).where(ProgrammeSession.title == "Table ronde"))
        rows = s.execute(select(Speaker.name, Speaker.actor_id, Speaker.user_id).where(Speaker.session_id == sid)
                         .order_by(Speaker.position)).all()
        assert rows == [("Intervenante démo 1", w["ups"][0], None), ("Ann Démo", None, ann)]
    edit = client.get(f"/events/{w['event']}/sessions/{sid}/edit").text  # the edit form: its rows, one empty
    assert _rows_on(edit) == [("1", "Intervenante démo 1"), ("2", "Ann Démo"), ("3", "")]
    assert f'name="speaker-2-person" maxlength="300" list="event-speaker-people" value="participant:{pid}"' in edit


def test_the_pitch_session_edited_by_rows(client, db, placed_world):  # noqa: F811
    w = placed_world
    a1, a2, _a3 = w["apps"]
    with db() as s:
        _decide(s, w, a1, "selected")
        _decide(s, w, a2, "selected")
        pitch_programme.place_pitches(s, event_id=w["event"], session_id=w["pitch_session"], order=[a1, a2])
        plenary = w["plenary"]
        s.commit()
    assert login(client, "org@test.invalid").status_code == 303
    page = f"/events/{w['event']}/sessions/{w['pitch_session']}/edit"
    html = client.get(page).text
    assert _rows_on(html) == [("1", "Modératrice démo 1"), ("2", "Pitch 1"), ("3", "Pitch 2"), ("4", "")]
    base = {"title": "Pitchs", "kind": "pitch", "room": "Salle 1", "day": DAY.isoformat(), "start": "11:00",
            "end": "12:00", "csrf_token": csrf_of(client, page)}
    # the moderator kept, pitch 1 renamed (its number kept), pitch 2's row emptied: it leaves the programme
    ok = client.post(page, follow_redirects=False, data={
        **base, **_row(1, "Modératrice démo 1"), **_row(2, "Organoïdes à l'échelle", "TreeFrog Therapeutics", pitch=str(a1)),
        **_row(3), **_row(4)})
    assert ok.status_code == 303
    with db() as s:
        assert pitch_programme.placed(s, event_id=w["event"]) == {a1: (w["pitch_session"], 1)}
    # pitch 1 named in another session's row 2: refused naming that row, the other session named
    other = f"/events/{w['event']}/sessions/{plenary}/edit"
    refused = client.post(other, data={**base, "title": "Plénière", "kind": "pitch", "room": "Amphi", "start": "09:00",
                                       "end": "10:00", **_row(1, "Ouverture"), **_row(2, "Pitch 1 bis", pitch=f"pitch:{a1}")})
    assert refused.status_code == 422
    assert f"Intervenant·e 2\u202f: Pitch 1 bis\u202f: le pitch {a1} est déjà dans la session «\u00a0Pitchs\u00a0»" in refused.text
    assert '<tr class="speaker-row refused" data-row="2">' in refused.text
    # the text format is still accepted (a client posting the lines)
    assert client.post(other, follow_redirects=False, data={
        **base, "title": "Plénière", "kind": "plenary", "room": "Amphi", "start": "09:00", "end": "10:00",
        "speakers": "Ouverture | Medicen Paris Region"}).status_code == 303
    with db() as s:
        view = service.get_session(s, event=service.get_event(s, event_id=w["event"]), session_id=plenary)
        assert [(sp.name, sp.affiliation) for sp in view.speakers] == [("Ouverture", "Medicen Paris Region")]

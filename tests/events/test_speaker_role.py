"""A speaker's role in a session (speaker, moderator, chair…: `event_speakers.role`, migration
0044): chosen in the session form's rows, refused naming the row for a role that is not one,
shown in the programme and its calendar file (whose times carry the venue's TZID); a pitch placed
meanwhile by another edit is refused naming the form's row (`speakers[2]`), not `speakers`; the
migration gives every existing entry "speaker" and every account Europe/Paris, and goes down."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select, text

from bioatlas.core import migrate
from bioatlas.events import pitch_programme, programme, service, speakers
from bioatlas.events.models import Speaker
from tests.accounts.fixtures import csrf_of, login
from tests.events.helpers import DAY
from tests.events.test_pitch_programme import _decide, placed_world  # noqa: F401  (a fixture)


def _row(n: int, name="", affiliation="", pitch="", role="speaker") -> dict[str, str]:
    return {f"speaker-{n}-name": name, f"speaker-{n}-affiliation": affiliation, f"speaker-{n}-actor": "",
            f"speaker-{n}-person": "", f"speaker-{n}-pitch": pitch, f"speaker-{n}-role": role}


def test_the_role_chosen_in_the_rows_is_shown_and_exported(client, db, placed_world):  # noqa: F811
    w = placed_world
    assert login(client, "org@test.invalid").status_code == 303
    manage = f"/events/{w['event']}/manage"
    page = client.get(manage).text
    assert 'name="speaker-1-role"' in page and '<option value="moderator">Modérateur·rice</option>' in page
    base = {"title": "Table ronde", "kind": "round_table", "room": "Salle 4", "day": DAY.isoformat(), "start": "14:00",
            "end": "15:00", "csrf_token": csrf_of(client, manage)}
    refused = client.post(f"/events/{w['event']}/sessions", data={
        **base, **_row(1, "Animatrice démo"), **_row(2, "Intervenant démo", role="juggler")})
    assert refused.status_code == 422 and '<tr class="speaker-row refused" data-row="2">' in refused.text
    assert "Intervenant·e 2\u202f: Intervenant démo\u202f: &#39;juggler&#39; n&#39;est pas un rôle" in refused.text
    added = client.post(f"/events/{w['event']}/sessions", follow_redirects=False, data={
        **base, **_row(1, "Animatrice démo", role="moderator"), **_row(2, "Intervenant démo", "Labo démo"), **_row(3)})
    assert added.status_code == 303
    with db() as s:
        rows = s.execute(select(Speaker.name, Speaker.role, Speaker.session_id).where(
            Speaker.name.in_(["Animatrice démo", "Intervenant démo"])).order_by(Speaker.position)).all()
    assert [(r.name, r.role) for r in rows] == [("Animatrice démo", "moderator"), ("Intervenant démo", "speaker")]
    sid = rows[0].session_id
    shown = client.get(f"/events/{w['event']}/programme").text
    assert '<span class="speaker-role">Modérateur·rice\u202f:</span> Animatrice démo' in shown
    assert "Les heures sont celles du lieu (heure de Paris)." in shown
    assert '<span class="speaker-role">Moderator:</span> Animatrice démo' in client.get(
        f"/events/{w['event']}/programme?lang=en").text
    edit = client.get(f"/events/{w['event']}/sessions/{sid}/edit").text
    assert '<option value="moderator" selected>' in edit
    ics = client.get(f"/events/{w['event']}/sessions/{sid}.ics").text.replace("\r\n ", "")
    assert f"DTSTART;TZID=Europe/Paris:{DAY:%Y%m%d}T140000" in ics and "BEGIN:VTIMEZONE" in ics
    assert "Moderator: Animatrice démo" in ics  # the account switched to English above


def test_a_pitch_placed_meanwhile_is_refused_naming_the_form_row(db, placed_world):  # noqa: F811
    w = placed_world
    a1, a2, _a3 = w["apps"]
    with db() as s:
        for app in (a1, a2):
            _decide(s, w, app, "selected")
        event = service.get_event(s, event_id=w["event"])
        afternoon = service.add_session(s, event=event, title="Pitchs de l'après-midi", kind="pitch", room="Salle 2",
                                        day=DAY.isoformat(), start="14:00", end="15:00").id
        s.commit()
        checked = programme.check_session(s, event=event, title="Pitchs de l'après-midi", kind="pitch", room="Salle 2",
                                          day=DAY.isoformat(), start="14:00", end="15:00", exclude_id=afternoon,
                                          speakers=[service.SpeakerInput(name="Animatrice", row=1, role="chair"),
                                                    service.SpeakerInput(name="Pitch 2 bis", pitch_application_id=a2,
                                                                         row=2, role="pitcher")])
        with db() as other:  # another organiser's placing, committed between this edit's check and its write
            pitch_programme.place_pitches(other, event_id=w["event"], session_id=w["pitch_session"], order=[a2])
            other.commit()
        with pytest.raises(service.FieldError) as refused:
            speakers.write_speakers(s, session_id=afternoon, speakers=checked.speakers)
        assert refused.value.field == "speakers[2]" and refused.value.params["pitch"] == a2
        s.rollback()


def test_the_migration_gives_speakers_and_accounts_their_defaults_and_goes_down(engine, db):
    def columns(table: str) -> set[str]:
        return {c["name"] for c in inspect(engine).get_columns(table)}

    assert "role" in columns("event_speakers") and "time_zone" in columns("users")
    migrate.downgrade(engine, "0043_event_speaker_pitch_unique")
    try:
        assert "role" not in columns("event_speakers") and "time_zone" not in columns("users")
        with engine.begin() as conn:  # an account of before
            conn.execute(text("INSERT INTO users (email, email_key, display_name, is_admin, created_at, language)"
                              " VALUES ('old@example.org', 'old@example.org', 'Old', false, '2026-01-01', 'fr')"))
    finally:
        migrate.upgrade(engine)
    assert "role" in columns("event_speakers")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT time_zone FROM users WHERE email = 'old@example.org'")).scalar_one() == "Europe/Paris"
        default = next(c["default"] for c in inspect(engine).get_columns("event_speakers") if c["name"] == "role")
        assert "speaker" in str(default)

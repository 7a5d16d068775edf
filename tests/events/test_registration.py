"""Registration: capacities of the event and of a category, the waiting list promoted in order
(and notified) when someone cancels, limits below the registered refused naming the field;
badges (a QR code of a signed token) and check-in (organisers only, idempotent, audited,
forged tokens refused); the CSV export (formula cells neutralised); exhibitors and the
innovation village with filters; personal data."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from bioatlas.events import service
from bioatlas.events.models import Participant
from bioatlas.notifications.models import Notification
from tests.accounts.fixtures import audit_events, csrf_of, login, make_user
from tests.contributions.helpers import add_actor
from tests.events.helpers import make_event, register

SECRET = "s" * 40


@pytest.fixture
def world(db):
    organiser = add_actor(db, "Genopole", "91000", kind="cluster")
    users = {n: make_user(db, f"{n}@test.invalid") for n in ("ann", "bob", "cy", "dee")}
    users["org"] = make_user(db, "org@test.invalid", roles=[("member", "actor", organiser)])
    return {"event": make_event(db, organiser=organiser), "organiser": organiser, "users": users}


def _register(db, world, name, category="industry"):
    with db() as s:
        p = service.register(s, event=service.get_event(s, event_id=world["event"]), user_id=world["users"][name],
                             display_name=name.title(), category=category)
        s.commit()
        return p.id, p.status


def _notes(db, user_id):
    with db() as s:
        return [n.subject for n in s.scalars(select(Notification).where(Notification.user_id == user_id)
                                             .order_by(Notification.id))]


def test_capacity_waiting_list_and_promotion(db, world):
    e = world["event"]
    with db() as s:
        event = service.get_event(s, event_id=e)
        service.set_capacities(s, event=event, limits={"*": 2, "student": 1})
        s.commit()
    assert _register(db, world, "ann")[1] == "registered"
    assert _register(db, world, "bob", "student")[1] == "registered"
    cy, status = _register(db, world, "cy", "student")
    assert status == "waiting"  # the event is full (and so is the student category)
    dee, status = _register(db, world, "dee")
    assert status == "waiting"
    assert "liste d'attente" in _notes(db, world["users"]["cy"])[-1]
    with db() as s:
        event = service.get_event(s, event_id=e)
        assert service.waiting_position(s, participant=s.get(Participant, dee)) == 2
        with pytest.raises(service.Conflict):
            service.register(s, event=event, user_id=world["users"]["dee"], display_name="Dee", category="industry")
        # a limit below the registered is refused naming the field, nothing changes
        for limits, field in [({"*": 1}, "capacity"), ({"*": 5, "student": 0}, "capacity_student"),
                              ({"pirates": 3}, "capacity_pirates")]:
            with pytest.raises(service.FieldError) as caught:
                service.set_capacities(s, event=event, limits=limits)
            assert caught.value.field == field
        assert service.capacities(s, event_id=e) == {"*": 2, "student": 1}
        assert world["users"]["cy"] not in service.event_scope(s, event_id=e).participants
        # ann (industry) cancels: cy is first in the queue but students are full: dee is promoted
        ann = service.participant_of(s, event_id=e, user_id=world["users"]["ann"])
        promoted = service.cancel(s, event=event, participant=ann)
        s.commit()
        assert [p.id for p in promoted] == [dee]
        assert s.get(Participant, cy).status == "waiting"
        assert service.waiting_position(s, participant=s.get(Participant, cy)) == 1
    assert "une place s'est libérée" in _notes(db, world["users"]["dee"])[-1]
    assert "inscription annulée" in _notes(db, world["users"]["ann"])[-1]
    with db() as s:  # bob (student) cancels: cy moves up
        event = service.get_event(s, event_id=e)
        promoted = service.cancel(s, event=event, participant=service.participant_of(s, event_id=e,
                                                                                     user_id=world["users"]["bob"]))
        s.commit()
        assert [p.id for p in promoted] == [cy]
        assert world["users"]["cy"] in service.event_scope(s, event_id=e).participants
    # ann registers again: at the end of the queue (the event is full)
    assert _register(db, world, "ann")[1] == "waiting"


def test_badges_and_check_in(client, db, world):
    e = world["event"]
    pid, _ = _register(db, world, "ann")
    other = make_event(db, organiser=world["organiser"], title="Autre")
    with db() as s:
        ann = s.get(Participant, pid)
        token = service.badge_token(secret=SECRET, participant=ann)
        [badge] = service.badges(secret=SECRET, people=[ann])
        assert badge.qr.startswith("<svg") and "style=" not in badge.qr and "<script" not in badge.qr
        assert service.read_token(secret=SECRET, token=f"  {token} ") == (e, pid)
        for bad in ("", token[:-2] + "xx", token.replace(f"{e}.", f"{other}.", 1), "x" * 300):
            with pytest.raises(service.FieldError) as caught:
                service.read_token(secret=SECRET, token=bad)
            assert caught.value.field == "token"
        with pytest.raises(service.FieldError):
            service.read_token(secret="t" * 40, token=token)  # another platform's secret
    # over HTTP with the application's secret: the organiser checks ann in, twice
    client.cookies.clear()
    assert login(client, "ann@test.invalid").status_code == 303
    mine = client.get(f"/events/{e}/badge")
    assert mine.status_code == 200 and "<svg" in mine.text and "Ann" in mine.text
    token = mine.text.split('<p class="badge-token"><code>')[1].split("</code>")[0]
    pdf = client.get(f"/events/{e}/badge.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and len(pdf.content) > 2000
    csrf = csrf_of(client, f"/events/{e}")
    assert client.post(f"/events/{e}/checkin", data={"token": token, "csrf_token": csrf}).status_code == 403
    assert client.get(f"/events/{e}/badges").status_code == 403
    client.cookies.clear()
    assert login(client, "org@test.invalid").status_code == 303
    page = client.get(f"/events/{e}/checkin")
    # camera scanning: the vendored ZXing and the page's own script, no inline script; the button
    # stays hidden until the script finds a camera API, the typed token works without it
    scripts = re.findall(r"<script([^>]*)>", page.text)
    assert all('src="/static/' in attrs for attrs in scripts), scripts
    assert 'src="/static/vendor/zxing/zxing-browser.js"' in page.text and "/static/js/events-checkin.js" in page.text
    assert re.search(r'<button type="button" id="checkin-camera" hidden', page.text)
    assert "ZXingBrowser.BrowserQRCodeReader" in client.get("/static/js/events-checkin.js").text
    csrf = csrf_of(client, f"/events/{e}/checkin")
    first = client.post(f"/events/{e}/checkin", data={"token": token, "csrf_token": csrf})
    assert first.status_code == 200 and "Ann est enregistré·e" in first.text
    total = re.search(r"(\d+) participants? enregistrés? sur (\d+)", first.text)
    assert total and total.group(0) == f"1 participant enregistré sur {total.group(2)}", first.text  # singular
    again = client.post(f"/events/{e}/checkin", data={"token": token, "csrf_token": csrf})
    assert again.status_code == 200 and "déjà enregistré·e" in again.text
    forged = client.post(f"/events/{e}/checkin", data={"token": token[:-3] + "abc", "csrf_token": csrf})
    assert forged.status_code == 422 and "Jeton du badge\u202f: jeton de badge non valide" in forged.text
    elsewhere = client.post(f"/events/{other}/checkin", data={"token": token, "csrf_token": csrf})
    assert elsewhere.status_code == 422 and "un autre événement" in elsewhere.text
    with db() as s:
        stamp = s.get(Participant, pid).checked_in_at
        assert stamp is not None
    checks = audit_events(db, "events.checkin")
    assert [c.target for c in checks] == [f"event_participant:{pid}"] * 2
    assert ['"already": false' in c.detail for c in checks] == [True, False]
    assert len(audit_events(db, "events.checkin_refused")) == 2
    sheet = client.get(f"/events/{e}/badges")
    assert sheet.status_code == 200 and sheet.text.count('class="badge"') == 1


def test_csv_export_is_formula_safe(client, db, world):
    e = world["event"]
    register(db, event_id=e, user_id=None, name="=HYPERLINK(\"http://x\")")
    register(db, event_id=e, user_id=None, name="@SUM(A1)")
    pid, _ = _register(db, world, "ann")
    client.cookies.clear()
    assert login(client, "ann@test.invalid").status_code == 303
    assert client.get(f"/events/{e}/registrations.csv").status_code == 403
    client.cookies.clear()
    assert login(client, "org@test.invalid").status_code == 303
    r = client.get(f"/events/{e}/registrations.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    names = sorted(row["name"] for row in rows)
    assert names == ["'=HYPERLINK(\"http://x\")", "'@SUM(A1)", "Ann"]
    assert {row["status"] for row in rows} == {"registered"}
    assert service.safe_cell("-2+3") == "'-2+3" and service.safe_cell("Genopole") == "Genopole"


def test_exhibitors_village_and_filters(client, db, world):
    e = world["event"]
    startup = add_actor(db, "TreeFrog Therapeutics", "33600", kind="startup")
    cdmo = add_actor(db, "Yposkesi", "91000", kind="cdmo")
    twin_a = add_actor(db, "Homonyme", "69007")
    add_actor(db, "Homonyme", "75001")
    with db() as s:
        event = service.get_event(s, event_id=e)
        assert service.add_exhibitor(s, event=event, actor_ref="TreeFrog Therapeutics", booth="V1").village is True
        assert service.add_exhibitor(s, event=event, actor_ref=str(cdmo), booth="A1").village is False
        for ref, booth, field in [("Nobody SA", "A2", "actor"), ("Homonyme", "A2", "actor"), (str(cdmo), "", "booth"),
                                  (str(twin_a), "<b>", "booth")]:
            with pytest.raises(service.FieldError) as caught:
                service.add_exhibitor(s, event=event, actor_ref=ref, booth=booth)
            assert caught.value.field == field
        with pytest.raises(service.Conflict) as taken:
            service.add_exhibitor(s, event=event, actor_ref=str(twin_a), booth="a1")
        assert "Yposkesi" in str(taken.value) and "Homonyme" in str(taken.value)
        with pytest.raises(service.Conflict):
            service.add_exhibitor(s, event=event, actor_ref=str(cdmo), booth="A9")
        s.commit()
        assert [x.actor_id for x in service.exhibitors(s, event_id=e, village=True)] == [startup]
        assert [x.name for x in service.exhibitors(s, event_id=e, kind="cdmo")] == ["Yposkesi"]
        assert [x.name for x in service.exhibitors(s, event_id=e, q="treefrog")] == ["TreeFrog Therapeutics"]
    page = client.get(f"/events/{e}", params={"village": "yes"})
    assert page.status_code == 200 and "TreeFrog Therapeutics" in page.text and "Yposkesi" not in page.text
    assert f'href="/actors/{startup}"' in page.text
    where = page.text.split('<select name="village">')[1].split("</select>")[0]  # the filter's places, capitalised
    assert [o.split(">", 1)[1] for o in where.split("</option>")[:3]] == [
        "Tous les exposants", "Village de l&#39;innovation", "Exposition"]
    plan = client.get(f"/events/{e}").text.split('<div class="floor-plan"')[1].split("</div>")[0]
    assert plan.count('class="booth"') == 1 and plan.count('class="booth booth-village"') == 1  # A1, V1
    assert plan.index(">Exposition<") < plan.index('class="booth"') < plan.index(">Village d") < plan.index("booth-village")
    client.cookies.clear()
    assert login(client, "org@test.invalid").status_code == 303
    csrf = csrf_of(client, f"/events/{e}/manage")
    bad = client.post(f"/events/{e}/exhibitors", data={"actor": "Nobody SA", "booth": "B1", "csrf_token": csrf})
    assert bad.status_code == 422 and "Acteur de l&#39;atlas\u202f: aucun acteur" in bad.text
    clash = client.post(f"/events/{e}/exhibitors", data={"actor": str(twin_a), "booth": "V1", "csrf_token": csrf})
    assert clash.status_code == 409 and "Stand\u202f: V1 est déjà attribué à" in clash.text  # the reader's language


def test_cancel_over_http_and_personal_data(client, db, world):
    e = world["event"]
    with db() as s:
        service.set_capacities(s, event=service.get_event(s, event_id=e), limits={"*": 1})
        s.commit()
    ann, _ = _register(db, world, "ann")
    bob, status = _register(db, world, "bob")
    assert status == "waiting"
    client.cookies.clear()
    assert login(client, "bob@test.invalid").status_code == 303
    page = client.get(f"/events/{e}")
    assert "(rang 1)" in page.text and 'data-status="waiting"' in page.text
    assert client.get(f"/events/{e}/participants").status_code == 403  # waiting: not a participant yet
    client.cookies.clear()
    assert login(client, "ann@test.invalid").status_code == 303
    csrf = csrf_of(client, f"/events/{e}")
    unconfirmed = client.post(f"/events/{e}/cancel", data={"csrf_token": csrf}, follow_redirects=False)
    assert unconfirmed.status_code == 422 and "confirm" in unconfirmed.text
    with db() as s:
        exported = service.export_personal(s, user_id=world["users"]["ann"])
        assert exported[0]["status"] == "registered" and exported[0]["chosen_sessions"] == []
        service.erase_personal(s, user_id=world["users"]["ann"])  # erasure frees the place too
        s.commit()
        assert s.get(Participant, ann) is None and s.get(Participant, bob).status == "registered"

"""Times on pages in the reader's zone (`users.time_zone`, migration 0044): Paris by default (the
sector is French), the account's zone once chosen on the account page or through the API, an
unknown zone refused naming the field; a stored instant (UTC, naive on SQLite) is converted,
written in the page's language with Babel, the zone named where it matters."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update

from bioatlas.accounts.models import AuditEvent, User
from bioatlas.core.moments import instant, zone_named
from bioatlas.messaging import service as messaging
from bioatlas.notifications import service as notifications
from bioatlas.notifications.models import Notification
from tests.accounts.fixtures import (  # noqa: F401  (fixtures)
    acc_app, csrf_of, login, mail_settings, make_user, smtp, web,
)
from tests.messaging.helpers import quick_user

WINTER = datetime(2027, 1, 5, 13, 5, tzinfo=timezone.utc)  # 14:05 in Paris, 08:05 in Montréal
SUMMER = datetime(2027, 7, 5, 22, 30)  # naive UTC as SQLite gives it back: 00:30 the next day in Paris


def test_an_instant_in_the_reader_zone_and_language():
    assert instant(WINTER, "fr", "Europe/Paris") == "mar. 5 janv. 2027, 14:05"
    assert instant(WINTER, "en", None) == "Tue 5 Jan 2027, 14:05"  # no zone: Paris
    assert instant(SUMMER, "fr", "Europe/Paris", "day") == "mardi 6 juillet 2027"  # the Paris day, not UTC's
    assert instant(WINTER.isoformat(), "fr", "America/Montreal", named=True) == \
        "mar. 5 janv. 2027, 08:05 (heure de Toronto)"
    assert instant(WINTER, "en", "Not/AZone", "time") == "14:05" and zone_named("Europe/Paris", "en") == "Paris time"
    assert instant(None, "fr", None) == ""


def test_the_account_zone_set_on_its_page_and_by_the_api(web, db):
    uid = make_user(db, "camille@example.org", admin=True)
    with db() as s:
        notifications.notify(s, user_id=uid, kind="contribution.reviewed", link="/contributions/mine",
                             context={"id": 7, "status": "rejected", "message": "Source manquante."})
        s.execute(update(Notification).values(created_at=WINTER))
        s.commit()
    assert login(web, "camille@example.org").status_code == 303
    assert "mar. 5 janv. 2027, 14:05" in web.get("/notifications").text  # Paris by default, not 13:05 UTC
    page = web.get("/account").text
    assert '<option selected>Europe/Paris</option>' in page and "<option>America/Montreal</option>" in page
    token = csrf_of(web, "/account")
    bad = web.post("/account/language", data={"language": "fr", "time_zone": "Mars/Olympus", "csrf_token": token})
    assert bad.status_code == 422 and "Choisissez un fuseau horaire dans la liste." in bad.text
    ok = web.post("/account/language", data={"language": "fr", "time_zone": "America/Montreal", "csrf_token": token},
                  follow_redirects=False)
    assert ok.status_code == 303
    with db() as s:
        assert s.scalar(select(User.time_zone).where(User.id == uid)) == "America/Montreal"
    assert "mar. 5 janv. 2027, 08:05" in web.get("/notifications").text
    csrf = {"X-CSRF-Token": csrf_of(web, "/account")}
    refused = web.patch("/api/v1/account", json={"time_zone": "UTC+1"}, headers=csrf)
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "time_zone"
    changed = web.patch("/api/v1/account", json={"time_zone": "Asia/Tokyo"}, headers=csrf)
    assert changed.status_code == 200 and changed.json()["time_zone"] == "Asia/Tokyo"
    assert "mar. 5 janv. 2027, 22:05" in web.get("/notifications").text
    assert web.get("/account/export").json()["account"]["time_zone"] == "Asia/Tokyo"
    audit = web.get("/admin/audit", params={"lang": "en"}).text  # the admin's log: to the second, in its zone, named
    assert "<th>Date (Tokyo time)</th>" in audit
    with db() as s:
        last = s.scalars(select(AuditEvent.at).order_by(AuditEvent.id.desc())).first()
    assert instant(last, "en", "Asia/Tokyo", "precise") in audit


def test_an_unread_message_notification_gives_the_time_in_the_recipient_zone(db):
    a, b = quick_user(db, "alice"), quick_user(db, "bob")
    with db() as s:
        s.execute(update(User).where(User.id == b).values(time_zone="America/Montreal"))
        thread = messaging.open_thread(s, user_ids=[b], opened_by=a, accepted=True)
        messaging.post_message(s, thread_id=thread.id, sender_id=a, body="Bonjour", now=WINTER)
        assert messaging.notify_unread(s, now=WINTER + timedelta(hours=1)) == 1
        s.commit()
        body = s.scalars(select(Notification.body).where(Notification.user_id == b)).one()
    # the zone as the pages name it (`zone_named`: Babel names America/Montreal by its canonical zone, Toronto)
    assert "mardi 5 janvier 2027 à 08:05 (heure de Toronto)" in body and "America/Montreal" not in body and "UTC" not in body

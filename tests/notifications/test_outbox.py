"""The notifications service against a real local SMTP server: immediate mail with the one-click
unsubscribe header, SMTP down (kept, retried with back-off, failed after the last attempt, never
dropped), digests and preferences, FR/EN rendering, personal data."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from bioatlas.accounts.models import User
from bioatlas.accounts.personal import delete_user, export_user
from bioatlas.core.plugins import by_name
from bioatlas.notifications import service
from bioatlas.notifications.models import Notification, OutboxMail, Preference
from tests.accounts.fixtures import _free_port, mail_settings, make_user, smtp  # noqa: F401  (fixtures)

KIND = "contribution.reviewed"
CONTEXT = {"id": 7, "status": "rejected", "message": "Source manquante."}


def _notify(db, user_id, context=CONTEXT, link="/contributions/mine"):
    with db() as s:
        note = service.notify(s, user_id=user_id, kind=KIND, context=context, link=link)
        s.commit()
        return note.id


def _outbox(db):
    with db() as s:
        return [(m.status, m.attempts, m.last_error, m.kind) for m in s.scalars(select(OutboxMail).order_by(OutboxMail.id))]


def test_immediate_notification_is_mailed_with_link_and_one_click_unsubscribe(db, smtp, mail_settings):
    uid = make_user(db, "camille@example.org")
    _notify(db, uid)
    assert service.deliver_outbox(db, settings=mail_settings) == {"sent": 1, "retry": 0, "failed": 0}
    msg = smtp.last_to("camille@example.org")
    assert msg["Subject"] == "Votre contribution n° 7 a été refusée"
    body = msg.get_content()
    assert "Message de l'équipe\u202f: Source manquante." in body
    assert "http://testserver/contributions/mine" in body
    unsubscribe = msg["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://testserver/notifications/unsubscribe/") and unsubscribe[1:-1] in body
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert _outbox(db) == [("sent", 1, None, KIND)]
    with db() as s:
        assert service.unread_count(s, user_id=uid) == 1
    # delivering again sends nothing twice
    assert service.deliver_outbox(db, settings=mail_settings) == {"sent": 0, "retry": 0, "failed": 0}
    assert len(smtp.messages) == 1


def test_smtp_down_keeps_the_mail_and_retries_it_when_the_server_is_back(db, smtp, mail_settings):
    uid = make_user(db, "camille@example.org")
    down = mail_settings.model_copy(update={"smtp_port": _free_port()})  # nobody listens there
    _notify(db, uid)
    t0 = datetime.now(timezone.utc)
    assert service.deliver_outbox(db, settings=down, now=t0) == {"sent": 0, "retry": 1, "failed": 0}
    [(status, attempts, error, _)] = _outbox(db)
    assert (status, attempts) == ("pending", 1) and f"127.0.0.1:{down.smtp_port}" in error
    # not due yet: the next attempt waits (back-off), even with the server back
    assert service.deliver_outbox(db, settings=mail_settings, now=t0 + timedelta(seconds=30))["sent"] == 0
    assert smtp.messages == []
    assert service.deliver_outbox(db, settings=mail_settings, now=t0 + timedelta(minutes=2))["sent"] == 1
    assert smtp.last_to("camille@example.org")["Subject"].startswith("Votre contribution")
    assert _outbox(db) == [("sent", 2, None, KIND)]


def test_after_the_last_attempt_the_mail_stays_failed_never_dropped(db, smtp, mail_settings):
    uid = make_user(db, "camille@example.org")
    down = mail_settings.model_copy(update={"smtp_port": _free_port()})
    _notify(db, uid)
    at = datetime.now(timezone.utc)
    results = []
    for _ in range(service.MAX_ATTEMPTS + 2):
        results.append(service.deliver_outbox(db, settings=down, now=at))
        at += service.BACKOFF_CAP
    assert [r["retry"] for r in results[:service.MAX_ATTEMPTS - 1]] == [1] * (service.MAX_ATTEMPTS - 1)
    assert results[service.MAX_ATTEMPTS - 1]["failed"] == 1
    assert results[service.MAX_ATTEMPTS:] == [{"sent": 0, "retry": 0, "failed": 0}] * 2
    [(status, attempts, error, _)] = _outbox(db)
    assert (status, attempts) == ("failed", service.MAX_ATTEMPTS) and "SMTP server" in error
    assert service.backoff(1) == timedelta(minutes=1) and service.backoff(3) == timedelta(minutes=4)
    # an operator fixes the server and queues it again
    with db() as s:
        assert service.retry_failed(s) == 1
        s.commit()
    assert service.deliver_outbox(db, settings=mail_settings)["sent"] == 1 and len(smtp.messages) == 1


def test_digest_preference_gathers_unread_notifications_in_one_daily_mail(db, smtp, mail_settings):
    uid = make_user(db, "camille@example.org")
    with db() as s:
        service.set_preference(s, user_id=uid, kind=KIND, delivery="digest")
        s.commit()
    _notify(db, uid, {"id": 1, "status": "accepted", "message": ""})
    _notify(db, uid, {"id": 2, "status": "amended", "message": "Nom corrigé"})
    seen = _notify(db, uid, {"id": 3, "status": "rejected", "message": "Doublon"})
    with db() as s:
        service.mark_read(s, user_id=uid, notification_id=seen)
        s.commit()
    assert _outbox(db) == []  # nothing mailed at once
    assert service.send_digests(db) == 1
    assert service.send_digests(db) == 0  # each notification goes in one digest only
    assert service.deliver_outbox(db, settings=mail_settings)["sent"] == 1
    msg = smtp.last_to("camille@example.org")
    body = msg.get_content()
    assert msg["Subject"] == "Bioprod Atlas\u202f: 2 notifications du jour"
    assert "n° 1 a été acceptée" in body and "Nom corrigé" in body and "Doublon" not in body
    assert "/notifications/unsubscribe/" in msg["List-Unsubscribe"]


def test_off_preference_sends_no_mail_but_keeps_the_notification_in_the_page(db, smtp, mail_settings):
    uid = make_user(db, "camille@example.org")
    with db() as s:
        service.set_preference(s, user_id=uid, kind=KIND, delivery="off")
        s.commit()
    _notify(db, uid)
    assert service.send_digests(db) == 0
    assert service.deliver_outbox(db, settings=mail_settings)["sent"] == 0 and smtp.messages == []
    with db() as s:
        assert service.unread_count(s, user_id=uid) == 1
        assert service.delivery_for(s, user_id=uid, kind=KIND) == "off"


def test_bad_input_names_the_field(db):
    uid = make_user(db, "camille@example.org")
    with db() as s:
        for call, field in [
            (lambda: service.set_preference(s, user_id=uid, kind=KIND, delivery="weekly"), KIND),
            (lambda: service.set_preference(s, user_id=uid, kind="no.such.kind", delivery="off"), "kind"),
            (lambda: service.set_preference(s, user_id=uid, kind="account.verify", delivery="off"), "kind"),
            (lambda: service.notify(s, user_id=uid, kind=KIND, context=CONTEXT, link="https://evil.example"), "link"),
        ]:
            with pytest.raises(service.NotificationError) as exc:
                call()
            assert exc.value.field == field
        assert service.notify(s, user_id=999_999, kind=KIND, context=CONTEXT) is None  # no such user


def test_french_and_english_templates(db, smtp, mail_settings):
    assert service.render(kind=KIND, language="en", context=CONTEXT) == (
        "Your contribution #7 was rejected",
        "Your contribution #7 was reviewed: rejected.\n\nMessage from the team: Source manquante.")
    assert service.render(kind=KIND, language="fr", context={**CONTEXT, "status": "amended", "message": ""})[0] == (
        "Votre contribution n° 7 a été acceptée avec des modifications")
    assert service.render(kind=KIND, language="de", context=CONTEXT)[0].startswith("Votre")  # French by default
    one = [{"subject": "S", "body": "ligne 1\nligne 2", "link": None}]
    assert service.render(kind="notifications.digest", language="en", context={"items": one, "count": 1}) == (
        "Bioprod Atlas: 1 notification today", "Here is what happened for you on Bioprod Atlas:\n\n- S\n  ligne 1\n  ligne 2")
    with db() as s:
        en = service.send_now(s, to="a@example.org", kind="account.verify", context={"url": "http://x/1"}, language="en")
        fr = service.send_now(s, to="b@example.org", kind="account.verify", context={"url": "http://x/2"}, language="fr")
        s.commit()
    assert service.deliver_outbox(db, settings=mail_settings, ids=[en, fr])["sent"] == 2
    assert smtp.last_to("a@example.org")["Subject"] == "Confirm your e-mail address"
    assert smtp.last_to("b@example.org")["Subject"] == "Confirmez votre adresse e-mail"
    assert smtp.last_to("b@example.org")["List-Unsubscribe"] is None  # transactional: no unsubscribe


def test_export_and_erase_cover_notifications_preferences_and_mails(db, smtp, mail_settings):
    uid = make_user(db, "camille@example.org")
    other = make_user(db, "other@example.org")
    _notify(db, uid)
    _notify(db, other)
    with db() as s:
        service.set_preference(s, user_id=uid, kind=KIND, delivery="digest")
        service.send_now(s, to="camille@example.org", kind="account.reset", context={"url": "u"}, language="fr")
        s.commit()
        data = export_user(s, s.get(User, uid))
    json.dumps(data)  # JSON-able
    mine = data["notifications"]
    assert [n["subject"] for n in mine["notifications"]] == ["Votre contribution n° 7 a été refusée"]
    assert mine["preferences"] == {KIND: "digest"}
    assert sorted(m["kind"] for m in mine["emails"]) == ["account.reset", KIND]
    with db() as s:
        delete_user(s, s.get(User, uid))
        s.commit()
        assert s.scalar(select(func.count()).select_from(Notification).where(Notification.user_id == uid)) == 0
        assert s.scalar(select(func.count()).select_from(Preference)) == 0
        assert s.scalars(select(OutboxMail.to_address)).all() == ["other@example.org"]
        assert s.scalar(select(func.count()).select_from(Notification)) == 1  # the other user's stays


def test_tasks_and_kinds_are_declared_through_the_plug_in_contract():
    tasks = by_name("bioatlas_tasks")
    assert tasks["notifications.deliver"].schedule == {"minute": "*"}
    assert tasks["notifications.digest"].schedule == {"hour": "7", "minute": "0"}
    kinds = service.kinds()
    assert {"contribution.reviewed", "notifications.digest", "account.verify", "account.reset"} <= set(kinds)
    assert kinds["account.verify"].transactional and not kinds[KIND].transactional


def test_notice_kind_reads_one_triple_per_language():
    kind = service.notice_kind("demo.kind", fr=("Étiquette", "Sujet {{ n }}", "Corps"),
                               en=("Label", "Subject {{ n }}", "Body"), default="digest")
    assert kind.label == {"fr": "Étiquette", "en": "Label"}
    assert kind.templates == {"fr": ("Sujet {{ n }}", "Corps"), "en": ("Subject {{ n }}", "Body")}
    assert (kind.default, kind.transactional) == ("digest", False)
    # every room's kinds, built this way, carry both languages
    assert all(set(k.label) == set(k.templates) == {"fr", "en"} for k in service.kinds().values())

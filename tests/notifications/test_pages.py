"""Notification pages over HTTP: the bell in the top bar (page slots), the list and marking read,
another user's notification, preferences (CSRF, bad input), signed unsubscribe links (forged,
expired, one-click POST), the review of a contribution telling its author, the CLI."""

from __future__ import annotations

import re
import time

from itsdangerous import TimestampSigner
from sqlalchemy import select
from typer.testing import CliRunner

from bioatlas.accounts.models import User
from bioatlas.accounts.policy import principal_for
from bioatlas.cli import app as cli_app
from bioatlas.contributions import service as contributions
from bioatlas.contributions.models import Contribution
from bioatlas.notifications import service
from bioatlas.notifications.models import OutboxMail, Preference
from bioatlas.web import slots
from tests.accounts.fixtures import (  # noqa: F401  (fixtures)
    acc_app, csrf_of, login, mail_settings, make_user, smtp, web,
)
from tests.contributions.helpers import add_actor

KIND = "contribution.reviewed"
BELL = re.compile(r'class="bell-count" data-unread="(\d+)"')


def _notify(db, user_id, n=1):
    with db() as s:
        ids = [service.notify(s, user_id=user_id, kind=KIND, context={"id": i, "status": "accepted", "message": ""},
                              link="/contributions/mine").id for i in range(1, n + 1)]
        s.commit()
    return ids


def test_page_slots_put_search_box_bell_and_menu_in_the_top_bar(web, db):
    # the messages entry (messaging room) sits before the bell
    # (other rooms add their entries: these keep their order among them); the rooms' pages and the
    # admins' jobs link are in the top bar's drop-down (place "menu"), which keeps it one line
    known = ["search/_box.html", "messaging/_link.html", "notifications/_bell.html", "accounts/_menu.html"]
    assert [h for h in slots("header") if h in known] == known
    assert "jobs/_link.html" in slots("menu") and "jobs/_link.html" not in slots("header")
    # stylesheets: rooms add theirs (calls…); these keep their order among them
    head = slots("head")
    known = ["search/_head.html", "notifications/_head.html", "messaging/_head.html", "accounts/_head.html"]
    assert [h for h in head if h in known] == known
    page = web.get("/sources").text
    assert 'class="account-menu"' in page and "/static/css/accounts.css" in page and "/static/css/search.css" in page
    assert 'class="bell' not in page  # visitors have no bell
    uid = make_user(db, "camille@example.org")
    _notify(db, uid, 2)
    login(web, "camille@example.org")
    page = web.get("/sources").text
    assert BELL.search(page).group(1) == "2"
    assert page.index('class="search-box"') < page.index('class="bell') < page.index('class="account-menu"')


def test_list_mark_read_and_another_users_notification(web, db):
    me = make_user(db, "camille@example.org")
    other = make_user(db, "other@example.org")
    mine = _notify(db, me, 2)
    [theirs] = _notify(db, other)
    assert web.get("/notifications", follow_redirects=False).status_code == 401
    login(web, "camille@example.org")
    page = web.get("/notifications")
    assert page.status_code == 200 and "Votre contribution n° 2 a été acceptée" in page.text
    assert "n° 1" in page.text and "2 non lues" in page.text
    token = csrf_of(web, "/notifications")
    # someone else's notification: 404, and it stays unread
    r = web.post(f"/notifications/{theirs}/read", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 404
    with db() as s:
        assert service.unread_count(s, user_id=other) == 1
    # no CSRF token: refused
    assert web.post(f"/notifications/{mine[0]}/read", follow_redirects=False).status_code == 403
    r = web.post(f"/notifications/{mine[0]}/read", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert BELL.search(web.get("/sources").text).group(1) == "1"
    web.post("/notifications/read", data={"csrf_token": token})
    assert 'class="bell-count"' not in web.get("/sources").text and 'class="bell"' in web.get("/sources").text
    english = web.get("/notifications", params={"lang": "en"}).text
    assert "0 unread" in english and "E-mail preferences" in english


def test_preferences_form(web, db):
    uid = make_user(db, "camille@example.org")
    login(web, "camille@example.org")
    page = web.get("/notifications/preferences")
    assert page.status_code == 200 and f'name="{KIND}" value="immediate" checked' in page.text
    assert 'name="account.verify"' not in page.text  # account e-mails are always sent
    token = csrf_of(web, "/notifications/preferences")
    assert web.post("/notifications/preferences", data={KIND: "digest"}).status_code == 403
    r = web.post("/notifications/preferences", data={KIND: "weekly", "csrf_token": token})
    assert r.status_code == 422 and KIND in r.text
    # the refusal in the reader's language, after the kind's label
    assert "Examen de mes contributions\u202f: l&#39;envoi doit être l&#39;un de immediate, digest, off, pas " \
           "&#39;weekly&#39;" in r.text
    r = web.post("/notifications/preferences", data={KIND: "digest", "csrf_token": token})
    assert r.status_code == 200 and f'name="{KIND}" value="digest" checked' in r.text
    with db() as s:
        assert service.delivery_for(s, user_id=uid, kind=KIND) == "digest"


def test_unsubscribe_link_from_the_mail_without_login(web, db, smtp, mail_settings):
    uid = make_user(db, "camille@example.org")
    _notify(db, uid)
    service.deliver_outbox(db, settings=mail_settings)
    url = smtp.last_to("camille@example.org")["List-Unsubscribe"][1:-1].replace("http://testserver", "")
    page = web.get(url)
    assert page.status_code == 200 and "Examen de mes contributions" in page.text
    with db() as s:
        assert service.delivery_for(s, user_id=uid, kind=KIND) == "immediate"  # a GET changes nothing
    # one-click (RFC 8058): a POST with no cookie and no CSRF token
    r = web.post(url, data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 200
    with db() as s:
        assert service.delivery_for(s, user_id=uid, kind=KIND) == "off"
    _notify(db, uid)
    assert service.deliver_outbox(db, settings=mail_settings)["sent"] == 0


def test_forged_or_expired_unsubscribe_links_are_refused(web, db, mail_settings, monkeypatch):
    uid = make_user(db, "camille@example.org")
    good = service.unsubscribe_token(secret=mail_settings.secret_key, user_id=uid, kind=KIND)
    other_secret = service.unsubscribe_token(secret="x" * 40, user_id=uid, kind=KIND)
    tampered = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    for token in (other_secret, tampered, "not-a-token"):
        assert web.get(f"/notifications/unsubscribe/{token}").status_code == 400
        assert web.post(f"/notifications/unsubscribe/{token}").status_code == 400
    old = int(time.time()) - int(service.UNSUBSCRIBE_MAX_AGE.total_seconds()) - 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: old)
    expired = service.unsubscribe_token(secret=mail_settings.secret_key, user_id=uid, kind=KIND)
    monkeypatch.undo()
    r = web.post(f"/notifications/unsubscribe/{expired}")
    assert r.status_code == 400 and "expiré" in r.text
    with db() as s:
        assert s.scalar(select(Preference)) is None  # nothing changed


def test_reviewing_a_contribution_tells_its_author(db, smtp, mail_settings):
    actor = add_actor(db, "Yposkesi", "91000")
    author = make_user(db, "author@example.org")
    admin = make_user(db, "admin@example.org", admin=True)
    with db() as s:
        c = Contribution(kind="correction", actor_id=actor, author_id=author, payload='{"description_fr": "x"}')
        s.add(c)
        s.flush()
        reviewer = principal_for(s, s.get(User, admin))
        contributions.review(s, reviewer=reviewer, contribution=c, decision="reject", message="Pas de source.")
        cid = c.id
    assert service.deliver_outbox(db, settings=mail_settings)["sent"] == 1
    msg = smtp.last_to("author@example.org")
    assert msg["Subject"] == f"Votre contribution n° {cid} a été refusée" and "Pas de source." in msg.get_content()
    with db() as s:
        assert service.unread_count(s, user_id=author) == 1 and service.unread_count(s, user_id=admin) == 0


def test_cli_deliver_and_digest(db, database_url, monkeypatch, smtp, tmp_path):
    uid = make_user(db, "camille@example.org")
    _notify(db, uid)
    for name, value in {"DATABASE_URL": database_url, "BIOATLAS_DATA_DIR": str(tmp_path),
                        "BIOATLAS_SMTP_HOST": "127.0.0.1", "BIOATLAS_SMTP_PORT": str(smtp.port),
                        "BIOATLAS_SMTP_STARTTLS": "false"}.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()
    r = runner.invoke(cli_app, ["notifications", "deliver"], catch_exceptions=False)
    assert r.exit_code == 0 and '"sent": 1' in r.stdout, r.output
    assert len(smtp.messages) == 1
    r = runner.invoke(cli_app, ["notifications", "digest"], catch_exceptions=False)
    assert r.exit_code == 0 and '"digests": 0' in r.stdout
    r = runner.invoke(cli_app, ["notifications", "status"], catch_exceptions=False)
    assert '"sent": 1' in r.stdout
    r = runner.invoke(cli_app, ["notifications", "retry"], catch_exceptions=False)
    assert r.exit_code == 0 and '"queued_again": 0' in r.stdout  # nothing failed
    with db() as s:
        assert s.scalar(select(OutboxMail.status)) == "sent"

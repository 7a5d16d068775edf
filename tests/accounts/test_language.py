"""An account's language (users.language): chosen at sign-up (the page's), by the `?lang=` switch
while signed in, before signing in (the `lang` cookie) or on the account page; the account's
notifications and e-mails are rendered in it, its pages too when the browser has no cookie."""

from __future__ import annotations

import json

from sqlalchemy import select, text

from bioatlas.accounts.models import User
from bioatlas.core import migrate
from bioatlas.core.db import make_engine
from bioatlas.notifications import service as notifications
from tests.accounts.fixtures import (  # noqa: F401  (fixtures)
    acc_app, csrf_of, login, mail_settings, make_user, signup_verified, smtp, web,
)

CONTEXT = {"id": 7, "status": "rejected", "message": "Source manquante."}


def _language(db, email: str) -> str:
    with db() as s:
        return s.scalar(select(User.language).where(User.email == email))


def _notify_and_send(db, settings, email: str) -> None:
    with db() as s:
        uid = s.scalar(select(User.id).where(User.email == email))
        notifications.notify(s, user_id=uid, kind="contribution.reviewed", context=CONTEXT, link="/contributions/mine")
        s.commit()
    assert notifications.deliver_outbox(db, settings=settings)["sent"] == 1


def test_an_english_account_gets_english_mail_and_a_french_one_french(web, smtp, db, mail_settings):
    # sign-up on the English page: the confirmation mail is English and the account keeps English
    assert web.get("/account/signup?lang=en").status_code == 200
    signup_verified(web, smtp, "partner@example.eu", name="EU Partner")
    assert smtp.last_to("partner@example.eu")["Subject"] == "Confirm your e-mail address"
    assert _language(db, "partner@example.eu") == "en"
    make_user(db, "camille@example.org")  # French by default
    assert _language(db, "camille@example.org") == "fr"

    _notify_and_send(db, mail_settings, "partner@example.eu")
    english = smtp.last_to("partner@example.eu")
    assert english["Subject"] == "Your contribution #7 was rejected"
    assert "Message from the team: Source manquante." in english.get_content()
    _notify_and_send(db, mail_settings, "camille@example.org")
    french = smtp.last_to("camille@example.org")
    assert french["Subject"] == "Votre contribution n° 7 a été refusée"
    assert "Message de l'équipe\u202f: Source manquante." in french.get_content()
    web.cookies.delete("lang")  # a reset asked from a French page: the mail is in the account's language
    web.post("/account/reset", data={"email": "partner@example.eu", "csrf_token": csrf_of(web, "/account/reset")})
    assert smtp.last_to("partner@example.eu")["Subject"] == "Choose a new password"
    with db() as s:  # the page's notification too
        uid = s.scalar(select(User.id).where(User.email == "partner@example.eu"))
        assert notifications.recipient(s, user_id=uid)["language"] == "en"


def test_a_new_account_takes_the_browser_language_when_the_visitor_chose_none(web, smtp, db):
    """No `?lang=`, no cookie: the sign-up page's language is the browser's `Accept-Language` (the
    pages' parser), and the account, its confirmation mail and its notifications follow it."""
    for email, browser, subject, language in (
            ("pat@example.eu", "en-GB,en;q=0.9,fr;q=0.3", "Confirm your e-mail address", "en"),
            ("dominique@example.fr", "fr-CA,fr;q=0.9,en;q=0.5", "Confirmez votre adresse e-mail", "fr"),
            ("sam@example.de", "de-DE,de;q=0.9", "Confirmez votre adresse e-mail", "fr")):  # neither: French
        web.cookies.clear()
        web.headers["accept-language"] = browser
        signup_verified(web, smtp, email, name="Visitor")
        assert (smtp.last_to(email)["Subject"], _language(db, email)) == (subject, language), email
    web.cookies.clear()
    web.headers["accept-language"] = "en-GB,en;q=0.9"
    web.get("/account/signup?lang=fr")  # the visitor's own choice comes before the browser's
    signup_verified(web, smtp, "claude@example.eu", name="Visitor")
    assert _language(db, "claude@example.eu") == "fr"


def test_the_switch_while_signed_in_is_kept_and_pages_follow_the_account(web, smtp, db):
    make_user(db, "camille@example.org")
    web.get("/?lang=en")  # chosen before signing in: the account adopts it at login
    assert login(web, "camille@example.org").status_code == 303
    assert _language(db, "camille@example.org") == "en"
    web.cookies.delete("lang")  # another browser, no cookie: the account's language
    page = web.get("/account")
    assert page.status_code == 200 and "My account" in page.text and "Notification language" in page.text
    assert web.get("/account?lang=fr").status_code == 200  # the switch, signed in
    assert _language(db, "camille@example.org") == "fr"
    web.cookies.set("lang", "en")  # a stale cookie does not override the account's choice
    page = web.get("/account")
    assert "Mon compte" in page.text and "Langue des notifications" in page.text
    assert _language(db, "camille@example.org") == "fr"


def test_the_account_page_form(web, smtp, db):
    make_user(db, "camille@example.org")
    assert login(web, "camille@example.org").status_code == 303
    token = csrf_of(web, "/account")
    assert web.post("/account/language", data={"language": "en"}).status_code == 403  # no CSRF token
    assert _language(db, "camille@example.org") == "fr"
    bad = web.post("/account/language", data={"language": "de", "csrf_token": token})
    assert bad.status_code == 422
    assert "Choisissez la langue des notifications\u202f: français ou anglais." in bad.text
    assert _language(db, "camille@example.org") == "fr"
    ok = web.post("/account/language", data={"language": "en", "csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/account"
    assert _language(db, "camille@example.org") == "en"
    page = web.get("/account")
    assert '<option value="en" selected>' in page.text and "My account" in page.text
    export = json.loads(web.get("/account/export").text)
    assert export["account"]["language"] == "en"



def test_the_json_api_reads_and_changes_the_language(web, smtp, db):
    make_user(db, "camille@example.org")
    assert login(web, "camille@example.org").status_code == 303
    assert web.get("/api/v1/account").json()["language"] == "fr"
    token = csrf_of(web, "/account")
    assert web.patch("/api/v1/account", json={"language": "en"}).status_code == 403  # no CSRF token
    for body in ({"language": "de"}, {"language": None, "email": "x@example.org"}, {"language": 1}):
        r = web.patch("/api/v1/account", json=body, headers={"X-CSRF-Token": token})
        assert r.status_code == 422, body
        assert {e["field"] for e in r.json()["detail"]} & {"language", "email"}, r.json()
    r = web.patch("/api/v1/account", json={"language": "de"}, headers={"X-CSRF-Token": token})
    assert [e["field"] for e in r.json()["detail"]] == ["language"]
    assert _language(db, "camille@example.org") == "fr"
    r = web.patch("/api/v1/account", json={"language": "en"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.json()["language"] == "en" and r.json()["email"] == "camille@example.org"
    assert _language(db, "camille@example.org") == "en" and web.get("/api/v1/account").json()["language"] == "en"
    assert web.patch("/api/v1/account", json={}, headers={"X-CSRF-Token": token}).json()["language"] == "en"
    web.cookies.delete("lang")
    assert "My account" in web.get("/account").text  # the pages follow it

def test_the_migration_gives_existing_accounts_french(tmp_path):
    eng = make_engine(f"sqlite:///{tmp_path / 'lang.sqlite3'}")
    migrate.upgrade(eng, "0041_view_count_indexes")
    with eng.begin() as conn:
        conn.execute(text("INSERT INTO users (email, email_key, display_name, is_admin, created_at)"
                          " VALUES ('a@example.org', 'a@example.org', 'A', false, '2026-01-01')"))
    migrate.upgrade(eng)
    with eng.connect() as conn:
        assert conn.execute(text("SELECT language FROM users")).scalar_one() == "fr"
    migrate.downgrade(eng, "0041_view_count_indexes")
    with eng.connect() as conn:
        assert conn.execute(text("SELECT email FROM users")).scalar_one() == "a@example.org"
    eng.dispose()

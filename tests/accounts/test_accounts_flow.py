"""Sign-up, e-mail verification, login, logout, password reset, through a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from bioatlas.accounts.models import EmailToken, User, UserSession, now
from tests.accounts.fixtures import (  # noqa: F401  (fixtures)
    PASSWORD, acc_app, audit_events, csrf_of, login, mail_settings, signup, signup_verified, smtp, web,
)

EMAIL = "camille.martin@genethon.fr"


def _users(db) -> int:
    with db() as s:
        return s.scalar(select(func.count()).select_from(User))


def test_signup_verify_login_logout(web, smtp, db):
    r = signup(web, smtp, EMAIL)
    assert r.status_code == 200 and "boîte" in r.text  # French by default: "Consultez votre boîte…"
    msg = smtp.last_to(EMAIL)
    assert msg["Subject"] and "/account/verify?token=" in msg.get_content()
    # not verified yet: login refused with a clear message, and logged
    r = login(web, EMAIL)
    assert r.status_code == 401 and "confirm" in r.text.lower() or "Confirmez" in r.text
    assert audit_events(db, "login_failed")[-1].detail == "unverified address"
    link = smtp.link_to(EMAIL)
    assert web.get(link).status_code == 200
    again = web.get(link)  # replayed link
    assert again.status_code == 400 and "déjà été utilisé" in again.text

    r = login(web, EMAIL)
    assert r.status_code == 303 and r.headers["location"] == "/account"
    cookie = r.headers["set-cookie"]
    assert "bioatlas_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    stolen = web.cookies.get("bioatlas_session")
    page = web.get("/account")
    assert page.status_code == 200 and EMAIL in page.text and "Camille Martin" in page.text
    assert [e.event for e in audit_events(db)][-1] == "login"

    token = csrf_of(web, "/account")
    assert web.post("/account/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert web.get("/account").status_code == 401
    # the old cookie replayed after logout is worth nothing
    web.cookies.set("bioatlas_session", stolen)
    assert web.get("/api/v1/account").status_code == 401


def test_forged_and_expired_links(web, smtp, db):
    assert web.get("/account/verify", params={"token": "forged-token"}).text.count("pas valide") == 1
    signup(web, smtp, EMAIL)
    link = smtp.link_to(EMAIL)
    with db() as s:
        s.execute(update(EmailToken).values(expires_at=now() - timedelta(minutes=1)))
        s.commit()
    r = web.get(link)
    assert r.status_code == 400 and "expiré" in r.text
    with db() as s:
        assert s.scalar(select(User.email_verified_at)) is None
    assert any(e.event == "refused" and e.target == "verify" for e in audit_events(db))


def test_existing_address_is_not_revealed(web, smtp, db):
    signup_verified(web, smtp, EMAIL)
    before = len(smtp.messages)
    r = signup(web, smtp, EMAIL.upper(), name="Someone Else")
    assert r.status_code == 200  # same answer as a new sign-up
    assert _users(db) == 1
    assert len(smtp.messages) == before + 1 and "/account/reset" in smtp.last_to(EMAIL).get_content()


def test_bad_signup_input_is_refused_with_the_field(web, smtp, db):
    for email, name, password, expected in [
        ("not-an-address", "Ann", PASSWORD, "adresse e-mail"),
        (EMAIL, "Ann", "short", "10 à 256"),
        (EMAIL, "<script>alert(1)</script>", PASSWORD, "sans &lt; ni &gt;"),
    ]:
        r = signup(web, smtp, email, name=name, password=password)
        assert r.status_code == 422 and expected in r.text, r.text[-800:]
        assert "<script>alert(1)</script>" not in r.text  # echoed values are escaped
    assert _users(db) == 0 and smtp.messages == []


def test_password_reset(web, smtp, db):
    signup_verified(web, smtp, EMAIL)
    assert login(web, EMAIL).status_code == 303
    token = csrf_of(web, "/account/reset")
    r = web.post("/account/reset", data={"email": EMAIL, "csrf_token": token})
    assert r.status_code == 200
    link = smtp.link_to(EMAIL)
    assert "/account/reset/confirm?token=" in link
    form = web.get(link)
    reset_token = link.split("token=", 1)[1]
    assert reset_token in form.text
    csrf = csrf_of(web, link)
    r = web.post("/account/reset/confirm", data={"token": reset_token, "password": "a brand new passphrase",
                                                 "csrf_token": csrf})
    assert r.status_code == 200, r.text
    with db() as s:  # every session of the account is ended
        assert s.scalar(select(func.count()).select_from(UserSession)) == 0
    web.cookies.clear()
    assert login(web, EMAIL).status_code == 401
    assert login(web, EMAIL, "a brand new passphrase").status_code == 303
    csrf = csrf_of(web, link)
    replay = web.post("/account/reset/confirm", data={"token": reset_token, "password": "yet another passphrase",
                                                      "csrf_token": csrf})
    assert replay.status_code == 400
    # an unknown address gets the same answer and no e-mail
    n = len(smtp.messages)
    r = web.post("/account/reset", data={"email": "nobody@example.org", "csrf_token": csrf_of(web, "/account/reset")})
    assert r.status_code == 200 and len(smtp.messages) == n


def test_csrf_is_required_on_forms(web, smtp, db):
    signup_verified(web, smtp, EMAIL)
    r = web.post("/account/login", data={"email": EMAIL, "password": PASSWORD})
    assert r.status_code == 403 and "CSRF" in r.text
    r = web.post("/account/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 403
    assert login(web, EMAIL).status_code == 303
    # logged in: the anonymous cookie token no longer works, only the session's own
    anon = web.cookies.get("bioatlas_csrf")
    assert web.post("/account/logout", data={"csrf_token": anon}).status_code == 403
    assert web.get("/api/v1/account").status_code == 200
    assert len([e for e in audit_events(db, "refused") if "csrf" in (e.detail or "")]) == 3


def test_login_rate_limit(mail_settings, db, smtp):
    from fastapi.testclient import TestClient

    from bioatlas.app import create_app

    app = create_app(mail_settings.model_copy(update={"rate_limit_login": 3}))
    with TestClient(app) as c:
        codes = [login(c, EMAIL, "wrong password!").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    assert audit_events(db, "rate_limited")[-1].target == "login"
    assert len(audit_events(db, "login_failed")) == 3


def test_secure_cookie_behind_https(acc_app, smtp, db):
    from fastapi.testclient import TestClient

    with TestClient(acc_app, base_url="https://testserver") as c:
        r = c.get("/account/login")
        assert "Secure" in r.headers["set-cookie"]
        assert r.headers["strict-transport-security"].startswith("max-age=")
        assert "script-src 'self'" in r.headers["content-security-policy"]

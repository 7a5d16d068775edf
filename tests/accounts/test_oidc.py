"""OpenID Connect login (authorization code + PKCE) against a tiny local fake provider served
over real HTTP, with its discovery document and signing keys: the provider checks the PKCE
verifier, our side checks the state, the ID token (signature, issuer, audience, expiry, nonce),
the userinfo subject and the e-mail."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from fastapi.testclient import TestClient
from sqlalchemy import select

from bioatlas.accounts.models import User
from bioatlas.app import create_app
from tests.accounts.fixtures import _free_port, audit_events


def fake_provider(base: str, claims: dict, tamper: dict) -> FastAPI:
    """Authorizes at once, remembers the PKCE challenge and nonce per code, checks the verifier,
    signs ID tokens with its RSA key; `tamper` makes it misbehave ({"id_token": how})."""
    app = FastAPI()
    key, other_key = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2))
    jwk = {**jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": "k1", "use": "sig", "alg": "RS256"}
    codes: dict[str, tuple[str, str]] = {}
    tokens: set[str] = set()

    @app.get("/.well-known/openid-configuration")
    def discovery():
        return {"issuer": base, "authorization_endpoint": f"{base}/authorize", "token_endpoint": f"{base}/token",
                "userinfo_endpoint": f"{base}/userinfo", "jwks_uri": f"{base}/jwks",
                "id_token_signing_alg_values_supported": ["RS256"]}

    @app.get("/jwks")
    def jwks():
        return {"keys": [jwk]}

    @app.get("/authorize")
    def authorize(redirect_uri: str, state: str, nonce: str, code_challenge: str, code_challenge_method: str,
                  client_id: str):
        assert code_challenge_method == "S256" and client_id == "atlas"
        code = secrets.token_urlsafe(8)
        codes[code] = (code_challenge, nonce)
        return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}", status_code=302)

    def id_token(nonce: str) -> str:
        how = tamper.get("id_token")
        now = int(time.time())
        body = {"iss": base, "sub": claims["sub"], "aud": "atlas", "iat": now, "exp": now + 300, "nonce": nonce}
        if how == "wrong_audience":
            body["aud"] = "another-client"
        elif how == "expired":
            body.update(iat=now - 7200, exp=now - 3600)
        elif how == "wrong_nonce":
            body["nonce"] = "an-earlier-login"
        elif how == "wrong_issuer":
            body["iss"] = "https://attacker.example"
        elif how == "other_subject":
            body["sub"] = "43"
        if how == "hs256":  # signed with a shared secret instead of the provider's key
            return jwt.encode(body, "s3cret" * 6, algorithm="HS256", headers={"kid": "k1"})
        signer = other_key if how == "other_key" else key
        return jwt.encode(body, signer, algorithm="RS256", headers={"kid": "k1"})

    @app.post("/token")
    def token(code: str = Form(), code_verifier: str = Form(), client_secret: str = Form()):
        expected, nonce = codes.pop(code, (None, ""))
        digest = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).rstrip(b"=").decode()
        if expected is None or digest != expected or client_secret != "s3cret":
            raise HTTPException(400, detail="invalid_grant")
        access = secrets.token_urlsafe(8)
        tokens.add(access)
        answer = {"access_token": access, "token_type": "Bearer", "id_token": id_token(nonce)}
        if tamper.get("id_token") == "missing":
            del answer["id_token"]
        return answer

    @app.get("/userinfo")
    def userinfo(request: Request):
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in tokens:
            raise HTTPException(401)
        return claims

    return app


@pytest.fixture
def provider():
    import uvicorn

    claims = {"sub": "42", "email": "dominique@example.org", "email_verified": True, "name": "Dominique Petit"}
    tamper: dict = {}
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(uvicorn.Config(fake_provider(base, claims, tamper), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield base, claims, tamper
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def oidc_client(settings, db, provider):
    base, _, _ = provider
    app = create_app(settings.model_copy(update={
        "public_url": "http://testserver", "oidc_provider_name": "Fake IdP", "oidc_client_id": "atlas",
        "oidc_client_secret": "s3cret", "oidc_issuer": base}))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _start(client) -> str:
    """Follow our redirect to the provider and its redirect back; the callback path."""
    r = client.get("/account/oidc/login", params={"next": "/account"}, follow_redirects=False)
    assert r.status_code == 303
    query = parse_qs(urlsplit(r.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    back = httpx.get(r.headers["location"], follow_redirects=False)
    assert back.status_code == 302
    parts = urlsplit(back.headers["location"])
    return f"{parts.path}?{parts.query}"


def test_login_creates_a_verified_account(oidc_client, db):
    assert "Fake IdP" in oidc_client.get("/account/login?lang=en").text  # English chosen before signing in
    r = oidc_client.get(_start(oidc_client), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account"
    me = oidc_client.get("/api/v1/account").json()
    assert me["email"] == "dominique@example.org" and me["language"] == "en"
    with db() as s:
        user = s.scalar(select(User))
        assert user.display_name == "Dominique Petit" and user.email_verified_at and user.password_hash is None
    assert audit_events(db, "login")[-1].detail == "oidc"


def test_a_new_account_takes_the_browser_language_when_the_visitor_chose_none(oidc_client, db):
    """No cookie: the account created at the first login takes the browser's `Accept-Language`
    as the pages read it (was French)."""
    oidc_client.cookies.clear()
    oidc_client.headers["accept-language"] = "en-US,en;q=0.9,fr;q=0.5"
    r = oidc_client.get(_start(oidc_client), follow_redirects=False)
    assert r.status_code == 303
    with db() as s:
        assert s.scalar(select(User.language)) == "en"


def test_forged_state_replay_and_unverified_email_are_refused(oidc_client, provider, db):
    callback = _start(oidc_client)
    forged = callback.replace("state=", "state=x")
    assert oidc_client.get(forged).status_code == 400
    page = oidc_client.get(forged + "&lang=fr", headers={"Accept": "text/html"})  # a French page says why in French
    assert page.status_code == 400 and "connexion OpenID Connect refusée\u202f: état incohérent" in page.text
    assert oidc_client.get(callback, follow_redirects=False).status_code == 303  # the genuine answer
    replay = oidc_client.get(callback)  # the flow cookie is gone and the code was used
    assert replay.status_code == 400
    oidc_client.cookies.clear()
    assert TestClient(oidc_client.app).get(callback).status_code == 400  # another browser, no flow cookie
    _, claims, _ = provider
    claims["email_verified"] = False
    oidc_client.cookies.clear()
    r = oidc_client.get(_start(oidc_client))
    assert r.status_code == 400 and "verified" in r.text
    with db() as s:
        assert s.scalar(select(User).where(User.email == "dominique@example.org")) is not None
    assert len(audit_events(db, "login_failed")) == 5  # the French page's refusal too


def test_disabled_without_settings(client):
    assert client.get("/account/oidc/login").status_code == 404


@pytest.mark.parametrize("how", ["missing", "other_key", "hs256", "wrong_audience", "wrong_issuer", "expired",
                                 "wrong_nonce", "other_subject"])
def test_an_id_token_that_fails_a_check_is_refused(oidc_client, provider, db, how):
    _, _, tamper = provider
    tamper["id_token"] = how
    r = oidc_client.get(_start(oidc_client), follow_redirects=False)
    assert r.status_code == 502 and "OpenID Connect login refused" in r.text
    assert oidc_client.get("/api/v1/account").status_code == 401
    with db() as s:
        assert s.scalar(select(User)) is None
    assert len(audit_events(db, "login_failed")) == 1


def test_an_issuer_whose_discovery_names_another_issuer_is_refused(settings, db, provider):
    base, _, _ = provider
    app = create_app(settings.model_copy(update={
        "oidc_client_id": "atlas", "oidc_client_secret": "s3cret", "oidc_issuer": base + "/"}))
    app_ok = TestClient(app, raise_server_exceptions=False)
    assert app_ok.get("/account/oidc/login", follow_redirects=False).status_code == 303  # a trailing / is the same
    other = base.replace("127.0.0.1", "localhost")  # the same server, answering with its own issuer name
    bad = create_app(settings.model_copy(update={
        "oidc_client_id": "atlas", "oidc_client_secret": "s3cret", "oidc_issuer": other}))
    r = TestClient(bad, raise_server_exceptions=False).get("/account/oidc/login", follow_redirects=False)
    assert r.status_code == 502 and "is not the configured" in r.text


def test_oidc_reclaims_an_address_someone_signed_up_with_and_never_verified(oidc_client, db):
    """Pre-account takeover: an attacker signs up with the victim's address (and cannot log in:
    unverified); the victim's OpenID Connect login verifies the address. The attacker's password,
    sessions and name must not survive it, or the attacker logs in to the victim's account."""
    from tests.accounts.fixtures import PASSWORD, login, make_user

    make_user(db, "dominique@example.org", verified=False, name="Attaquant")
    attacker = TestClient(oidc_client.app)
    assert login(attacker, "dominique@example.org", PASSWORD).status_code == 401

    assert oidc_client.get(_start(oidc_client), follow_redirects=False).status_code == 303
    with db() as s:
        user = s.scalar(select(User).where(User.email == "dominique@example.org"))
        assert user.password_hash is None and user.email_verified_at is not None
        assert user.display_name == "Dominique Petit"
    assert login(attacker, "dominique@example.org", PASSWORD).status_code == 401  # the password is gone
    assert attacker.get("/api/v1/account").status_code == 401
    assert audit_events(db, "account_reclaimed")
    assert oidc_client.get("/api/v1/account").json()["display_name"] == "Dominique Petit"


def test_an_account_without_password_is_deleted_by_typing_its_address(oidc_client, db):
    from tests.accounts.fixtures import csrf_of

    assert oidc_client.get(_start(oidc_client), follow_redirects=False).status_code == 303
    page = oidc_client.get("/account")
    assert 'type="password"' not in page.text.split("/account/delete")[1]
    wrong = oidc_client.post("/account/delete", data={"password": "someone@example.org",
                                                      "csrf_token": csrf_of(oidc_client, "/account")})
    assert wrong.status_code == 403
    with db() as s:
        assert s.scalar(select(User).where(User.email == "dominique@example.org")) is not None
    done = oidc_client.post("/account/delete", data={"password": "Dominique@Example.org",
                                                     "csrf_token": csrf_of(oidc_client, "/account")})
    assert done.status_code == 200, done.text
    with db() as s:
        assert s.scalar(select(User).where(User.email == "dominique@example.org")) is None

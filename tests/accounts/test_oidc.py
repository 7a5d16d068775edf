"""OpenID Connect login (authorization code + PKCE) against a tiny local fake provider served
over real HTTP: the provider checks the PKCE verifier, our side checks state and e-mail."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from fastapi.testclient import TestClient
from sqlalchemy import select

from bioatlas.accounts.models import User
from bioatlas.app import create_app
from tests.accounts.fixtures import _free_port, audit_events


def fake_provider(claims: dict) -> FastAPI:
    """Authorizes at once, remembers the PKCE challenge per code, checks the verifier."""
    app = FastAPI()
    codes: dict[str, str] = {}
    tokens: set[str] = set()

    @app.get("/authorize")
    def authorize(redirect_uri: str, state: str, code_challenge: str, code_challenge_method: str, client_id: str):
        assert code_challenge_method == "S256" and client_id == "atlas"
        code = secrets.token_urlsafe(8)
        codes[code] = code_challenge
        return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}", status_code=302)

    @app.post("/token")
    def token(code: str = Form(), code_verifier: str = Form(), client_secret: str = Form()):
        expected = codes.pop(code, None)
        digest = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).rstrip(b"=").decode()
        if expected is None or digest != expected or client_secret != "s3cret":
            raise HTTPException(400, detail="invalid_grant")
        access = secrets.token_urlsafe(8)
        tokens.add(access)
        return {"access_token": access, "token_type": "Bearer"}

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
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(fake_provider(claims), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", claims
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def oidc_client(settings, db, provider):
    base, _ = provider
    app = create_app(settings.model_copy(update={
        "public_url": "http://testserver", "oidc_provider_name": "Fake IdP", "oidc_client_id": "atlas",
        "oidc_client_secret": "s3cret", "oidc_authorization_url": f"{base}/authorize",
        "oidc_token_url": f"{base}/token", "oidc_userinfo_url": f"{base}/userinfo"}))
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
    assert "Fake IdP" in oidc_client.get("/account/login").text
    r = oidc_client.get(_start(oidc_client), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account"
    assert oidc_client.get("/api/v1/account").json()["email"] == "dominique@example.org"
    with db() as s:
        user = s.scalar(select(User))
        assert user.display_name == "Dominique Petit" and user.email_verified_at and user.password_hash is None
    assert audit_events(db, "login")[-1].detail == "oidc"


def test_forged_state_replay_and_unverified_email_are_refused(oidc_client, provider, db):
    callback = _start(oidc_client)
    forged = callback.replace("state=", "state=x")
    assert oidc_client.get(forged).status_code == 400
    assert oidc_client.get(callback, follow_redirects=False).status_code == 303  # the genuine answer
    replay = oidc_client.get(callback)  # the flow cookie is gone and the code was used
    assert replay.status_code == 400
    oidc_client.cookies.clear()
    assert TestClient(oidc_client.app).get(callback).status_code == 400  # another browser, no flow cookie
    _, claims = provider
    claims["email_verified"] = False
    oidc_client.cookies.clear()
    r = oidc_client.get(_start(oidc_client))
    assert r.status_code == 400 and "verified" in r.text
    with db() as s:
        assert s.scalar(select(User).where(User.email == "dominique@example.org")) is not None
    assert len(audit_events(db, "login_failed")) == 4


def test_disabled_without_settings(client):
    assert client.get("/account/oidc/login").status_code == 404

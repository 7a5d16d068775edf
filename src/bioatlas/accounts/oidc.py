"""Optional OpenID Connect login: authorization-code flow with PKCE (S256) through one
configured provider (endpoints and keys from its discovery document, `oidc_tokens`). The state,
the nonce, the PKCE verifier and the page to return to travel in a signed, short-lived, HttpOnly
cookie. The token endpoint's ID token must be signed by the provider's keys, for this client and
this login's nonce; the user's e-mail comes from the userinfo endpoint (same subject as the ID
token), called with the access token obtained server to server, and must be verified."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import urllib.parse
import urllib.request
from typing import Annotated, NoReturn

from fastapi import APIRouter, Query, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from bioatlas.accounts import audit, service
from bioatlas.accounts.middleware import SESSION_COOKIE
from bioatlas.accounts.oidc_tokens import OIDCError, configured, fetch_json, provider, verify_id_token
from bioatlas.accounts.policy import client_ip
from bioatlas.accounts.deps import safe_next
from bioatlas.core.config import Settings
from bioatlas.core.deps import SessionDep, SettingsDep, request_language
from bioatlas.core.fields import FieldError
from bioatlas.web.refusals import Refused
from bioatlas.web.pages import redirect

router = APIRouter(include_in_schema=False)
FLOW_COOKIE = "bioatlas_oidc"
FLOW_SECONDS = 600


def enabled(settings: Settings) -> bool:
    return configured(settings)


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="bioatlas-oidc")


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _redirect_uri(settings: Settings) -> str:
    return settings.public_url.rstrip("/") + "/account/oidc/callback"


def exchange(settings: Settings, code: str, verifier: str, nonce: str) -> dict:
    """The userinfo claims for an authorization code: token endpoint, ID token checked, then
    userinfo (whose subject must be the ID token's)."""
    meta = provider(settings)
    body = urllib.parse.urlencode({
        "grant_type": "authorization_code", "code": code, "redirect_uri": _redirect_uri(settings),
        "client_id": settings.oidc_client_id, "client_secret": settings.oidc_client_secret,
        "code_verifier": verifier,
    }).encode()
    token = fetch_json(urllib.request.Request(meta.token_url, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}))
    access = token.get("access_token")
    if not isinstance(access, str) or not access:
        raise OIDCError("the token endpoint gave no access_token")
    identity = verify_id_token(token.get("id_token"), provider=meta, client_id=settings.oidc_client_id, nonce=nonce)
    claims = fetch_json(urllib.request.Request(meta.userinfo_url, headers={
        "Authorization": f"Bearer {access}", "Accept": "application/json"}))
    if claims.get("sub") != identity["sub"]:
        raise OIDCError("the userinfo subject is not the ID token's")
    return claims


@router.get("/account/oidc/login")
def oidc_login(request: Request, settings: SettingsDep, next: Annotated[str, Query(max_length=500)] = ""):
    if not enabled(settings):
        raise _not_configured()
    try:
        meta = provider(settings)
    except OIDCError as exc:
        _refuse(request, FieldError("", "OpenID Connect login refused: {reason}", 502, params={"reason": str(exc)}))
    state, verifier, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": settings.oidc_client_id, "redirect_uri": _redirect_uri(settings),
        "scope": settings.oidc_scopes, "state": state, "nonce": nonce,
        "code_challenge": _challenge(verifier), "code_challenge_method": "S256",
    })
    response = redirect(f"{meta.authorization_url}?{query}")
    flow = _serializer(settings).dumps({"state": state, "verifier": verifier, "nonce": nonce, "next": safe_next(next)})
    response.set_cookie(FLOW_COOKIE, flow, max_age=FLOW_SECONDS, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/account/oidc")
    return response


def _refuse(request: Request, reason: FieldError) -> NoReturn:
    """Audit the failed login, then refuse it: the JSON detail "OpenID Connect login refused: …" in
    English, the error page in the reader's language (a message id; a provider's own error stays as
    it came, in `{reason}`)."""
    text = reason.message.removeprefix("OpenID Connect login refused: ")
    audit.record_now(request.app.state.sessionmaker, "login_failed", ip=client_ip(request), detail=f"oidc: {text}")
    raise Refused(reason, detail=reason.message)


def _not_configured() -> Refused:
    err = FieldError("", "OpenID Connect login is not configured", 404)
    return Refused(err, detail=err.message)


@router.get("/account/oidc/callback")
def oidc_callback(request: Request, session: SessionDep, settings: SettingsDep,
                  code: Annotated[str, Query(max_length=2000)] = "",
                  state: Annotated[str, Query(max_length=200)] = "",
                  error: Annotated[str, Query(max_length=200)] = ""):
    if not enabled(settings):
        raise _not_configured()
    try:
        flow = _serializer(settings).loads(request.cookies.get(FLOW_COOKIE, ""), max_age=FLOW_SECONDS)
    except BadSignature:
        _refuse(request, FieldError("", "OpenID Connect login refused: the login started too long ago or not from "
                                        "this browser; start again", 400))
    if error or not code:
        _refuse(request, FieldError("", "OpenID Connect login refused: the provider refused ({error})", 400,
                                    params={"error": error or "no code"}))
    if not hmac.compare_digest(str(flow.get("state", "")).encode(), state.encode()):
        _refuse(request, FieldError("", "OpenID Connect login refused: state mismatch (forged or replayed answer)",
                                    400))
    try:
        claims = exchange(settings, code, flow["verifier"], str(flow.get("nonce", "")))
    except OIDCError as exc:
        _refuse(request, FieldError("", "OpenID Connect login refused: {reason}", 502, params={"reason": str(exc)}))
    email = claims.get("email")
    if not isinstance(email, str) or claims.get("email_verified") is not True:
        _refuse(request, FieldError("", "OpenID Connect login refused: the provider did not give a verified "
                                    "e-mail address", 400))
    name = claims.get("name") if isinstance(claims.get("name"), str) else None
    try:
        raw = service.oidc_log_in(session, email=email, name=name, old_token=request.cookies.get(SESSION_COOKIE),
                                  days=settings.session_days, ip=client_ip(request),
                                  language=request.cookies.get("lang"), page_language=request_language(request))
    except service.AccountError:
        _refuse(request, FieldError("", "OpenID Connect login refused: the provider gave an invalid e-mail address",
                                    400))
    response = redirect(flow.get("next") or "/account")
    response.delete_cookie(FLOW_COOKIE, path="/account/oidc")
    response.set_cookie(SESSION_COOKIE, raw, max_age=settings.session_days * 86400, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")
    return response

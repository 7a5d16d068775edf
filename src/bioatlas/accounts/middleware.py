"""Per-request security work, installed by `create_app`: load the session cookie into
`request.state.principal` (and the account's language and time zone into `request.state.language`
and `request.state.time_zone`: a signed-in
browser's pages are in it, and a `?lang=fr|en` switch made while signed in is kept by the
account), hand out the CSRF cookie, and write an audit event for every export download.
Authorisation itself is in `policy.py`.

A download is a read: its audit event is written after the response is sent, and a busy database
(an import writing) is retried, so the event never turns a served export into an error."""

from __future__ import annotations

import logging
import secrets
import time

from fastapi import FastAPI, Request
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bioatlas.accounts import audit
from bioatlas.accounts.policy import ANONYMOUS, client_ip, principal_for
from bioatlas.accounts.ratelimit import RateLimiter
from bioatlas.accounts.service import LANGUAGES, lookup_session, set_language
from bioatlas.core.dialect import dialect_for

log = logging.getLogger("bioatlas.audit")
AUDIT_ATTEMPTS = 6  # about 6 s of retries in all: longer than one import batch holds SQLite's lock

SESSION_COOKIE = "bioatlas_session"
CSRF_COOKIE = "bioatlas_csrf"
MAX_FORM_BYTES = 256 * 1024  # forms and JSON bodies (counted by web/body_limit.py); uploads have their own limit


def has_credentials(headers) -> bool:
    """The request presents a session cookie or an Authorization header (valid or not: the route's
    policy decides); only then may a multipart body reach the upload limit."""
    return "authorization" in headers or f"{SESSION_COOKIE}=" in headers.get("cookie", "")
EXPORT_PATHS = ("/api/v1/export", "/account/export", "/api/v1/account/export")


def _load(request: Request):
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return ANONYMOUS
    with request.app.state.sessionmaker() as session:
        row = lookup_session(session, raw=raw)
        if row is None:
            return ANONYMOUS
        wanted = request.query_params.get("lang")
        if wanted in LANGUAGES and wanted != row.user.language:  # the language switch, signed in
            set_language(session, user_id=row.user_id, language=wanted)
        return principal_for(session, row.user, csrf=row.csrf_token)


def _audit_export(factory, *, user_id: int | None, ip: str | None, target: str, query: str) -> None:
    detail = {"query": query[:500]}
    for attempt in range(AUDIT_ATTEMPTS):
        try:
            audit.record_now(factory, "export", user_id=user_id, ip=ip, target=target, detail=detail)
            return
        except OperationalError as exc:
            if attempt == AUDIT_ATTEMPTS - 1 or not dialect_for(factory.kw["bind"]).is_transient(exc):
                # the trace stays in the log when the database never accepts it
                log.error("audit event 'export' not written (%s): user=%s ip=%s target=%s detail=%s",
                          exc.orig, user_id, ip, target, detail)
                return
            time.sleep(0.2 * 2 ** attempt)


def install(app: FastAPI) -> None:
    app.state.rate_limiter = RateLimiter(app.state.sessionmaker, app.state.settings.secret_key)
    app.add_middleware(AccountsSession)


def _cookie_template(*, secure: bool) -> str:
    response = Response()
    response.set_cookie(CSRF_COOKIE, _SAMPLE, httponly=True, samesite="lax", secure=secure, path="/")
    return response.headers["set-cookie"]


_SAMPLE = "0" * 43  # the length and alphabet of secrets.token_urlsafe(32): cookie-safe, never quoted
_CSRF_TEMPLATES = {secure: _cookie_template(secure=secure) for secure in (False, True)}


def _csrf_cookie(value: str, *, secure: bool) -> str:
    """The Set-Cookie value of a new CSRF token (a token of token_urlsafe's alphabet: the header
    Starlette would build, from a template built once, not a Response per anonymous request)."""
    return _CSRF_TEMPLATES[secure].replace(_SAMPLE, value, 1)


class AccountsSession:
    """The principal and the CSRF token on `request.state` (the request's scope), the CSRF cookie
    on the response, the export's audit event once the response is sent: a plain ASGI middleware
    (a `BaseHTTPMiddleware` would add a task and a stream to every request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        # no session cookie: anonymous, without a trip to the thread pool
        principal = await run_in_threadpool(_load, request) if request.cookies.get(SESSION_COOKIE) else ANONYMOUS
        csrf_cookie = request.cookies.get(CSRF_COOKIE)
        new_cookie = None
        if not csrf_cookie or len(csrf_cookie) > 100:
            new_cookie = secrets.token_urlsafe(32)
        request.state.principal = principal
        if principal.language:
            request.state.language = principal.language
        if principal.time_zone:
            request.state.time_zone = principal.time_zone
        request.state.csrf = principal.csrf or new_cookie or csrf_cookie
        status = 0

        async def send_with_cookie(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                if new_cookie:
                    MutableHeaders(scope=message).append(
                        "set-cookie", _csrf_cookie(new_cookie, secure=scope.get("scheme") == "https"))
            await send(message)

        await self.app(scope, receive, send_with_cookie)
        if scope["path"] in EXPORT_PATHS and scope["method"] == "GET" and status == 200:  # the file is sent
            await run_in_threadpool(_audit_export, request.app.state.sessionmaker, user_id=principal.user_id,
                                    ip=client_ip(request), target=scope["path"], query=str(request.url.query))

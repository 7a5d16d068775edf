"""Security headers on every response (CSP, nosniff, referrer, frame, HSTS over HTTPS), the
`lang` cookie when a page is asked with `?lang=fr|en`, and on a page or a JSON answer the
language it is written in (`Content-Language`, chosen as `core.deps.request_language` does: the
query, the account, the cookie, Accept-Language) with `Vary: Accept-Language, Cookie`: a plain
ASGI middleware, which edits the response's start message as it passes (a `BaseHTTPMiddleware`
would add a task and a stream to every request)."""

from __future__ import annotations

from starlette.datastructures import QueryParams
from starlette.requests import cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bioatlas.core.i18n import pick_language

LANG_COOKIE_DAYS = 365
WRITTEN = (b"text/html", b"application/json", b"application/problem+json")  # answers in the reader's language


def _lang_cookie(lang: str) -> str:
    response = Response()
    response.set_cookie("lang", lang, max_age=LANG_COOKIE_DAYS * 86400, samesite="lax", httponly=True)
    return response.headers["set-cookie"]


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, csp: str, default_language: str = "fr") -> None:
        self.app = app
        self.default_language = default_language
        fixed = {"content-security-policy": csp, "x-content-type-options": "nosniff",
                 "referrer-policy": "same-origin", "x-frame-options": "DENY"}
        # encoded once: each response's start message gets them as raw header pairs
        self.fixed = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in fixed.items()]
        self.https = self.fixed + [(b"strict-transport-security", b"max-age=31536000; includeSubDomains")]
        self.cookies = {lang: _lang_cookie(lang).encode("latin-1") for lang in ("fr", "en")}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.https if scope.get("scheme") == "https" else self.fixed
        query = scope.get("query_string", b"")
        cookie = self.cookies.get(QueryParams(query).get("lang") or "") if b"lang=" in query else None

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in extra if name not in present]  # a route's own value wins
                if b"content-language" not in present and dict(headers).get(b"content-type", b"").startswith(WRITTEN):
                    headers.append((b"content-language", self.language(scope).encode()))
                    if b"vary" not in present:  # (the response cache's answers say theirs)
                        headers.append((b"vary", b"Accept-Language, Cookie"))
                if cookie:
                    headers.append((b"set-cookie", cookie))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def language(self, scope: Scope) -> str:
        """The answer's language as the route chose it (`core.deps.request_language`), read from the
        scope: `?lang=`, the account's (the accounts middleware's `state`), the cookie, Accept-Language."""
        headers = {name: value for name, value in scope["headers"]}
        query = QueryParams(scope.get("query_string", b"")).get("lang")
        chosen = scope.get("state", {}).get("language") or \
            cookie_parser(headers.get(b"cookie", b"").decode("latin-1")).get("lang")
        return pick_language(query, chosen, self.default_language,
                             headers.get(b"accept-language", b"").decode("latin-1") or None)

"""Security headers on every response (CSP, nosniff, referrer, frame, HSTS over HTTPS) and the
`lang` cookie when a page is asked with `?lang=fr|en`: a plain ASGI middleware, which edits the
response's start message as it passes (a `BaseHTTPMiddleware` would add a task and a stream to
every request)."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders, QueryParams
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LANG_COOKIE_DAYS = 365


def _lang_cookie(lang: str) -> str:
    response = Response()
    response.set_cookie("lang", lang, max_age=LANG_COOKIE_DAYS * 86400, samesite="lax", httponly=True)
    return response.headers["set-cookie"]


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, csp: str) -> None:
        self.app = app
        self.fixed = {"content-security-policy": csp, "x-content-type-options": "nosniff",
                      "referrer-policy": "same-origin", "x-frame-options": "DENY"}
        self.cookies = {lang: _lang_cookie(lang) for lang in ("fr", "en")}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = dict(self.fixed)
        if scope.get("scheme") == "https":
            extra["strict-transport-security"] = "max-age=31536000; includeSubDomains"
        query = scope.get("query_string", b"")
        cookie = self.cookies.get(QueryParams(query).get("lang") or "") if b"lang=" in query else None

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    if name not in headers:  # a route's own value wins
                        headers[name] = value
                if cookie:
                    headers.append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_headers)

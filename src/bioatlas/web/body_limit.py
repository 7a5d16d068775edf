"""Request body caps, counted as the bytes arrive (a chunked body has no Content-Length to check).

Starlette's `RequestBodyLimitResponder` does the counting and answers 413 (before reading more than
the limit, or at once when the declared length is over it); this picks the limit per request:
file uploads (multipart) may reach the upload limit only from someone who presents credentials
(a session cookie or an Authorization header: the route's own policy then decides), every other
body (forms, JSON, an anonymous multipart) the form limit. Nothing is spooled to disk past it.

The responder's 413 is an exception raised by `receive`; when a route reads the body through a
`BaseHTTPMiddleware` (`@app.middleware("http")`), that middleware reads inside an anyio task group,
which wraps the exception in an ExceptionGroup no handler knows (a 500): the group is unwrapped
here, so every route answers 413 naming the limit."""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware.body_limit import RequestBodyLimitResponder
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimits:
    def __init__(self, app: ASGIApp, *, form_bytes: int, upload_bytes: int,
                 has_credentials: Callable[[Headers], bool]) -> None:
        self.app = app
        self.form_bytes = form_bytes
        self.upload_bytes = upload_bytes
        self.has_credentials = has_credentials

    def limit_for(self, scope: Scope) -> int:
        headers = Headers(scope=scope)
        if headers.get("content-type", "").startswith("multipart/") and self.has_credentials(headers):
            return self.upload_bytes
        return self.form_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        problem = _as_problem(send, limit)
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await problem(message)

        try:
            await RequestBodyLimitResponder(self.app, limit)(scope, receive, sending)
        except BaseExceptionGroup as group:  # the 413 raised through a BaseHTTPMiddleware's task group
            too_large, rest = group.split(_too_large)
            if too_large is None or rest is not None or started:
                raise
            await PlainTextResponse("Content Too Large", status_code=413)(scope, receive, problem)


def _too_large(exc: BaseException) -> bool:
    return isinstance(exc, HTTPException) and exc.status_code == 413


def _as_problem(send: Send, limit: int) -> Send:
    """When the responder itself answers (its plain-text "Content Too Large"), answer with the
    API's error body instead: `{"detail": "request body too large (limit N bytes)"}`."""
    held: list[Message] = []

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] == 413 and not held:
            held.append(message)
            return
        if held and message["type"] == "http.response.body":
            start = held.pop()
            if message.get("body") == b"Content Too Large":
                body = json.dumps({"detail": f"request body too large (limit {limit:,} bytes)"}).encode()
                await send({"type": "http.response.start", "status": 413,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
            await send(start)
        await send(message)

    return sending

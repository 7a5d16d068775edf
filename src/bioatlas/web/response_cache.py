"""A response cache for anonymous reads, and HTTP validators (ETag, Last-Modified, 304).

An ASGI middleware, installed by `create_app` inside the accounts middleware (it reads the
principal that one put on the request). For a GET on one of the routes it is given (answers that
depend only on the data, the URL and the language), from an anonymous visitor (no session, no
bearer token):

- the data version is read (`version()`: the change log's seq and the content counter, one
  statement, so a change committed by any process is seen by the next request);
- `If-None-Match` equal to the ETag (the version plus the variant) answers 304 with no body;
- an entry stored for that URL, language (`?lang=`, the `lang` cookie, else the browser's
  Accept-Language: `core.i18n.pick_language`, as the pages choose it) and Accept variant at that
  version is answered as is, with `Vary: Accept, Accept-Language, Cookie` and its `Content-Language`;
- otherwise the route answers and a 200 is stored, unless it sets a cookie or its body carries
  the request's CSRF token (a form: never shared), or it is larger than `max_entry_bytes`;
- a request for an answer this worker is computing at that moment waits for it and gets the
  stored entry (as a hit would), instead of computing it a second time; if that answer is not
  stored (not shareable, failed), the waiting request computes its own.

Entries of an older version are dropped when the version moves; the cache is an LRU bounded in
entries and bytes, one per process; with several workers, what one worker stored is found by the
others through web/shared_cache.py (each distinct answer computed once, not once per worker).
Logged-in users' pages and any other route pass through untouched (no ETag, nothing stored).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import datetime
from email.utils import format_datetime

from starlette.concurrency import run_in_threadpool
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from bioatlas.core import version_memo
from bioatlas.core.i18n import pick_language
from bioatlas.web.renderers import Renderers, captured
from bioatlas.web.shared_cache import SharedEntries

Version = tuple[int, int, datetime | None]
# what a stored answer depends on besides its URL: the representation, the language (`?lang=`, the
# cookie, else Accept-Language) and the session cookie (a signed-in reader is never served from here)
VARY = (b"vary", b"Accept, Accept-Language, Cookie")


class Entry:
    __slots__ = ("status", "headers", "body")

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes):
        self.status, self.headers, self.body = status, headers, body


class ResponseCache:
    """The middleware (see the module's docstring). `version()` runs in the thread pool, or on
    the event loop when `version_inline` says it is cheap and never blocks (a SQLite file's)."""

    def __init__(self, app: ASGIApp, *, routes: Iterable[str], version: Callable[[], Version], default_language: str,
                 version_inline: bool = False, shared: SharedEntries | None = None, max_entries: int = 4096, max_bytes: int = 64 * 2**20, max_entry_bytes: int = 2 * 2**20,
                 renderers: Renderers | None = None):
        self.app = app
        # one expression for every route: a request is matched once, not once per route
        self.pattern = re.compile("|".join(f"(?:{_unnamed(compile_path(route)[0].pattern)})" for route in routes) or "(?!)")
        self.version = version
        self.version_inline = version_inline  # cheap and non-blocking: called on the event loop
        self.shared = shared or SharedEntries()  # the other workers' entries (inactive: no-op)
        self.renderers = renderers or Renderers()  # where misses are computed (inactive: here)
        self.default_language = default_language
        self.max_entries, self.max_bytes, self.max_entry_bytes = max_entries, max_bytes, max_entry_bytes
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()
        self.bytes = 0
        self.at: Version | None = None
        self.modified: tuple[bytes, bytes] | None = None  # Last-Modified of the version `at`, built once
        self.stats = {"hits": 0, "misses": 0, "stored": 0, "not_modified": 0, "refused": 0, "joined": 0}
        # answers being computed, by key and version: a request for one of them waits for it
        # instead of computing it again (a fresh server meets the same popular URL many times at once)
        self.pending: dict[tuple, asyncio.Future[Entry | None]] = {}

    def cacheable(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "GET":
            return False
        if self.pattern.match(scope["path"]) is None:
            return False
        principal = scope.get("state", {}).get("principal")
        if principal is None or principal.authenticated:
            return False
        return not any(name == b"authorization" for name, _ in scope["headers"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.cacheable(scope):
            await self.app(scope, receive, send)
            return
        headers = {name: value for name, value in scope["headers"]}
        version = self.version() if self.version_inline else await run_in_threadpool(self.version)
        read_at = time.monotonic()
        if version != self.at:  # a committed change: every entry is stale
            self.entries.clear()
            self.bytes, self.at = 0, version
            self.modified = None if version[2] is None else (
                b"last-modified", format_datetime(version[2], usegmt=True).encode())
        key = self._key(scope, headers)
        etag = f'W/"{version[0]}.{version[1]}.{hashlib.blake2b(repr(key).encode(), digest_size=6).hexdigest()}"'
        validators = [(b"etag", etag.encode()), (b"cache-control", b"no-cache"), VARY, (b"content-language", key[2].encode())]
        if self.modified is not None:
            validators.append(self.modified)
        if etag in _etags(headers.get(b"if-none-match", b"")):
            self.stats["not_modified"] += 1
            await send({"type": "http.response.start", "status": 304, "headers": validators})
            await send({"type": "http.response.body", "body": b""})
            return
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
            self.stats["hits"] += 1
            await _send(send, entry.status, entry.headers + validators, entry.body)
            return
        found = self.shared.get(key, version)
        if found is not None:  # another worker computed it at this version
            self._store(key, Entry(*found))
            self.stats["hits"] += 1
            await _send(send, found[0], found[1] + validators, found[2])
            return
        computing = self.pending.get((key, version))
        if computing is not None:  # another request of this worker is computing this answer
            shared = await asyncio.shield(computing)
            if shared is not None:  # stored: served as a hit would be
                self.stats["joined"] += 1
                await _send(send, shared.status, shared.headers + validators, shared.body)
                return
        self.stats["misses"] += 1
        # the miss's reads that depend on nothing but this version are kept for it (core/version_memo.py)
        scope.setdefault("state", {})[version_memo.KEY] = (version, read_at)
        mine = None if computing is not None else asyncio.get_running_loop().create_future()
        if mine is not None:
            self.pending[(key, version)] = mine
        stored = None
        try:
            rendered = await self.renderers.render(scope, key, version) if self.renderers.active else None
            if rendered is None:  # computed here (one process, or no renderer answered)
                (status, out, body), storable = await self._compute(scope, receive), True
            else:  # a renderer's: stored only if no committed change crossed it
                (status, out, body), storable = rendered
            if storable and status == 200 and self._shareable(scope, out, body):
                stored = Entry(status, out, body)
                self._store(key, stored)
                self.shared.put(key, version, status, out, body)
                out = out + validators
        finally:  # the waiters get the stored entry, or None (not shareable, failed): they compute it
            if mine is not None:
                self.pending.pop((key, version), None)
                mine.set_result(stored)
        await _send(send, status, out, body)

    async def _compute(self, scope: Scope, receive: Receive) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        return await captured(self.app, scope, receive)

    def _key(self, scope: Scope, headers: dict[bytes, bytes]) -> tuple:
        cookies = headers.get(b"cookie", b"").decode("latin-1")
        cookie_lang = next((c.split("=", 1)[1].strip() for c in cookies.split(";") if c.strip().startswith("lang=")),
                           None)
        query = scope.get("query_string", b"").decode("latin-1")
        query_lang = next((p.split("=", 1)[1] for p in query.split("&") if p.startswith("lang=")), None)
        lang = pick_language(query_lang, cookie_lang, self.default_language,
                             headers.get(b"accept-language", b"").decode("latin-1") or None)
        html = b"text/html" in headers.get(b"accept", b"")
        return scope["path"], query, lang, html

    def _shareable(self, scope: Scope, headers: list[tuple[bytes, bytes]], body: bytes) -> bool:
        if len(body) > self.max_entry_bytes or any(k.lower() == b"set-cookie" for k, _ in headers):
            self.stats["refused"] += 1
            return False
        csrf = scope.get("state", {}).get("csrf")
        if csrf and csrf.encode() in body:  # a form for this visitor: never shared
            self.stats["refused"] += 1
            return False
        return True

    def _store(self, key: tuple, entry: Entry) -> None:
        self.entries[key] = entry
        self.bytes += len(entry.body)
        self.stats["stored"] += 1
        while self.entries and (len(self.entries) > self.max_entries or self.bytes > self.max_bytes):
            _, old = self.entries.popitem(last=False)
            self.bytes -= len(old.body)


def _unnamed(pattern: str) -> str:
    """A route's expression without group names (two routes may name the same parameter)."""
    return re.sub(r"\(\?P<\w+>", "(?:", pattern)


def _etags(value: bytes) -> list[str]:
    return [tag.strip() for tag in value.decode("latin-1").split(",")]


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": headers + [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})

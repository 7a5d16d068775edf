"""Renderers: the response cache's misses computed outside the processes that serve its hits.

`bioatlas serve --renderers N` with several workers forks, before the workers and from the same
warmed process (the indexes shared copy-on-write), N renderer processes (`start`). A worker whose
response cache misses on a cacheable request (an anonymous GET of a cached route: only what
`ResponseCache.cacheable` accepts) sends the request to a renderer and awaits its answer on its
event loop (a Unix socket read by the loop), so that the hits it serves meanwhile never wait for
an engine call that holds the GIL. The renderer runs the app below the response cache, in
process, as the worker would have: same scope (the anonymous principal and the CSRF token of the
visitor included), same answer byte for byte, and it says at which data version it computed it
(read before and after): the worker stores the answer only if both equal the version it read
itself, so an answer that a committed change crossed is served but never stored.

A renderer computes one answer at a time, first come first served (its misses do not slow each
other down by sharing the GIL in threads), and joins requests for an answer it is computing. A
search goes to the renderer its text hashes to, as the engine's memo keys it (`routes`, given by
the app: `app.RENDERED_BY_TEXT`, `search/affinity.py`): the views of one text (alone, in a region, the page, another language)
meet in one process, whose memo keeps that text's counts and wide read from the first of them.
Any other request goes to the renderer its URL hashes to. Either way a URL asked by two workers
at once goes to one renderer (computed once), or to the next one if it does not answer. A renderer that is gone, fails or answers
later than `timeout`: the worker computes the answer itself (logged once per worker), never a 500.

Between processes of one server only: the sockets are in a private (0700) folder made by
`run_server`; a message is a 4-byte length and a pickle.

Chosen by the atlas's size by default (`how_many`, `--renderers auto`): measured
(docs/performance.md), they pay where a miss costs tens of milliseconds of CPU (a search over a
million actors: the hits stop waiting for it) and cost at the demo's size (7,000 actors), where
misses are a few milliseconds each and the extra hop between processes is not repaid.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import socket
import struct
import weakref
import zlib
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope

log = logging.getLogger("bioatlas.renderers")

# the request's part of an ASGI scope (the rest are the worker's own objects: the app, extensions)
_REQUEST = ("type", "asgi", "http_version", "method", "scheme", "server", "client", "root_path", "path",
            "raw_path", "query_string", "headers")
_HEADER = struct.Struct("!I")

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]

# active actors from which `auto` starts renderers: they paid at 1,000,000 and cost at 7,000
# (docs/performance.md); a search miss's CPU grows with the atlas, the hop's cost does not
AUTO_ACTORS = 100_000
RECENT = 16  # answers a renderer keeps for the requests that arrived while it computed them


def how_many(asked: int | str | None, *, workers: int, actors: Callable[[], int]) -> int:
    """Renderers to start: none with one worker; `auto` (or unset): one per worker when the atlas
    holds AUTO_ACTORS active actors or more (`actors()`, counted only then), none below;
    otherwise the number asked."""
    if workers <= 1:
        return 0
    if asked is None or asked == "auto":
        return workers if actors() >= AUTO_ACTORS else 0
    return int(asked)


class Renderers:
    """The worker's side: where the renderers listen (empty until `start`: every call computes
    in the worker, as a single process does)."""

    def __init__(self, *, timeout: float = 60.0, routes: Mapping[str, Callable[[str], object]] | None = None) -> None:
        self.routes = dict(routes or {})  # path -> the value its misses are routed by, from the query string
        self.paths: list[Path] = []
        self.pids: list[int] = []
        self.timeout = timeout
        self.warned = False
        self.stats = {"rendered": 0, "fallback": 0}

    @property
    def active(self) -> bool:
        return bool(self.paths)

    async def render(self, scope: Scope, key: tuple, version: tuple) -> tuple[Answer, bool] | None:
        """The answer to this request computed by a renderer, and whether it was computed at
        `version` (storable); None: compute it here."""
        try:
            message = _pack({"scope": {k: scope[k] for k in _REQUEST if k in scope},
                             "state": dict(scope.get("state", {})), "key": key, "version": version})
        except Exception as exc:  # something of this request's state cannot travel: computed here
            self._warn(f"request not sent ({type(exc).__name__}: {exc})")
            self.stats["fallback"] += 1
            return None
        first = self.which(key)
        for i in range(len(self.paths)):
            path = self.paths[(first + i) % len(self.paths)]
            try:
                reply = await asyncio.wait_for(_ask(path, message), self.timeout)
            except (OSError, EOFError, asyncio.IncompleteReadError, pickle.PickleError) as exc:
                self._warn(f"renderer {path.name} unreachable ({type(exc).__name__}: {exc})")
                continue
            except TimeoutError:
                self._warn(f"renderer {path.name} did not answer within {self.timeout:g} s")
                break  # it is busy, not gone: the others would be too
            if reply.get("error"):  # the app raised: computed here again, where it raises as it always did
                break
            self.stats["rendered"] += 1
            answer: Answer = (reply["status"], reply["headers"], reply["body"])
            return answer, reply["before"] == reply["after"] == version
        self.stats["fallback"] += 1
        return None

    def which(self, key: tuple) -> int:
        """The renderer asked first for the request of this cache key (path, query, language,
        variant)."""
        return zlib.crc32(repr(self.route(key)).encode()) % len(self.paths)

    def route(self, key: tuple) -> object:
        """What picks a request's renderer: on a path of `routes`, its value of the query string
        (the search's text: `app.RENDERED_BY_TEXT`) when it has one; else the whole key."""
        by = self.routes.get(key[0])
        value = by(key[1]) if by is not None else None
        return key if value is None else value

    def _warn(self, what: str) -> None:
        if not self.warned:
            self.warned = True
            log.warning("%s: this worker computes its misses itself when no renderer answers", what)


# connections to the renderers kept open between requests, per event loop, process and socket:
# one request at a time on each (a request in flight takes one from here or opens a new one)
_idle: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[int, str], list]] = weakref.WeakKeyDictionary()
IDLE_PER_RENDERER = 8


async def _ask(path: Path, message: bytes) -> dict:
    """The renderer's reply to `message`, on a connection kept from an earlier request when one is
    idle (a renderer gone since is found at its first use: asked again on a new connection)."""
    idle = _idle.setdefault(asyncio.get_running_loop(), {}).setdefault((os.getpid(), str(path)), [])
    while idle:
        reader, writer = idle.pop()
        if writer.is_closing() or reader.at_eof():
            writer.close()
            continue
        try:
            return await _exchange(reader, writer, message, idle)
        except (OSError, EOFError, asyncio.IncompleteReadError):  # closed meanwhile: a new connection
            continue
    reader, writer = await asyncio.open_unix_connection(str(path))
    return await _exchange(reader, writer, message, idle)


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, message: bytes, idle: list) -> dict:
    """One request and its reply; the connection goes back to `idle` after a whole reply, and is
    closed on anything else (an error, a cancellation: a timeout)."""
    try:
        writer.write(message)
        await writer.drain()
        reply = await _read(reader)
    except BaseException:
        writer.close()
        raise
    if len(idle) < IDLE_PER_RENDERER:
        idle.append((reader, writer))
    else:
        writer.close()
    return reply


def _pack(obj: Any) -> bytes:
    body = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(body)) + body


async def _read(reader: asyncio.StreamReader) -> Any:
    size, = _HEADER.unpack(await reader.readexactly(_HEADER.size))
    return pickle.loads(await reader.readexactly(size))


# -- the renderer processes -----------------------------------------------------------------------

def start(app: Any, renderers: Renderers, *, count: int, folder: Path, before: Any = None) -> None:
    """Fork `count` renderers of `app` (built and warmed) listening in `folder`; `before` runs
    first in each (database connections are never shared across a fork)."""
    inner = response_cache_of(app)
    if inner is None or count <= 0:
        return
    for i in range(count):
        path = folder / f"renderer-{i}.sock"
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(path))
        listener.listen(256)
        pid = os.fork()
        if pid == 0:  # the renderer: never returns
            code = 1
            try:
                if before is not None:
                    before()
                anyio.to_thread.run_sync = _inline  # type: ignore[assignment]  # this process only (see `serve`)
                asyncio.run(serve(app, inner, listener, parent=os.getppid()))
                code = 0
            except BaseException:
                log.exception("renderer %d stopped", i)
            finally:
                os._exit(code)
        listener.close()  # only the renderer holds it: a dead renderer refuses connections at once
        renderers.paths.append(path)
        renderers.pids.append(pid)


def stop(renderers: Renderers) -> None:
    for pid in renderers.pids:
        try:
            os.kill(pid, 15)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):  # gone already (reaped by gunicorn's arbiter)
            pass
    renderers.paths.clear()
    renderers.pids.clear()


def response_cache_of(app: Any) -> Any:
    """The ResponseCache middleware of a Starlette app (None: the cache is off)."""
    from bioatlas.web.response_cache import ResponseCache

    node = app.middleware_stack or app.build_middleware_stack()
    app.middleware_stack = node
    while node is not None and not isinstance(node, ResponseCache):
        node = getattr(node, "app", None)
    return node


async def serve(app: Any, cache: Any, listener: socket.socket, *, parent: int) -> None:
    """Answer the workers' requests until the serving process is gone. A renderer serves no hits,
    so the app's synchronous work (the handlers, the dependencies) runs on its event loop, not
    in a thread pool: no trip between threads per answer. While it computes, the requests that
    arrive wait in the sockets; one for an answer computed last (same key and version) gets it
    (`recent`), as it would have joined the computation, unless that answer is its visitor's own
    (a cookie set, the visitor's CSRF token in it: `_for_anyone`), which a joined request never
    gets either."""
    turn = asyncio.Lock()  # one answer at a time, in arrival order
    pending: dict[tuple, tuple[asyncio.Task, dict]] = {}  # the computation and the request it is for
    recent: OrderedDict[tuple, dict] = OrderedDict()

    async def version() -> tuple:
        return cache.version() if cache.version_inline else await asyncio.to_thread(cache.version)

    async def compute(request: dict) -> dict:
        async with turn:
            before = await version()
            try:
                status, headers, body = await run(app, cache.app, request)
            except Exception:
                log.exception("rendering %s failed", request["scope"].get("path"))
                return {"error": True}
            reply = {"status": status, "headers": headers, "body": body, "before": before, "after": await version()}
            if _for_anyone(reply, request):
                recent[(request["key"], request["version"])] = reply
                while len(recent) > RECENT:
                    recent.popitem(last=False)
            return reply

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:  # the worker's requests on this connection, one after the other, until it closes it
                request = await _read(reader)
                which = (request["key"], request["version"])
                reply = recent.get(which)
                if reply is None:
                    entry = pending.get(which)
                    if entry is None:  # a request for an answer being computed joins it
                        entry = pending[which] = (asyncio.ensure_future(compute(request)), request)
                        entry[0].add_done_callback(lambda _t, which=which: pending.pop(which, None))
                    reply = await asyncio.shield(entry[0])
                    if entry[1] is not request and not _for_anyone(reply, entry[1]):
                        reply = await compute(request)  # another visitor's own answer: this one's is computed
                writer.write(_pack(reply))
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):  # the worker closed the connection, or went away
            pass
        finally:
            writer.close()

    server = await asyncio.start_unix_server(handle, sock=listener)
    async with server:
        while os.getppid() == parent:
            await asyncio.sleep(1)


def _for_anyone(reply: dict, request: dict) -> bool:
    """Whether the answer computed for `request` may be given to another request for the same key
    and version: it sets no cookie and does not carry the visitor's CSRF token (the response
    cache's own rule for sharing an answer)."""
    if reply.get("error"):
        return True  # the worker computes it again itself
    if any(k.lower() == b"set-cookie" for k, _ in reply["headers"]):
        return False
    csrf = request.get("state", {}).get("csrf")
    return not (csrf and str(csrf).encode() in reply["body"])


async def _inline(func: Callable, *args: Any, **_kw: Any) -> Any:
    """`anyio.to_thread.run_sync` in a renderer: the call itself, on the event loop."""
    return func(*args)


async def run(app: Any, inner: ASGIApp, request: dict) -> Answer:
    """The app below the response cache on this request, as the worker runs it."""
    scope: dict = dict(request["scope"])
    scope["app"], scope["state"] = app, dict(request["state"])
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # a GET has nothing more; the answer is not cut short
        return {"type": "http.disconnect"}

    return await captured(inner, scope, receive)


async def captured(app: ASGIApp, scope: Scope, receive: Receive) -> Answer:
    """`app`'s answer to the request as (status, headers but its length, body), kept instead of sent."""
    start: Message = {}
    chunks: list[bytes] = []

    async def capture(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, capture)
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    return start.get("status", 500), headers, b"".join(chunks)

"""The hop between a worker and its renderers (web/renderers.py): a worker keeps its connections to
the renderers open between requests (no new connection per miss); a renderer runs the app's
synchronous work on its own event loop (no thread pool: no second thread in the process); a
request arriving for the answer a renderer has just computed (same key and version) gets it
without computing it again, as it would have joined the computation."""

from __future__ import annotations

import asyncio
import os
import socket
import tempfile
import threading
from pathlib import Path

import pytest
from fastapi import Request
from fastapi.responses import PlainTextResponse

from bioatlas.app import create_app
from bioatlas.search import api as search_api
from bioatlas.web import renderers
from tests.web.test_renderers import COOKIE, same, served, urls  # noqa: F401 (the fixture)


def test_the_worker_keeps_its_connections_to_the_renderers(served, monkeypatch):  # noqa: F811
    worker, reference, pool, actor_id, _ = served
    opened: list[str] = []
    real = asyncio.open_unix_connection

    async def counted(path, *a, **kw):
        opened.append(Path(path).name)
        return await real(path, *a, **kw)

    monkeypatch.setattr(asyncio, "open_unix_connection", counted)
    asked = [(f"/api/v1/search?q=genopole&limit={n}", {"accept": "application/json", **COOKIE}) for n in range(1, 9)]
    asked += urls(actor_id)
    for url, headers in asked:
        same(worker.get(url, headers=headers), reference.get(url, headers=headers))
    assert pool.stats == {"rendered": len(asked), "fallback": 0}
    # one request at a time: one connection per renderer asked, kept (the old code opened one per request)
    assert len(opened) == len(set(opened)) <= 2, opened


@pytest.fixture
def search_threads(monkeypatch, tmp_path):
    """Where the search handler's work runs, written by whichever process runs it ("main": the
    process's main thread, the one running its event loop); patched before `served` forks."""
    log = tmp_path / "threads.txt"
    real = search_api.search

    def recorded(*a, **kw):
        with log.open("a") as out:
            out.write(f"{os.getpid()} {'main' if threading.current_thread() is threading.main_thread() else 'other'}\n")
        return real(*a, **kw)

    monkeypatch.setattr(search_api, "search", recorded)
    return log


def test_a_renderer_computes_on_its_event_loop(search_threads, served):  # noqa: F811
    worker, reference, pool, actor_id, _ = served
    asked = [u for u in urls(actor_id) if u[0].startswith("/api/v1/search")]
    for url, headers in asked:
        same(worker.get(url, headers=headers), reference.get(url, headers=headers))
    assert pool.stats["rendered"] == len(asked)
    runs = [line.split() for line in search_threads.read_text().splitlines()]
    in_renderers = [where for pid, where in runs if int(pid) in pool.pids]
    # the handler ran in the renderers' main thread (the old code: in their thread pool)
    assert in_renderers and set(in_renderers) == {"main"}, runs
    assert {where for pid, where in runs if int(pid) == os.getpid()} == {"other"}  # the worker's pool, as before


@pytest.fixture
def one_renderer(settings, db):
    """`renderers.serve` on this process's event loop (no fork), its computations counted."""
    app = create_app(settings.model_copy(update={"response_cache": True}))
    cache = renderers.response_cache_of(app)
    folder = Path(tempfile.mkdtemp(prefix="bioatlas-h-"))
    return app, cache, folder / "r.sock"


def _message(path: str, query: str, version: tuple, *, state: dict | None = None, headers: list | None = None) -> bytes:
    """What a worker sends a renderer for a GET of `path?query` at data `version`."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "server": ("test", 80), "client": ("test", 1), "root_path": "",
             "path": path, "raw_path": path.encode(), "query_string": query.encode(), "headers": headers or []}
    return renderers._pack({"scope": scope, "state": state or {}, "key": (path, query, "fr", False), "version": version})


def _asked_in_turn(app, cache, path: Path, messages: list[bytes]) -> list[dict]:
    """The answers of a renderer serving on this process's event loop to `messages`, one after the other."""
    async def scenario() -> list[dict]:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(path))
        listener.listen(8)
        task = asyncio.ensure_future(renderers.serve(app, cache, listener, parent=renderers.os.getppid()))
        try:
            return [await renderers._ask(path, m) for m in messages]
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    return asyncio.run(scenario())


def test_an_answer_just_computed_is_given_to_the_next_request_for_it(one_renderer, monkeypatch):
    app, cache, path = one_renderer
    computed: list[str] = []
    real = renderers.run

    async def counted(app_, inner, request):
        computed.append(request["scope"]["path"])
        return await real(app_, inner, request)

    monkeypatch.setattr(renderers, "run", counted)
    version = cache.version()
    json = [(b"accept", b"application/json")]
    first, again, other = _asked_in_turn(app, cache, path, [
        _message("/api/v1/search", "q=vaccins", version, headers=json),
        _message("/api/v1/search", "q=vaccins", version, headers=json),  # the same key and version
        _message("/api/v1/search", "q=vaccins", (version[0] + 1, *version[1:]), headers=json)])  # another version
    assert first["status"] == 200 and again == first
    assert other["body"] == first["body"]
    assert computed == ["/api/v1/search", "/api/v1/search"]  # the repeat was not computed again


def test_a_visitors_own_answer_is_never_given_to_another(one_renderer, monkeypatch):
    app, cache, path = one_renderer

    @app.get("/t/own", include_in_schema=False)
    def own(request: Request) -> PlainTextResponse:  # a form carrying the visitor's token
        return PlainTextResponse(f"token {request.state.csrf}")

    version = cache.version()
    answers = _asked_in_turn(app, cache, path, [_message("/t/own", "", version, state={"csrf": t})
                                                 for t in ("visitor-a", "visitor-b", "visitor-b")])
    assert [a["body"] for a in answers] == [b"token visitor-a", b"token visitor-b", b"token visitor-b"]

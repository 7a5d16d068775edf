"""Renderers (web/renderers.py): the response cache's misses computed in forked renderer processes
give the same answers, byte for byte, as the worker computing them itself; a killed renderer is
replaced by the worker's own computation (logged once), never a 500; an answer that a committed
change crossed is served but not stored; one process (`serve --workers 1`) starts none."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import tempfile
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient

from bioatlas.app import create_app, run_server
from bioatlas.atlas.models import Actor
from bioatlas.web import renderers
from tests.web.test_response_cache import genopole

COOKIE = {"cookie": "bioatlas_csrf=fixed-visitor-token"}  # the same visitor on both paths: no new cookie


def urls(actor_id: int) -> list[tuple[str, dict]]:
    html, api = {"accept": "text/html", **COOKIE}, {"accept": "application/json", **COOKIE}
    return [("/api/v1/search?q=genopole", api), ("/search?q=genopole", html), (f"/api/v1/actors/{actor_id}", api),
            (f"/actors/{actor_id}?lang=en", html), ("/api/v1/actors/999999999", api), ("/api/v1/search?q=(((", api),
            ("/api/v1/search?q=vaccins&bbox=nan,1,2,3", api), ("/api/v1/search?q=%22genopole", api),
            ("/actors/999999999", html)]


@pytest.fixture
def served(settings, db):
    """A worker (this process) whose misses go to two renderers forked from it, and the same app
    without renderers (the in-worker path)."""
    actor_id = genopole(db)
    settings = settings.model_copy(update={"response_cache": True})
    app, alone = create_app(settings), create_app(settings)
    pool = renderers.response_cache_of(app).renderers
    folder = Path(tempfile.mkdtemp(prefix="bioatlas-r-"))  # short: a socket path has at most 107 bytes
    renderers.start(app, pool, count=2, folder=folder, before=lambda: app.state.engine.dispose(close=False))
    try:
        with TestClient(app, raise_server_exceptions=False) as worker, \
                TestClient(alone, raise_server_exceptions=False) as reference:
            yield worker, reference, pool, actor_id, app
    finally:
        renderers.stop(pool)
        shutil.rmtree(folder, ignore_errors=True)


def same(a, b) -> None:
    assert (a.status_code, a.headers.raw, a.content) == (b.status_code, b.headers.raw, b.content)


def test_a_renderer_answers_byte_for_byte_as_the_worker_would(served):
    worker, reference, pool, actor_id, app = served
    asked = urls(actor_id)
    for url, headers in asked:
        same(worker.get(url, headers=headers), reference.get(url, headers=headers))
    assert pool.stats == {"rendered": len(asked), "fallback": 0}
    statuses = {reference.get(url, headers=h).status_code for url, h in asked}
    assert statuses == {200, 404, 422}  # answers, missing objects and hostile input alike: never a 500
    again = worker.get(asked[0][0], headers=asked[0][1])  # now a hit of the worker's own cache
    assert again.status_code == 200 and pool.stats["rendered"] == len(asked)
    assert renderers.response_cache_of(app).stats["hits"] == 1


def test_a_killed_renderer_is_replaced_by_the_worker_once_logged(served, caplog):
    worker, reference, pool, actor_id, _ = served
    for pid in pool.pids:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    caplog.set_level(logging.WARNING, logger="bioatlas.renderers")
    for url, headers in urls(actor_id)[:4]:
        same(worker.get(url, headers=headers), reference.get(url, headers=headers))
    assert pool.stats == {"rendered": 0, "fallback": 4}
    assert len([r for r in caplog.records if r.name == "bioatlas.renderers"]) == 1


def test_an_answer_crossed_by_a_committed_change_is_served_not_stored(served, db):
    worker, _, pool, actor_id, app = served
    cache = renderers.response_cache_of(app)
    url = f"/api/v1/actors/{actor_id}"
    real = cache.version
    read = real()
    cache.version = lambda: read  # the worker read the version just before the change below
    with db() as s:  # committed by another process while the request travels to a renderer
        s.get(Actor, actor_id).name = "Genopole Évry"
        s.commit()
    crossed = worker.get(url, headers=COOKIE)
    assert crossed.status_code == 200 and crossed.json()["name"] == "Genopole Évry"  # computed after the change
    assert "etag" not in crossed.headers and not cache.entries  # but stored under no version
    assert pool.stats["rendered"] == 1
    cache.version = real  # the new version, read as always
    fresh = worker.get(url, headers=COOKIE)
    assert fresh.json()["name"] == "Genopole Évry" and "etag" in fresh.headers and len(cache.entries) == 1


def test_one_process_starts_no_renderer(monkeypatch, settings, db):
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: None)
    app = create_app(settings.model_copy(update={"response_cache": True}))
    run_server(app, host="127.0.0.1", port=1, workers=1, renderers=2)
    pool = renderers.response_cache_of(app).renderers
    assert not pool.active and pool.pids == []

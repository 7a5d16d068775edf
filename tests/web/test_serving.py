"""How `bioatlas serve` serves (app.run_server) and how the response cache reads the data version
(atlas.content_version.FileVersion): idle keep-alive connections are not closed under a client
that is about to reuse them; on a SQLite file the version is read on the event loop from a
connection of the process's own, and a commit by another connection is seen at the next read; the
workers share what one of them cached (web/shared_cache.py), never across versions."""

from __future__ import annotations

import gunicorn.app.base
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bioatlas.accounts.policy import ANONYMOUS
from bioatlas.app import KEEP_ALIVE_SECONDS, create_app, run_server
from bioatlas.atlas import content_version
from bioatlas.atlas import service as atlas
from bioatlas.atlas.models import Actor
from bioatlas.web.response_cache import ResponseCache
from bioatlas.web.shared_cache import SharedEntries
from tests.web.test_response_cache import cache_of, genopole


def test_serve_keeps_idle_connections_longer_than_a_proxy_or_client_pool(monkeypatch, settings, db):
    """Gunicorn's default (2 s) closed connections a busy client reused: ReadErrors under load."""
    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(single=kw))

    def run(self) -> None:
        self.load_config()
        seen.update(keepalive=self.cfg.keepalive, worker=self.cfg.worker_class_str, workers=self.cfg.workers)

    monkeypatch.setattr(gunicorn.app.base.BaseApplication, "run", run)
    app = create_app(settings.model_copy(update={"response_cache": True}))
    run_server(app, host="127.0.0.1", port=1, workers=1)
    assert app.state.shared_cache.path is None  # one process: nothing to share
    run_server(app, host="127.0.0.1", port=1, workers=2)
    folder = app.state.shared_cache.path.parent  # activated before the fork, removed once served
    assert folder.name.startswith("bioatlas-cache-") and not folder.exists()
    assert KEEP_ALIVE_SECONDS >= 60
    assert seen["single"]["timeout_keep_alive"] == KEEP_ALIVE_SECONDS
    assert seen["keepalive"] == KEEP_ALIVE_SECONDS and seen["workers"] == 2
    assert seen["worker"] == "uvicorn_worker.UvicornWorker"  # which hands `keepalive` to uvicorn's timeout_keep_alive


def test_the_version_read_on_the_event_loop_sees_every_commit(settings, db, engine, backend):
    actor_id = genopole(db)
    read, inline = atlas.data_version_reader(engine=engine)
    assert inline is (backend == "sqlite")  # a database server's read takes a pooled connection, in the thread pool
    with engine.connect() as connection:
        assert read() == atlas.data_version(connection)
    before = read()
    with db() as s:  # another connection commits (another worker, a CLI import)
        s.get(Actor, actor_id).name = "Genopole Évry"
        s.commit()
    after = read()
    assert after[1] == before[1] + 1 and after[0] > before[0] and after[2] >= before[2]
    with db() as s:  # raw SQL through the change log only
        s.execute(text("UPDATE actors SET name = 'Genopole' WHERE id = :id"), {"id": actor_id})
        atlas.note_changed(s, actor_ids=[actor_id])
        s.commit()
    assert read()[0] > after[0]
    with engine.connect() as connection:
        assert read() == atlas.data_version(connection)
    if inline:
        first = read.connection
        read.pid = -1  # as in a worker forked from the process that opened it
        with engine.connect() as connection:
            assert read() == atlas.data_version(connection) and read.connection is not first
        assert read.inherited == [first]  # the parent's is kept aside, never closed from the child


def test_the_cache_reads_the_version_inline_on_a_sqlite_file_and_stays_fresh(settings, db, backend):
    actor_id = genopole(db)
    app = create_app(settings.model_copy(update={"response_cache": True}))
    assert content_version.sqlite_file(app.state.engine) is (backend == "sqlite")
    with TestClient(app) as client:
        url = f"/api/v1/actors/{actor_id}"
        assert client.get(url).json()["name"] == client.get(url).json()["name"] == "Genopole"
        assert cache_of(app).version_inline is (backend == "sqlite")
        assert cache_of(app).stats["hits"] >= 1
        with db() as s:
            s.get(Actor, actor_id).name = "Genopole Évry"
            s.commit()
        assert client.get(url).json()["name"] == "Genopole Évry"
    with db() as s:
        assert s.scalar(select(Actor.name).where(Actor.id == actor_id)) == "Genopole Évry"


def test_workers_share_what_one_of_them_computed_never_across_versions_or_private_answers(tmp_path):
    computed: list[str] = []
    version = [(1, 1, None)]

    def plain(request):
        computed.append("plain")
        return PlainTextResponse(f"answer at {version[0][1]}", headers={"x-kind": "plain"})

    def form(request):
        computed.append("form")
        return PlainTextResponse(f"<input name=csrf_token value={request.state.csrf}>")

    def cookie(request):
        computed.append("cookie")
        response = PlainTextResponse("hello")
        response.set_cookie("seen", "1")
        return response

    inner = Starlette(routes=[Route("/plain", plain), Route("/form", form), Route("/cookie", cookie)])
    shared = SharedEntries()
    shared.activate(tmp_path)
    workers = [ResponseCache(inner, routes=["/plain", "/form", "/cookie"], version=lambda: version[0],
                             version_inline=True, shared=shared, default_language="fr") for _ in range(2)]

    def worker(cache):
        async def app(scope, receive, send):  # what the accounts middleware does
            scope.setdefault("state", {}).update(principal=ANONYMOUS, csrf=f"token-{len(computed)}")
            await cache(scope, receive, send)
        return TestClient(app)

    one, two = worker(workers[0]), worker(workers[1])
    first = one.get("/plain")
    second = two.get("/plain")  # the other worker: found, not computed again
    assert computed == ["plain"] and first.text == second.text == "answer at 1"
    assert second.headers["x-kind"] == "plain" and second.headers["etag"] == first.headers["etag"]
    assert workers[1].stats["hits"] == 1 and shared.stats["found"] == 1
    version[0] = (2, 2, None)  # a committed change: nothing stored before it is found after it
    assert two.get("/plain").text == "answer at 2" and computed == ["plain", "plain"]
    assert one.get("/plain").text == "answer at 2" and computed == ["plain", "plain"]  # shared at version 2
    for path in ("/form", "/cookie"):  # never stored, so never shared
        one.get(path)
        two.get(path)
    assert computed.count("form") == 2 and computed.count("cookie") == 2
    assert shared.get(("/plain", "", "fr", False), (1, 1, None)) is None  # older versions were dropped

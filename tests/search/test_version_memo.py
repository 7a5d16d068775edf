"""Reads that depend only on the committed data, made once per data version and process
(`core.version_memo`, issue 19): whether the scope was ever computed (the view's filter, now on
the event loop when it is known) and the typo check's known words and corrections. The response
cache reads the version of each anonymous read; a miss's session carries it. Checked here: the
statements and thread-pool trips a miss no longer makes, and that a committed change (a scope
computation, a new word) is seen by the very next read."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from bioatlas.app import create_app
from bioatlas.atlas import scope
from bioatlas.atlas.models import Actor
from bioatlas.core import version_memo


@pytest.fixture
def app(settings, db):
    """The app with its response cache (off by default in the test environment)."""
    return create_app(settings.model_copy(update={"response_cache": True}))


@pytest.fixture
def client(app):
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def statements(app):
    """The SQL statements the app's engine runs (the response cache's version read included)."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(app.state.engine, "before_cursor_execute", record)
    yield seen
    event.remove(app.state.engine, "before_cursor_execute", record)


def _reads(seen: list[str], table: str) -> int:
    return sum(table in s for s in seen)


def test_a_miss_reads_the_scope_and_the_known_words_once_per_version(client, eco, statements):
    """On the old code every miss read `scope_runs` and `search_terms` (seen failing: 1 and 1)."""
    client.get("/api/v1/search", params={"q": "vaccins thérapie"})  # the first miss of this version reads them
    assert _reads(statements, "scope_runs") == 1 and _reads(statements, "search_terms") >= 1
    for params in [{"q": "vaccins thérapie", "kind": "startup"}, {"q": "vaccins thérapie", "lang": "en"},
                   {"q": "vaccins thérapie", "region": "11"}]:  # other URLs (misses), the same words
        statements.clear()
        r = client.get("/api/v1/search", params=params)
        assert r.status_code == 200 and r.headers.get("etag")
        assert statements, "a miss reads the database"
        assert _reads(statements, "scope_runs") == 0, params
        assert _reads(statements, "search_terms") == 0, params
    statements.clear()
    client.get("/api/v1/map/clusters", params={"bbox": "-5.5,41,10,51.5", "zoom": "5"})  # another view: kept too
    assert _reads(statements, "scope_runs") == 0


def test_the_views_filter_takes_no_trip_once_the_scope_is_known(client, eco, trips, backend):
    """A search miss: the handler's trip only (was 2 on SQLite, seen failing; on PostgreSQL the
    cache's version read and the session's close are one more each)."""
    more = 2 if backend == "postgresql" else 0
    client.get("/api/v1/search", params={"q": "warm"})
    for params in [{"q": "vaccins"}, {"q": "thérapie", "kind": "startup"}, {"q": "zzz"}]:
        before = trips[0]
        assert client.get("/api/v1/search", params=params).status_code == 200
        assert trips[0] - before == 1 + more, (params, trips[0] - before)


def test_a_scope_computation_is_seen_by_the_next_read(client, db, eco, taxonomies):
    url = "/api/v1/search"
    assert client.get(url, params={"q": "vaccins"}).json()["scope"] == "all"
    assert client.get(url, params={"q": "vaccins", "kind": "startup"}).json()["scope"] == "all"  # kept: no read
    with db.begin() as s:
        scope.compute(s, rules=scope.shipped_rules(), taxonomies=taxonomies)
    assert client.get(url, params={"q": "vaccins"}).json()["scope"] == "sector"
    assert client.get(url, params={"q": "anticorps", "kind": "startup"}).json()["scope"] == "sector"
    page = client.get("/search", params={"q": "vaccins", "kind": "cdmo"}, headers={"accept": "text/html"})
    assert page.status_code == 200


def test_a_new_word_is_known_by_the_next_read(client, db, eco):
    def corrected(q: str) -> dict:
        return client.get("/api/v1/search", params={"q": q + " "}).json()["corrected"]

    assert corrected("zymogenyx") == {}  # no known word near it
    assert corrected("zymogenyx vaccins") == {}  # kept for this version
    with db.begin() as s:
        s.get(Actor, next(iter(eco.values()))).name = "Zymogenix Bio"
    assert corrected("zymogenyx") == {"zymogenyx": ["zymogenix"]}
    assert corrected("zymogenyx vaccins") == {"zymogenyx": ["zymogenix"]}


def test_signed_in_and_cacheless_reads_keep_reading(settings, db, eco):
    """Without the response cache no version is carried: every miss reads as before."""
    app = create_app(settings.model_copy(update={"response_cache": False}))
    seen: list[str] = []
    event.listen(app.state.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    with TestClient(app) as c:
        for q in ("vaccins thérapie", "vaccins thérapie"):
            seen.clear()
            assert c.get("/api/v1/search", params={"q": q}).status_code == 200
            assert _reads(seen, "scope_runs") == 1 and _reads(seen, "search_terms") >= 1


def test_an_older_version_never_replaces_a_newer_one(db):
    with db() as s:
        engine = s.get_bind()
        version_memo.forget(engine)
        version_memo.put(engine, ((2, 2, None), 20.0), "x", "new")
        version_memo.put(engine, ((1, 1, None), 10.0), "x", "old")  # read earlier: not kept
        assert version_memo.peek(engine, ((2, 2, None), 20.0), "x") == "new"
        assert version_memo.peek(engine, ((1, 1, None), 10.0), "x") is version_memo.MISSING
        version_memo.put(engine, ((3, 3, None), 30.0), "y", "newer")  # a newer version drops the older's values
        assert version_memo.peek(engine, ((2, 2, None), 20.0), "x") is version_memo.MISSING
        assert version_memo.peek(engine, None, "y") is version_memo.MISSING
        s.info[version_memo.KEY] = ((3, 3, None), 30.0)
        assert version_memo.read(s, "y", lambda: "read") == "newer"
        calls = []
        assert version_memo.read(s, "z", lambda: calls.append(1) or "read") == "read"
        assert version_memo.read(s, "z", lambda: calls.append(1) or "again") == "read" and calls == [1]
        version_memo.forget(engine)

"""The response cache and HTTP validators (web/response_cache.py, wired in app.py): anonymous reads
are stored per data version and validated with ETag (304); a committed change is never answered
from a stale entry; a logged-in user's page, a form or a response setting a cookie is never shared;
hostile queries answer the same through the cache; `bioatlas serve` warms before it opens its port."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bioatlas.accounts.policy import ANONYMOUS
from bioatlas.app import create_app, warm_now
from bioatlas.atlas.models import Actor, Source
from bioatlas.search.index import reindex_all
from bioatlas.web.response_cache import ResponseCache
from tests.accounts.fixtures import PASSWORD, login, make_user
from tests.atlas.ecosystem import load

HOSTILE = ['"', "'", '"genopole', "genopole*", "NEAR(genopole medicen)", "genopole OR 1=1", "'; DROP TABLE actors; --",
           "(((", "^genopole", "genopole:*A", "\\", "%_%", "🧬", "x" * 5000, "<script>alert(1)</script>"]
BAD_PARAMS = [{"bbox": "nan,1,2,3"}, {"near": "Nulle-Part-sur-Mer"}, {"kind": "spaceship"}, {"cursor": "!!!"},
              {"limit": "100000"}, {"radius_km": "10"}]


@pytest.fixture
def app(settings, db):
    """The app with its response cache (off by default in the test environment: other tests
    patch code between requests of one app)."""
    return create_app(settings.model_copy(update={"response_cache": True}))


def cache_of(app) -> ResponseCache:
    layer = app.middleware_stack
    while not isinstance(layer, ResponseCache):
        layer = layer.app
    return layer


def genopole(db) -> int:
    with db() as s:
        load(s)
        s.commit()
        return s.scalar(select(Actor.id).where(Actor.name == "Genopole"))


def test_anonymous_reads_are_cached_and_validated(client, app, db):
    actor_id = genopole(db)
    first = client.get(f"/api/v1/actors/{actor_id}")
    second = client.get(f"/api/v1/actors/{actor_id}")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() and first.json()["name"] == "Genopole"
    cache = cache_of(app)
    assert cache.stats["stored"] >= 1 and cache.stats["hits"] >= 1
    etag = first.headers["etag"]
    assert etag == second.headers["etag"] and first.headers["last-modified"]
    assert first.headers["cache-control"] == "no-cache"
    again = client.get(f"/api/v1/actors/{actor_id}", headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    # another URL, language or representation has its own tag
    assert client.get(f"/api/v1/actors/{actor_id}?lang=en").headers["etag"] != etag
    assert client.get("/api/v1/search", params={"q": "genopole"}).headers["etag"] != etag


def test_a_committed_change_is_never_served_stale(client, app, db):
    actor_id = genopole(db)
    url = f"/api/v1/actors/{actor_id}"
    before = client.get(url)
    page = client.get(f"/actors/{actor_id}", headers={"accept": "text/html"})
    assert client.get(url).json()["name"] == "Genopole"  # from the cache
    with db() as s:  # another session (as another worker or a CLI import would)
        s.get(Actor, actor_id).name = "Genopole Évry"
        s.commit()
    after = client.get(url)
    assert after.json()["name"] == "Genopole Évry"
    assert after.headers["etag"] != before.headers["etag"]
    assert client.get(url, headers={"if-none-match": before.headers["etag"]}).status_code == 200
    assert "Genopole Évry" in client.get(f"/actors/{actor_id}", headers={"accept": "text/html"}).text
    assert "Genopole Évry" in client.get("/api/v1/search", params={"q": "genopole"}).text
    # a change outside the actors' change log (a source's title) moves the version too
    title = "Assises régionales — titre corrigé"
    with db() as s:
        source_id = s.scalar(select(Source.id).where(Source.key == "test:assises-idf"))
        s.get(Source, source_id).title = title
        s.commit()
    assert title in client.get(f"/actors/{actor_id}", headers={"accept": "text/html"}).text
    assert page.headers["etag"] != client.get(f"/actors/{actor_id}", headers={"accept": "text/html"}).headers["etag"]
    # a full reindex (set-based, no ORM flush, no actor changed) moves it as well
    search = client.get("/api/v1/search", params={"q": "genopole"})
    with db() as s:
        reindex_all(s)
        s.commit()
    assert client.get("/api/v1/search", params={"q": "genopole"}).headers["etag"] != search.headers["etag"]


def test_a_private_page_is_never_served_to_someone_else(app, db):
    actor_id = genopole(db)
    make_user(db, "alice@example.org", name="Alice Synthétique")
    make_user(db, "bruno@example.org", name="Bruno Synthétique")
    with TestClient(app) as anon, TestClient(app) as alice, TestClient(app) as bruno:
        assert login(alice, "alice@example.org", PASSWORD).status_code == 303
        assert login(bruno, "bruno@example.org", PASSWORD).status_code == 303
        for url in ("/", "/actors", f"/actors/{actor_id}", "/search?q=genopole", "/observatory",
                    f"/api/v1/actors/{actor_id}"):
            html = {"accept": "text/html"}
            seen = {}
            for who, client in (("anon", anon), ("alice", alice), ("bruno", bruno), ("anon2", anon),
                                ("alice2", alice), ("bruno2", bruno)):
                r = client.get(url, headers=html)
                assert r.status_code == 200, (url, who, r.text[:300])
                seen[who] = r
            for who in ("alice", "alice2"):
                assert "etag" not in seen[who].headers, url  # never cached, never validated
                if not url.startswith("/api/"):
                    assert "Alice Synthétique" in seen[who].text and "Bruno Synthétique" not in seen[who].text
            for who in ("bruno", "bruno2"):
                assert "etag" not in seen[who].headers, url
                if not url.startswith("/api/"):
                    assert "Bruno Synthétique" in seen[who].text and "Alice Synthétique" not in seen[who].text
            for who in ("anon", "anon2"):
                assert "Alice Synthétique" not in seen[who].text and "Bruno Synthétique" not in seen[who].text
            assert seen["anon2"].headers["etag"] == seen["anon"].headers["etag"]
            # a logged-in reader's If-None-Match never gets the anonymous 304
            r = alice.get(url, headers={**html, "if-none-match": seen["anon"].headers["etag"]})
            assert r.status_code == 200


def test_forms_cookies_and_errors_are_never_stored():
    def form(request):
        return PlainTextResponse(f"<input name=csrf_token value={request.state.csrf}>")

    def cookie(request):
        response = PlainTextResponse("hello")
        response.set_cookie("seen", "1")
        return response

    def plain(request):
        return PlainTextResponse("the same for everyone")

    def broken(request):
        return PlainTextResponse("no", status_code=404)

    inner = Starlette(routes=[Route("/form", form), Route("/cookie", cookie), Route("/plain", plain),
                              Route("/broken", broken)])
    counter = iter(range(1000))
    cache = ResponseCache(inner, routes=["/form", "/cookie", "/plain", "/broken"], version=lambda: (1, 1, None),
                          default_language="fr")

    async def app(scope, receive, send):  # what the accounts middleware does: principal and CSRF token
        scope.setdefault("state", {}).update(principal=ANONYMOUS, csrf=f"token-{next(counter)}")
        await cache(scope, receive, send)

    with TestClient(app) as c:
        bodies = {}
        for path in ("/form", "/cookie", "/plain", "/broken"):
            a, b = c.get(path), c.get(path)
            assert a.status_code == b.status_code
            bodies[path] = (a.text, b.text)
        assert bodies["/form"][0] != bodies["/form"][1]  # each visitor's own token, never a stored one
        assert bodies["/plain"][0] == bodies["/plain"][1]
    assert list(key[0] for key in cache.entries) == ["/plain"]
    assert cache.stats["hits"] == 1


def test_hostile_queries_answer_the_same_through_the_cache(client, db):
    genopole(db)
    for params in [{"q": q} for q in HOSTILE] + [{"q": "genopole", **bad} for bad in BAD_PARAMS]:
        first, second = client.get("/api/v1/search", params=params), client.get("/api/v1/search", params=params)
        assert first.status_code < 500 and first.status_code == second.status_code, (params, first.text[:200])
        assert first.content == second.content
        page = client.get("/search", params=params, headers={"accept": "text/html"})
        assert page.status_code < 500, params


def test_the_cache_is_off_in_tests_unless_asked(settings, db):
    for s, on in ((settings, False), (settings.model_copy(update={"response_cache": False, "environment": "production",
                                                                     "secret_key": "s" * 40}), False),
                  (settings.model_copy(update={"environment": "development", "warm_up": False}), True)):
        app = create_app(s)
        with TestClient(app) as c:
            assert ("etag" in c.get("/api/v1/actors").headers) is on


def test_warm_now_builds_before_traffic_and_the_app_does_not_warm_again(settings, db):
    from bioatlas.atlas import geocode
    from bioatlas.core.live_index import held

    genopole(db)
    app = create_app(settings.model_copy(update={"environment": "development"}))  # cache on outside tests
    warm_now(app)
    assert app.state.warmed and geocode.gazetteer.cache_info().currsize == 1
    assert held(app.state.engine)  # the map and facet indexes of this process are built for its database
    with TestClient(app) as c:
        assert c.get("/healthz").json()["warming"] is False
        assert not hasattr(app.state, "warm_up")  # the lifespan started no second warm-up
        assert cache_of(app).stats["stored"] >= 1  # the priming requests went through the app


def test_a_request_for_an_answer_being_computed_waits_for_it():
    """Single flight: requests for the same URL arriving while it is computed get that answer, which
    is computed once; an answer that is not stored (a form) is computed by each request."""
    import asyncio

    import httpx

    calls = {"/plain": 0, "/form": 0}

    async def plain(request):
        calls["/plain"] += 1
        await asyncio.sleep(0)  # let the other requests arrive while this one computes
        return PlainTextResponse(f"the same for everyone, computed {calls['/plain']} time(s)")

    async def form(request):
        calls["/form"] += 1
        await asyncio.sleep(0)
        return PlainTextResponse(f"<input name=csrf_token value={request.state.csrf}>")

    inner = Starlette(routes=[Route("/plain", plain), Route("/form", form)])
    counter = iter(range(1000))
    cache = ResponseCache(inner, routes=["/plain", "/form"], version=lambda: (1, 1, None), default_language="fr")

    async def app(scope, receive, send):
        scope.setdefault("state", {}).update(principal=ANONYMOUS, csrf=f"token-{next(counter)}")
        await cache(scope, receive, send)

    async def many(path):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            return await asyncio.gather(*(c.get(path) for _ in range(5)))

    plain_answers = asyncio.run(many("/plain"))
    assert calls["/plain"] == 1 and not cache.pending
    assert cache.stats["joined"] >= 1 and cache.stats["joined"] + cache.stats["hits"] == 4  # waited, or found it stored
    assert {r.text for r in plain_answers} == {"the same for everyone, computed 1 time(s)"}
    assert {r.headers["etag"] for r in plain_answers} == {plain_answers[0].headers["etag"]}
    forms = asyncio.run(many("/form"))
    assert calls["/form"] == 5 and len({r.text for r in forms}) == 5  # each visitor's own token

"""The warm-up before the port opens (`app.warm_now`): every kind of public route is asked once
through the app, so that what a route builds on its first request (FastAPI's per-route state, the
compiled SQL, lazy imports) is built before the workers are forked; every template is compiled;
and no answer computed while priming is kept by the response cache."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bioatlas.app import PRIME_URLS, create_app, warm_now
from bioatlas.web import templates
from bioatlas.web.precompile import compile_templates
from tests.web.test_response_cache import cache_of, genopole


def test_priming_asks_every_kind_of_route_and_keeps_no_answer(settings, db):
    actor_id = genopole(db)
    app = create_app(settings.model_copy(update={"environment": "development"}))  # cache on outside tests
    warm_now(app)
    primed = app.state.primed
    assert set(primed) == set(PRIME_URLS)
    assert primed.pop("/warm-up/not-found") == 404  # walks every router: their routes' state is built
    assert all(status == 200 for status in primed.values()), primed
    cache = cache_of(app)
    assert cache.stats["stored"] >= len(primed) - 1  # the answers went through the cache...
    assert not cache.entries and cache.bytes == 0  # ...and were forgotten: nothing is served from priming
    with TestClient(app) as c:
        misses = cache.stats["misses"]
        assert c.get("/", headers={"accept": "text/html"}).status_code == 200
        assert c.get(f"/api/v1/actors/{actor_id}").json()["name"] == "Genopole"
        assert cache.stats["misses"] == misses + 2  # computed for the visitor, not found from the warm-up


def test_every_template_is_compiled_once_before_traffic(settings):
    create_app(settings)  # the rooms' routers register their template filters when imported
    names = templates.env.list_templates()
    assert compile_templates(templates.env) == len(names)
    cached = {key[1] for key in templates.env.cache}  # Jinja's cache keys: (loader ref, name)
    assert set(names) <= cached


def test_a_url_that_fails_while_priming_leaves_the_others_primed(settings, db, monkeypatch, caplog):
    import bioatlas.web.warm_up as warm_up

    app = create_app(settings.model_copy(update={"environment": "development"}))

    @app.get("/warm-up-breaks")
    def breaks() -> dict:
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(warm_up, "PRIME_URLS", ("/warm-up-breaks", "/api/v1/actors?limit=1", "/"))
    statuses = warm_up.prime(app)
    assert statuses["/api/v1/actors?limit=1"] == statuses["/"] == 200
    assert statuses["/warm-up-breaks"] in (0, 500)
    assert not cache_of(app).entries

"""At start-up the application fills every feature's in-memory indexes in a background thread
(plug-in hook `bioatlas_warm`); a failing warmer is logged and does not stop the others or the app."""

from __future__ import annotations

import logging
import threading

from fastapi.testclient import TestClient
from sqlalchemy import select

import bioatlas.web.warm_up as warm_up_module
from bioatlas.app import create_app
from bioatlas.atlas.models import Site
from bioatlas.core.live_index import held, live_indexes
from bioatlas.core.plugins import each_impl
from bioatlas.search.semantic import service as semantic_service
from bioatlas.search.semantic.models import ActorEmbedding
from bioatlas.search.service import semantic_function
from tests.atlas.ecosystem import load


def test_warmers_run_in_the_background_and_a_failure_is_only_logged(settings, db, monkeypatch, caplog):
    calls = []

    release = threading.Event()

    def ok(sessions, settings):
        release.wait(timeout=30)
        with sessions() as session:
            calls.append((settings.environment, session.get_bind().dialect.name))

    def broken(sessions, settings):
        raise RuntimeError("no index today")

    def warmers(hook):
        return [("broken", broken), ("ok", ok)] if hook == "bioatlas_warm" else each_impl(hook)

    monkeypatch.setattr(warm_up_module, "each_impl", warmers)
    app = create_app(settings.model_copy(update={"environment": "development"}))
    with caplog.at_level(logging.INFO, logger="bioatlas"), TestClient(app) as client:
        assert client.get("/healthz").json()["warming"] is True  # readiness: still filling its indexes
        release.set()
        app.state.warm_up.join(timeout=60)
        assert client.get("/healthz").json()["warming"] is False
    assert calls == [("development", db.kw["bind"].dialect.name)]
    assert "no index today" in caplog.text


def test_no_warm_up_in_tests_or_when_switched_off(settings, db):
    for s in (settings, settings.model_copy(update={"environment": "development", "warm_up": False})):
        app = create_app(s)
        with TestClient(app) as client:
            assert client.get("/healthz").status_code == 200
        assert not hasattr(app.state, "warm_up")


def test_every_feature_warmer_fills_its_index_on_a_real_atlas(settings, db):
    """After the warmers, this process holds the map, facet and resolver indexes (and the vectors
    when the encoder is there) of the database, each with the loaded atlas in it."""
    engine = db.kw["bind"]
    with db.begin() as s:
        actors = set(load(s).values())
    for live in live_indexes().values():  # indexes left by earlier tests on this engine
        live.forget(engine)
    semantic_service.reset_indexes()
    assert not held(engine) and semantic_service.loaded_index(engine) is None
    warmers = each_impl("bioatlas_warm")
    assert {feature for feature, _ in warmers} >= {"atlas", "search", "resolve"}
    for _, warm in warmers:
        warm(sessions=db, settings=settings)
    indexes = held(engine)
    assert set(indexes) >= {"map", "search facets", "resolve"}
    with db() as s:
        located = s.execute(select(Site.id, Site.actor_id).where(Site.cell_g16.isnot(None))).all()
        vectors = set(s.scalars(select(ActorEmbedding.actor_id)))
    assert len(located) >= 3
    assert sorted(indexes["map"].base.ids.tolist()) == sorted(i for i, _ in located)
    assert set(indexes["map"].base.actor.tolist()) == {a for _, a in located} < actors
    assert set(indexes["search facets"].ids.tolist()) == actors
    assert set(indexes["resolve"].index.actors) == actors
    if semantic_function() is not None:
        assert vectors and vectors <= actors
        assert set(semantic_service.loaded_index(engine).ids.tolist()) == vectors

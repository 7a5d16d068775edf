"""At start-up the application fills every feature's in-memory indexes in a background thread
(`<feature>/warm.py`); a failing warmer is logged and does not stop the others or the app."""

from __future__ import annotations

import logging
import threading

from fastapi.testclient import TestClient

import bioatlas.app as app_module
from bioatlas.app import create_app, feature_warmers
from tests.atlas.ecosystem import load


def test_warmers_run_in_the_background_and_a_failure_is_only_logged(settings, db, monkeypatch, caplog):
    calls = []

    release = threading.Event()

    def ok(sessions, s):
        release.wait(timeout=30)
        with sessions() as session:
            calls.append((s.environment, session.get_bind().dialect.name))

    def broken(sessions, s):
        raise RuntimeError("no index today")

    monkeypatch.setattr(app_module, "feature_warmers", lambda: [broken, ok])
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


def test_every_feature_warmer_runs_on_a_real_atlas(settings, db):
    with db.begin() as s:
        load(s)
    warmers = feature_warmers()
    assert {w.__module__ for w in warmers} >= {"bioatlas.atlas.warm", "bioatlas.search.warm", "bioatlas.resolve.warm"}
    for warm in warmers:
        warm(db, settings)

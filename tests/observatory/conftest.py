"""Fixtures of the observatory tests: the reference data loaded, the small real ecosystem of
tests/atlas/ecosystem.py, and an API client with the observatory router."""

from __future__ import annotations

import pytest

from bioatlas.demo.files import EMA_FILES
from bioatlas.observatory.reference import load_reference
from bioatlas.products.service import import_ema
from tests.atlas import ecosystem


@pytest.fixture
def loaded(session):
    report = load_reference(session)
    session.commit()
    return report


@pytest.fixture
def eco(session):
    ids = ecosystem.load(session)
    session.commit()
    return ids


@pytest.fixture
def obs_client(app):
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def ema(db):
    """The real EMA lists (2018 and 2026) imported as `bioatlas import ema` does."""
    reports = [import_ema(db, path=path) for path in EMA_FILES]
    assert all(r.committed for r in reports)
    return reports

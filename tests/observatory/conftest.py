"""Fixtures of the observatory tests: the reference data loaded, the small real ecosystem of
tests/atlas/ecosystem.py, and an API client with the observatory router."""

from __future__ import annotations

import pytest

from bioatlas.observatory.reference import load_reference
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

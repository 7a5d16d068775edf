import pytest

from tests.atlas import ecosystem


@pytest.fixture
def eco(db):
    """The small real ecosystem, committed (so the search index is written by the commit hook)."""
    with db() as s:
        ids = ecosystem.load(s)
        s.commit()
    return ids

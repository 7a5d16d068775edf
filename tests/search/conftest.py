import random
import threading

import anyio.to_thread
import pytest

from bioatlas.atlas.models import ScopeReason
from bioatlas.atlas.records import ActorRecord, SourceRecord
from bioatlas.atlas.writer import get_or_create_source, upsert_actor
from bioatlas.search import backends, tantivy_few, tantivy_index
from tests.atlas import ecosystem
from tests.atlas.ecosystem import site


@pytest.fixture(autouse=True)
def _no_thread_outlives_the_test():
    """Fail a search test that leaves a non-daemon thread of its own running (an executor not
    shut down, a thread not joined), the process-wide pool of passes excepted (idle between
    searches: `tests/conftest.py` checks that no pass runs)."""
    before = set(threading.enumerate())
    yield
    left = [t.name for t in threading.enumerate()
            if t not in before and not t.daemon and not t.name.startswith("tantivy-pass")]
    assert not left, f"threads outlived the test: {left}"


@pytest.fixture
def eco(db):
    """The small real ecosystem, committed (so the search index is written by the commit hook)."""
    with db() as s:
        ids = ecosystem.load(s)
        s.commit()
    return ids


WORDS = ["vaccins", "anticorps", "bioproduction", "bioréacteur", "plasmide", "thérapie", "cellulaire", "contrôle"]
KINDS = ["startup", "sme", "cdmo", "hospital", "research_unit", "company"]
MODALITIES = [["car_t"], ["aav"], ["mab"], ["allogeneic_cell", "vaccine"], []]
POSTCODES = ["91000", "21000", "69001", "31000", "13001"]


@pytest.fixture
def synthetic(db):
    """60 synthetic actors (labelled so) with few distinct texts, so that many scores tie."""
    rng = random.Random(7)
    with db() as s:
        src = get_or_create_source(s, SourceRecord(key="test:synthetic", title="Synthetic test actors", kind="article"))
        ids = []
        for n in range(60):
            words = rng.sample(WORDS, 2 + n % 3)
            rec = ActorRecord(
                name=f"Acteur synthétique {n}", kind=KINDS[n % len(KINDS)], status="active" if n % 7 else "closed",
                description_fr=" ".join(words), scale_litres=[None, 5.0, 50.0, 500.0, 5000.0][n % 5],
                gmp=[None, "gmp_clinical", "none"][n % 3],
                sites=[site(POSTCODES[n % len(POSTCODES)])] + ([site(POSTCODES[(n + 2) % 5])] if n % 4 == 0 else []),
                capabilities={"modalities": MODALITIES[n % len(MODALITIES)]},
            )
            ids.append(upsert_actor(s, rec, source=src).actor_id)
        for actor_id in ids[::3]:
            s.add(ScopeReason(actor_id=actor_id, rule="test", matched="synthetic"))
        s.commit()
    return ids


@pytest.fixture
def engine_on_tantivy(db, monkeypatch):
    """The search answered by Tantivy alone (SQLite files only: skipped on PostgreSQL), the engine
    restored after; the one read of a text matching few (`tantivy_few`, the numpy path on its
    hits) is off, so that these tests compare Tantivy's own answers (test_tantivy_few.py turns it on)."""
    monkeypatch.setattr(tantivy_few, "reads_first", lambda *a: False)
    previous = backends.use_engine("tantivy")
    with db() as s:
        if tantivy_index.index_dir(s) is None:
            backends.use_engine(previous)
            pytest.skip("Tantivy is the engine of SQLite database files (PostgreSQL keeps its own full text)")
    yield
    backends.use_engine(previous)


@pytest.fixture
def trips(monkeypatch):
    """The number of calls to the thread pool (Starlette's and FastAPI's all go through anyio)."""
    count = [0]
    real = anyio.to_thread.run_sync

    async def counted(*args, **kwargs):
        count[0] += 1
        return await real(*args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    return count

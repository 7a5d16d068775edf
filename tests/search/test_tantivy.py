"""Tantivy as the full-text engine of SQLite databases (issue 19): the index beside the database
follows commits through the change log, a missing or corrupt index is rebuilt (never a 500), the
results agree with FTS5 on what matches, the rebuild command and task."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from bioatlas.atlas.filters import ActorFilter
from bioatlas.atlas.models import Actor, ActorName, Capability
from bioatlas.search import backends, tantivy_index
from bioatlas.search.matches import all_matches
from bioatlas.search.service import search
from bioatlas.search.text import parse_query



def names(session, ids) -> list[str]:
    return sorted(session.scalar(select(Actor.name).where(Actor.id == i)) for i in ids)


@pytest.fixture
def on_tantivy(db):
    previous = backends.use_engine("tantivy")
    with db() as s:
        path = tantivy_index.index_dir(s)
    if path is None:
        backends.use_engine(previous)
        pytest.skip("Tantivy is the engine of SQLite database files (PostgreSQL keeps its own full text)")
    yield path
    backends.use_engine(previous)


def run(session, taxonomies, q):
    return search(session, q=q, f=ActorFilter(), taxonomies=taxonomies, mode="fulltext", limit=20)


def test_the_backend_of_a_sqlite_file_is_tantivy(db, eco, taxonomies, on_tantivy):
    with db() as s:
        assert backends.backend_for(s).name == "tantivy"
        assert names(s, run(s, taxonomies, "genop").ids) == ["Genopole"]
    assert (on_tantivy / "state.json").exists()


def test_tantivy_and_fts5_match_the_same_actors(db, eco, taxonomies, on_tantivy):
    with db() as s:
        for q in ("therapie genique", "vaccins", "genop", "anticorps monoclonaux", "Bourgogne"):
            terms = parse_query(q)
            t_ids, _ = all_matches(s, backends.backend_for(s).expression(terms))
            f_ids, _ = all_matches(s, backends.SQLiteBackend().expression(terms))
            assert sorted(t_ids.tolist()) == sorted(f_ids.tolist()), q


def test_the_index_follows_commits_through_the_change_log(db, eco, taxonomies, on_tantivy):
    with db() as s:
        assert run(s, taxonomies, "thermoformage").total == 0
        actor = s.get(Actor, eco["Sensorion"])
        s.add(ActorName(actor_id=actor.id, type="alias", value="Thermoformage Labs", value_key="thermoformage labs",
                        source_id=s.scalars(select(Capability.source_id)).first()))
        s.commit()
        assert names(s, run(s, taxonomies, "thermoformage").ids) == ["Sensorion"]
        s.delete(actor)
        s.commit()
        assert run(s, taxonomies, "thermoformage").total == 0


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_a_missing_or_corrupt_index_is_rebuilt_never_a_500(app, db, eco, taxonomies, on_tantivy, damage):
    with db() as s:
        run(s, taxonomies, "genop")  # built
    tantivy_index.forget(on_tantivy)
    if damage == "missing":
        shutil.rmtree(on_tantivy)
    else:  # each file replaced whole: truncating one in place would pull the pages from under a
        # reader's memory map that Tantivy has not closed yet (SIGBUS in its threads, not a 500)
        for path in [p for p in on_tantivy.iterdir() if p.is_file()]:
            scratch = path.with_name(path.name + ".garbage")
            scratch.write_bytes(b"\x00garbage")
            os.replace(scratch, path)
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/api/v1/search", params={"q": "genopole", "mode": "fulltext"})
    assert r.status_code == 200
    assert [a["name"] for a in r.json()["items"]][:1] == ["Genopole"]


def test_rebuild_command(db, eco, settings, on_tantivy, monkeypatch):
    from bioatlas.cli import app as cli_app

    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    shutil.rmtree(on_tantivy, ignore_errors=True)
    tantivy_index.forget(on_tantivy)
    result = CliRunner().invoke(cli_app, ["search", "tantivy"])
    assert result.exit_code == 0, result.output
    assert "documents" in result.output and (on_tantivy / "state.json").exists()


def held_rebuild(monkeypatch) -> tuple[threading.Event, threading.Event]:
    """Rebuilds wait, once started, until the second event is set (the first says one started)."""
    started, release = threading.Event(), threading.Event()
    real = tantivy_index.rebuild

    def slow_rebuild(*args, **kwargs):
        started.set()
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(tantivy_index, "rebuild", slow_rebuild)
    return started, release


def test_a_large_index_is_rebuilt_in_the_background_and_fts5_answers_meanwhile(db, eco, taxonomies, on_tantivy,
                                                                                monkeypatch):
    monkeypatch.setattr(tantivy_index, "INLINE_REBUILD_MAX", 0)  # every atlas counts as large
    shutil.rmtree(on_tantivy, ignore_errors=True)
    tantivy_index.forget(on_tantivy)
    started, release = held_rebuild(monkeypatch)
    with db() as s:
        assert names(s, run(s, taxonomies, "genop").ids) == ["Genopole"]  # FTS5 answered
        assert started.wait(30)
        assert names(s, run(s, taxonomies, "genop").ids) == ["Genopole"]  # still rebuilding: FTS5 again
    release.set()
    tantivy_index.rebuilding[str(on_tantivy)].join(60)
    with db() as s:
        assert names(s, run(s, taxonomies, "genop").ids) == ["Genopole"]
        assert str(on_tantivy) in tantivy_index._open  # Tantivy again

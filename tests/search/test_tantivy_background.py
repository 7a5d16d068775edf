"""A large Tantivy index rebuilt in the background (FTS5 answers meanwhile): a process forked while
the rebuild ran (a worker of `bioatlas serve`) opens the index once it is rebuilt instead of
waiting for a thread it does not have; with `rebuild_apart()` (`bioatlas serve`) the rebuild runs
in a process of its own, so that its writer's memory is neither kept by the master nor inherited
by the processes forked from it."""

from __future__ import annotations

import os
import shutil

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bioatlas.search import tantivy_apart, tantivy_index
from tests.search.test_tantivy import held_rebuild, names, on_tantivy, run  # noqa: F401 (fixture)


@pytest.fixture
def background(on_tantivy, monkeypatch):
    """Every atlas counts as large (rebuilt in the background); the index removed."""
    monkeypatch.setattr(tantivy_index, "INLINE_REBUILD_MAX", 0)
    shutil.rmtree(on_tantivy, ignore_errors=True)
    tantivy_index.forget(on_tantivy)
    yield on_tantivy
    tantivy_index.rebuild_apart(False)


def _open_in_child(url: str, taxonomies, ready: int, out: int) -> None:
    """In a forked child: whether the index opens before and after the parent says it is rebuilt."""
    said = []
    try:
        engine = create_engine(url)
        for step in range(2):
            if step:
                os.read(ready, 1)
            try:
                with Session(engine) as s:
                    tantivy_index.current(s, taxonomies)
                said.append("open")
            except tantivy_index.Unavailable:
                said.append("unavailable")
        os.write(out, ",".join(said).encode())
    except BaseException as exc:  # noqa: BLE001 (reported to the parent, whatever it is)
        os.write(out, f"error {type(exc).__name__}: {exc}".encode())
    finally:
        os._exit(0)


def test_a_process_forked_during_a_background_rebuild_opens_the_index_once_rebuilt(
        db, eco, taxonomies, background, database_url, monkeypatch):
    started, release = held_rebuild(monkeypatch)
    with db() as s:
        assert names(s, run(s, taxonomies, "genop").ids) == ["Genopole"]  # FTS5; the rebuild started
    assert started.wait(30)
    ready_r, ready_w = os.pipe()
    out_r, out_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # a worker forked from the master while it rebuilds (its thread is not there)
        _open_in_child(database_url, taxonomies, ready_r, out_w)
    release.set()
    tantivy_index.rebuilding[str(background)].join(60)
    os.write(ready_w, b"x")
    os.waitpid(pid, 0)
    os.close(out_w)
    said = os.read(out_r, 1000).decode()
    assert said == "unavailable,open"  # the old code: "unavailable,unavailable" for ever


def test_rebuilds_apart_run_in_a_process_of_their_own(db, eco, taxonomies, background, monkeypatch):
    ran = []

    def run_apart(url, taxonomies, path):  # as tantivy_apart.run, but in this process (no spawn here)
        ran.append(url)
        return tantivy_apart.rebuild_in_child(url, taxonomies, str(path))

    monkeypatch.setattr(tantivy_apart, "run", run_apart)
    tantivy_index.rebuild_apart()
    with db() as s:
        assert names(s, run(s, taxonomies, "genop").ids) == ["Genopole"]  # FTS5 meanwhile
    tantivy_index.rebuilding[str(background)].join(60)
    with db() as s:
        assert names(s, run(s, taxonomies, "genop").ids) == ["Genopole"]
        assert str(background) in tantivy_index._open  # Tantivy again, from what the child wrote
    assert ran and ran[0].startswith("sqlite")

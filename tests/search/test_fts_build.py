"""The full rebuild is one transaction: interrupted after the documents are written (before the
FTS5 index built beside the atlas is copied in), or the process killed after that copy but
before the commit, the previous documents and index stay whole and searchable; the next rebuild
completes (and clears a scratch file a killed one left)."""

import os
import subprocess
import sys

import pytest
from sqlalchemy import select
from sqlalchemy import text as sql

from bioatlas.atlas.filters import ActorFilter
from bioatlas.search import fts_build, index
from bioatlas.search.models import SearchDocument
from bioatlas.search.service import search


def _state(s):
    return dict(s.execute(select(SearchDocument.actor_id, SearchDocument.body)).all())


def _check_fts(s, eco, *, rebuilt=True):
    """The FTS5 index agrees with the documents and finds an actor by its name (SQLite); after a
    rebuild its merge settings are FTS5's defaults."""
    if s.get_bind().dialect.name != "sqlite":
        return
    s.execute(sql("INSERT INTO search_fts(search_fts) VALUES ('integrity-check')"))
    triggers = set(s.scalars(sql("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'search_documents'")))
    assert triggers == {"search_documents_ai", "search_documents_ad", "search_documents_au"}  # edits keep it in step
    assert list(s.scalars(sql("SELECT rowid FROM search_fts WHERE search_fts MATCH 'genopole'"))) == [eco["Genopole"]]
    if rebuilt:
        config = dict(s.execute(sql("SELECT k, v FROM search_fts_config WHERE k IN ('automerge', 'crisismerge')")).all())
        assert config == {"automerge": 4, "crisismerge": 16}


def _stale_body(db, eco) -> str:
    """Make Genopole's document stale on purpose (the rebuild would rewrite it), keeping FTS5 in step."""
    with db() as s:
        s.execute(sql("UPDATE search_documents SET body = body || ' motstale' WHERE actor_id = :a"), {"a": eco["Genopole"]})
        s.commit()
        return _state(s)[eco["Genopole"]]


def _found(s, taxonomies, q):
    return search(s, q=q, f=ActorFilter(), taxonomies=taxonomies, mode="fulltext").ids


def test_interrupted_rebuild_keeps_the_previous_index(db, eco, taxonomies, monkeypatch):
    stale = _stale_body(db, eco)
    with db() as s:
        before = _state(s)
    real = index._write_documents

    def interrupted(*args, **kwargs):
        real(*args, **kwargs)
        raise KeyboardInterrupt  # between the documents and the FTS5 index

    monkeypatch.setattr(index, "_write_documents", interrupted)
    with pytest.raises(KeyboardInterrupt):
        index.rebuild(db)
    with db() as s:
        assert _state(s) == before and before[eco["Genopole"]] == stale
        _check_fts(s, eco, rebuilt=False)
        assert _found(s, taxonomies, "motstale") == [eco["Genopole"]]  # the previous index answers
        path = s.get_bind().url.database
        assert not path or not os.path.exists(path + fts_build.SCRATCH_SUFFIX)
    monkeypatch.setattr(index, "_write_documents", real)
    assert index.rebuild(db) == len(eco)
    with db() as s:
        assert "motstale" not in _state(s)[eco["Genopole"]]
        _check_fts(s, eco)
        assert _found(s, taxonomies, "motstale") == []


_KILLED = """
import os, sys
from bioatlas.core.db import make_engine, make_sessionmaker
from bioatlas.search import index
def killed(session):
    os._exit(3)  # killed at the very end (SQLite: FTS5 copied in, triggers back), before the commit
index.note_everything = killed
index.rebuild(make_sessionmaker(make_engine(sys.argv[1])))
"""


def test_killed_rebuild_leaves_a_working_index(db, eco, taxonomies, backend):
    _stale_body(db, eco)
    with db() as s:
        before, url = _state(s), s.get_bind().url
    done = subprocess.run([sys.executable, "-c", _KILLED, url.render_as_string(hide_password=False)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, done.stderr
    with db() as s:
        assert _state(s) == before
        _check_fts(s, eco, rebuilt=False)
        assert _found(s, taxonomies, "motstale") == [eco["Genopole"]]
    scratch = f"{url.database}{fts_build.SCRATCH_SUFFIX}" if backend == "sqlite" else None
    if scratch:  # as a process killed while building it would leave it
        with open(scratch, "wb") as f:
            f.write(b"not a database")
    assert index.rebuild(db) == len(eco)
    assert scratch is None or not os.path.exists(scratch)
    with db() as s:
        _check_fts(s, eco)
        assert _found(s, taxonomies, "motstale") == []

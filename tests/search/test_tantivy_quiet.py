"""The jobs worker's quiet rebuild (`search/tantivy_quiet.py`): an edited index (a new segment,
no longer in actor id order) is rebuilt in order once the atlas has been quiet, swapped in, with
the same answers; an edit made during the rebuild is caught up from the change log, never lost."""

from __future__ import annotations

import pytest

from bioatlas.atlas.filters import ActorFilter
from bioatlas.atlas.models import Actor
from bioatlas.core import index_files
from bioatlas.jobs import service as jobs
from bioatlas.jobs import tasks as job_tasks
from bioatlas.search import tantivy_apart, tantivy_index, tantivy_quiet
from tests.search.engine_pages import pages

CASES = [("synthétique", ActorFilter(status="")), ("bioprod", ActorFilter(kind=("company", "cdmo"))),
         ("vaccins", ActorFilter(modality=("car_t",), region=("84", "76")))]
KEY = tantivy_quiet.KEY


def _answers(s, taxonomies) -> list:
    return [pages(s, taxonomies, q, f, limit=4) for q, f in CASES]


def _same(got: list, expected: list) -> None:
    """The same totals, pages and facets; scores to 2 % (BM25's statistics counted the edited
    actor's deleted document until the rebuild)."""
    assert [(t, [i for i, _ in found], facets, match) for t, found, facets, match in got] == \
        [(t, [i for i, _ in found], facets, match) for t, found, facets, match in expected]
    assert [[score for _, score in found] for _, found, *_ in got] == \
        [pytest.approx([score for _, score in found], rel=0.02) for _, found, *_ in expected]


def _rename(db, actor_id: int, name: str) -> None:
    with db() as s:
        s.get(Actor, actor_id).name = name
        s.commit()


@pytest.fixture
def files_on(tmp_path):
    index_files.enable(root=tmp_path)
    yield
    index_files.enable(False, root=None)


@pytest.fixture
def quiet(settings):
    return settings.model_copy(update={"index_reorder_quiet": 0})


def test_an_edited_index_is_rebuilt_in_order_when_the_atlas_is_quiet(db, synthetic, taxonomies, engine_on_tantivy,
                                                                   files_on, settings, quiet, monkeypatch):
    with db() as s:
        _answers(s, taxonomies)  # the first search builds the index: in order
        path = tantivy_index.index_dir(s)
    assert tantivy_quiet.ordered(path)
    assert tantivy_quiet.reorder(db, quiet) == {KEY: "ordered"}
    _rename(db, synthetic[0], "Acteur synthétique zéro")
    with db() as s:
        edited = _answers(s, taxonomies)  # caught up: the actor appended in a new segment
        assert tantivy_index.current(s, taxonomies).ordered is None
    assert not tantivy_quiet.ordered(path)
    loud = settings.model_copy(update={"index_reorder_quiet": 3600})
    assert tantivy_quiet.reorder(db, loud) == {KEY: "not quiet"}
    monkeypatch.setattr(jobs, "_configured", None)
    jobs.configure(quiet)
    assert job_tasks.save_indexes()[KEY] == "rebuilt"  # the worker's periodic task
    assert tantivy_quiet.ordered(path)
    with db() as s:
        engine = tantivy_index.current(s, taxonomies)
        assert engine.ordered is engine.searcher and engine.searcher.num_segments == 1
        again = _answers(s, taxonomies)
    _same(again, edited)
    assert tantivy_quiet.reorder(db, quiet) == {KEY: "ordered"}
    index_files.enable(False)
    assert tantivy_quiet.reorder(db, quiet) == {}  # off with BIOATLAS_INDEX_FILES=0


def test_an_edit_made_during_the_rebuild_is_found_after_it(db, synthetic, taxonomies, engine_on_tantivy, files_on,
                                                            quiet, monkeypatch):
    with db() as s:
        path = tantivy_index.current(s, taxonomies).path  # built: in order
    _rename(db, synthetic[1], "Acteur synthétique un")  # unordered
    with db() as s:
        tantivy_index.current(s, taxonomies)  # caught up: unordered
    real = tantivy_index.documents
    edited = []

    def documents_then_an_edit(session, ids, taxonomies, after=0):
        found = real(session, ids, taxonomies, after=after)
        if not edited and found[0]:  # the first batch read: an editor commits meanwhile
            _rename(db, synthetic[2], "Zorglub Biologics")
            edited.append(1)
        return found

    monkeypatch.setattr(tantivy_index, "documents", documents_then_an_edit)
    assert tantivy_quiet.reorder(db, quiet) == {KEY: "rebuilt"}
    monkeypatch.setattr(tantivy_index, "documents", real)
    assert edited
    with db() as s:
        total, found, *_ = pages(s, taxonomies, "zorglub", ActorFilter(status=""))
        assert tantivy_index.saved_seq(path) == tantivy_index.current(s, taxonomies).seq
    assert (total, [actor_id for actor_id, _ in found]) == (1, [synthetic[2]])


def test_one_rebuild_at_a_time(db, synthetic, taxonomies, engine_on_tantivy, files_on, quiet):
    with db() as s:
        path = tantivy_index.current(s, taxonomies).path  # built: in order
    _rename(db, synthetic[1], "Acteur synthétique un")
    with db() as s:
        tantivy_index.current(s, taxonomies)  # caught up: unordered
    with tantivy_apart.one_rebuild(path):  # another process's rebuild under way
        assert tantivy_apart.being_rebuilt(path)
        assert tantivy_quiet.reorder(db, quiet) == {KEY: "being rebuilt"}
    assert not tantivy_apart.being_rebuilt(path)
    assert tantivy_quiet.reorder(db, quiet) == {KEY: "rebuilt"}


def test_the_swap_waits_for_a_commit_on_the_old_index_and_leaves_no_moment_without_one(tmp_path, monkeypatch):
    """A catch-up committing into the old directory (another process's writer) holds the swap off;
    the swap is one step: the index's directory always exists."""
    import tantivy

    from bioatlas.search.tantivy_documents import schema

    old, new = tmp_path / "x.tantivy", tmp_path / "x.tantivy.new"
    for folder, mark in ((old, "old"), (new, "new")):
        folder.mkdir()
        tantivy.Index(schema(), path=str(folder))
        (folder / "mark").write_text(mark)
    writer = tantivy.Index(schema(), path=str(old), reuse=True).writer(heap_size=15_000_000, num_threads=1)
    waits = []
    monkeypatch.setattr(tantivy_apart.time, "sleep", lambda s: waits.append(s) or (writer_done() if len(waits) == 2 else None))

    def writer_done():
        nonlocal writer
        assert (old / "mark").read_text() == "old"  # not swapped while the other writer holds it
        writer = None

    def no_two_step_rename(*a):
        raise AssertionError("renamed in two steps: a moment without an index")

    monkeypatch.setattr(type(old), "rename", no_two_step_rename)
    tantivy_apart.swap_in(new, old)
    assert len(waits) == 2 and writer is None
    assert (old / "mark").read_text() == "new" and not new.exists()


def test_with_index_files_off_the_worker_leaves_the_tantivy_index_alone(db, synthetic, taxonomies, engine_on_tantivy,
                                                                        settings, monkeypatch, tmp_path):
    """BIOATLAS_INDEX_FILES=0: `bioatlas jobs worker` writes no index file of any kind, Tantivy's
    included (its catch-up in `jobs.save_indexes` wrote a segment and state.json: "caught up")."""
    with db() as s:
        path = tantivy_index.current(s, taxonomies).path  # a server's first search built it
    seq = tantivy_index.saved_seq(path)
    _rename(db, synthetic[3], "Acteur synthétique trois")  # the log moves past the index
    monkeypatch.setenv("BIOATLAS_INDEX_FILES", "0")
    index_files.enable(root=tmp_path)  # as the worker's command does
    files = {p.name: p.stat().st_mtime_ns for p in path.iterdir()}
    monkeypatch.setattr(jobs, "_configured", None)
    jobs.configure(settings.model_copy(update={"index_save_quiet": 0, "index_reorder_quiet": 0}))
    try:
        assert not index_files.enabled()
        done = job_tasks.save_indexes()  # the worker's periodic task
    finally:
        index_files.enable(False, root=None)
    assert "tantivy" not in done and KEY not in done, done
    assert tantivy_index.saved_seq(path) == seq
    assert {p.name: p.stat().st_mtime_ns for p in path.iterdir()} == files

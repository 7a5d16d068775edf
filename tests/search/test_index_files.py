"""The map and search facet indexes saved beside a SQLite atlas, or under the files' root for a
PostgreSQL one (core/index_files.py): read back memory-mapped instead of built when fresh, the
changes since absorbed (never served stale) and saved again when they were many, rebuilt when the
log moved past what can be absorbed or a file is truncated or corrupt (a log line naming the
file, no crash), saved for an atlas whose change log is empty too (told apart by its content),
and the answers equal to an index built in memory."""

from __future__ import annotations

import json
import logging
import os
import shutil

import numpy as np
import pytest
from sqlalchemy import create_engine, text

from bioatlas.atlas import clusters, map_index, service as atlas
from bioatlas.atlas.filters import ActorFilter
from bioatlas.atlas.models import Actor, Capability
from bioatlas.core import index_files, live_index
from bioatlas.search import index_cache
from tests.atlas.test_clusters_index import as_dict, assert_same, indexed
from bioatlas.atlas.writer import get_or_create_source
from tests.search.test_facet_index import SOURCE, run

FRANCE = clusters.parse_viewport("-5.5,41.0,10.0,51.5", 5)
FILTERS = [ActorFilter(), ActorFilter(kind=("cdmo",)), ActorFilter(modality=("car_t",)), ActorFilter(region=("84",))]


@pytest.fixture
def files(db, engine, tmp_path):
    """Index files on (a PostgreSQL atlas's under tmp_path), no index held in this process; the
    folder removed after."""
    index_files.enable(root=tmp_path)
    index_cache.LIVE.forget(engine)
    map_index.forget(engine)
    folder = index_files.folder_for(engine)
    yield folder
    index_files.enable(False, root=None)
    index_cache.LIVE.forget(engine)
    map_index.forget(engine)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def answers(session, taxonomies) -> list:
    """Search totals, ids and facets, and map cells, for a few filters."""
    out = []
    for f in FILTERS:
        r = run(session, taxonomies, "", f)
        out.append((r.total, r.ids, r.facets, as_dict(indexed(session, taxonomies, FRANCE, f))))
    return out


def same(got: list, expected: list) -> None:
    """Equal answers; map cells' mean positions to 1e-9 (an absorbed site is summed in another order)."""
    assert len(got) == len(expected)
    for (*search, cells), (*search_expected, cells_expected) in zip(got, expected):
        assert search == search_expected
        assert_same(cells, cells_expected)


def new_process(engine) -> None:
    """What a new process (a worker, a restart) starts with: no index in memory."""
    index_cache.LIVE.forget(engine)
    map_index.forget(engine)


def counts() -> tuple[int, int, int, int]:
    return (index_cache.LIVE.stats.loads, index_cache.LIVE.stats.builds, map_index.LIVE.stats.loads,
            map_index.LIVE.stats.builds)


def in_memory(db, engine, taxonomies) -> list:
    """The same answers from indexes built from the database, files off."""
    index_files.enable(False)
    new_process(engine)
    try:
        with db() as s:
            return answers(s, taxonomies)
    finally:
        index_files.enable()
        new_process(engine)


def test_saved_indexes_are_mapped_shared_and_answer_as_built(db, engine, taxonomies, synthetic, files):
    with db() as s:
        built = answers(s, taxonomies)
    assert (files / "search-facets.json").exists() and (files / "map.json").exists()
    before = counts()
    new_process(engine)
    with db() as s:
        loaded = answers(s, taxonomies)
        state = index_cache.current(s, taxonomies)
        with map_index.current(s) as index:
            assert isinstance(index.code, np.memmap) and not index.code.flags.writeable
    assert counts() == (before[0] + 1, before[1], before[2] + 1, before[3])  # read, not built
    assert isinstance(state.ids, np.memmap) and not state.ids.flags.writeable
    assert loaded == built == in_memory(db, engine, taxonomies)


def test_an_edit_after_the_files_were_written_is_seen(db, engine, taxonomies, synthetic, files):
    with db() as s:
        answers(s, taxonomies)  # built and saved
        actor = s.get(Actor, synthetic[1])
        actor.kind = "cdmo"
        s.add(Capability(actor_id=actor.id, facet="modalities", code="mab",
                         source_id=get_or_create_source(s, SOURCE).id))
        s.commit()
    before = counts()
    new_process(engine)
    with db() as s:
        loaded = answers(s, taxonomies)
        assert synthetic[1] in run(s, taxonomies, "", ActorFilter(kind=("cdmo",)), limit=100).ids
    assert counts()[0] == before[0] + 1 and counts()[1] == before[1]  # files read, then the edit absorbed
    same(loaded, in_memory(db, engine, taxonomies))


def test_a_log_moved_past_absorbing_rebuilds_and_saves_again(db, engine, taxonomies, synthetic, files):
    with db() as s:
        answers(s, taxonomies)
        atlas.note_everything(s)  # "everything changed": nothing can be absorbed
        s.commit()
        latest = atlas.latest_change(s)
    before = counts()
    new_process(engine)
    with db() as s:
        loaded = answers(s, taxonomies)
    assert counts() == (before[0], before[1] + 1, before[2], before[3] + 1)  # not read (too far behind): rebuilt
    assert json.loads((files / "search-facets.json").read_text())["seq"] == latest
    assert json.loads((files / "map.json").read_text())["seq"] == latest
    same(loaded, in_memory(db, engine, taxonomies))


def _damage(path, how: str) -> None:
    """The file replaced whole by a damaged copy: shrinking it in place would pull its pages from
    under a memory map of it that a state not collected yet still holds (SIGBUS, not a log line)."""
    data = bytearray(path.read_bytes())
    if how == "truncated":
        data = data[: len(data) // 2]
    else:
        data[-3] ^= 0xFF  # same size, one byte of the values changed
    scratch = path.with_name(path.name + ".damaged")
    scratch.write_bytes(bytes(data))
    os.replace(scratch, path)


@pytest.mark.parametrize("how", ["truncated", "corrupt", "pointer"])
def test_a_damaged_file_is_rebuilt_with_a_log_line_naming_it(db, engine, taxonomies, synthetic, files, how, caplog):
    with db() as s:
        built = answers(s, taxonomies)
    pointer = files / "search-facets.json"
    folder = files / json.loads(pointer.read_text())["folder"]
    if how == "pointer":
        pointer.write_text('{"key": ')
    else:
        _damage(folder / "ids.npy", how)
    before = counts()
    new_process(engine)
    with caplog.at_level(logging.WARNING, logger="bioatlas.core.index_files"), db() as s:
        loaded = answers(s, taxonomies)
    assert counts()[:2] == (before[0], before[1] + 1)  # not read: built again
    assert any(str(pointer) in r.getMessage() and "rebuilding" in r.getMessage() for r in caplog.records)
    assert loaded == built
    assert json.loads(pointer.read_text())["folder"] != folder.name  # saved again, whole


def test_files_of_another_atlas_are_not_read(db, engine, taxonomies, synthetic, files):
    with db() as s:
        answers(s, taxonomies)
        seq = atlas.latest_change(s)
    head = json.loads((files / "map.json").read_text())
    head["mark"] = json.dumps([12345, "2001-01-01 00:00:00"])  # the same seq, another log row
    (files / "map.json").write_text(json.dumps(head))
    before = counts()
    new_process(engine)
    with db() as s:
        answers(s, taxonomies)
    assert counts()[2:] == (before[2], before[3] + 1) and head["seq"] == seq


def test_postgresql_files_go_under_the_root_in_a_folder_of_the_database(db, engine, backend, taxonomies, synthetic,
                                                                        files, tmp_path):
    assert index_files.folder_for(create_engine("sqlite://")) is None  # in memory: nowhere
    if backend == "postgresql":
        assert files is not None and files.parent == tmp_path.resolve() and files.name.startswith("postgresql-")
        assert files.name.removeprefix("postgresql-") == index_files.identity(engine)
        index_files.enable(root=None)
        assert index_files.folder_for(engine) is None  # no root given: no files
        index_files.enable(root=tmp_path)
    index_files.enable(False)
    assert index_files.folder_for(engine) is None  # off unless `serve` (or a caller) turns it on
    index_files.enable()
    with db() as s:
        got = answers(s, taxonomies)
    assert got[0][0] == len(synthetic) - sum(1 for n in range(60) if n % 7 == 0)  # the active ones
    assert (files / "map.json").exists()


def _empty_the_log(db) -> None:
    """What a raw SQL loader leaves (bench/synthetic.py): the atlas's rows, no change log."""
    with db() as s:
        s.execute(text("DELETE FROM actor_change_log"))
        s.commit()
        assert atlas.latest_change(s) == 0


def test_an_atlas_whose_log_is_empty_saves_its_files_and_reads_them_back(db, engine, taxonomies, synthetic, files):
    _empty_the_log(db)
    with db() as s:
        built = answers(s, taxonomies)
    assert json.loads((files / "search-facets.json").read_text())["seq"] == 0
    assert json.loads((files / "map.json").read_text())["seq"] == 0
    before = counts()
    new_process(engine)
    with db() as s:
        assert answers(s, taxonomies) == built
    assert counts() == (before[0] + 1, before[1], before[2] + 1, before[3])  # read, not built


def test_files_of_an_empty_log_are_not_read_once_the_atlas_changed(db, engine, taxonomies, synthetic, files):
    _empty_the_log(db)
    with db() as s:
        answers(s, taxonomies)  # built and saved at seq 0
        s.execute(text("UPDATE sites SET region = '84' WHERE actor_id = :a"), {"a": synthetic[2]})
        s.execute(text("DELETE FROM actors WHERE id = :a"), {"a": synthetic[3]})  # a writer bypassing the log
        s.commit()
    before = counts()
    new_process(engine)
    with db() as s:
        loaded = answers(s, taxonomies)
    assert counts() == (before[0], before[1] + 1, before[2], before[3] + 1)  # another atlas: built
    same(loaded, in_memory(db, engine, taxonomies))
    with db() as s:  # then an edit through the application: the log's first row
        s.get(Actor, synthetic[1]).kind = "cdmo"
        s.commit()
    new_process(engine)
    with db() as s:
        loaded = answers(s, taxonomies)
        assert synthetic[1] in run(s, taxonomies, "", ActorFilter(kind=("cdmo",)), limit=100).ids
    same(loaded, in_memory(db, engine, taxonomies))


def test_files_far_behind_the_log_are_saved_again_once_caught_up(db, engine, taxonomies, synthetic, files,
                                                                monkeypatch):
    monkeypatch.setattr(live_index, "RESAVE_SHARE", 0.0)  # any tail is long: one edit is enough here
    with db() as s:
        answers(s, taxonomies)  # built and saved
        saved = atlas.latest_change(s)
        for n, actor_id in enumerate(synthetic[1:4]):
            actor = s.get(Actor, actor_id)
            actor.kind = "cdmo"
            actor.sites[0].region = "84" if n else None
        s.commit()
        latest = atlas.latest_change(s)
    assert latest > saved
    stats = index_cache.LIVE.stats, map_index.LIVE.stats
    before = [(x.loads, x.builds, x.resaves, x.absorbs) for x in stats]
    new_process(engine)  # a restart: the files are read, the tail absorbed, and saved again
    with db() as s:
        loaded = answers(s, taxonomies)
    assert [(x.loads, x.builds, x.resaves) for x in stats] == [(b[0] + 1, b[1], b[2] + 1) for b in before]
    assert json.loads((files / "search-facets.json").read_text())["seq"] == latest
    assert json.loads((files / "map.json").read_text())["seq"] == latest
    new_process(engine)  # the next restart has nothing to replay
    absorbs = [x.absorbs for x in stats]
    with db() as s:
        again = answers(s, taxonomies)
    assert [x.absorbs for x in stats] == absorbs
    expected = in_memory(db, engine, taxonomies)
    same(loaded, expected)
    same(again, expected)

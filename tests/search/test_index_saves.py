"""The index files kept near the change log by the task queue worker (`jobs.save_indexes`, each
room's `bioatlas_save_indexes`, `LiveIndex.save_behind`): a server running for weeks absorbs the
edits in memory only, so without it the next start replays every edit since the files were
written. Saved when due (so many rows behind, or the atlas quiet), by one writer at a time, never
going back to an older seq."""

from __future__ import annotations

import fcntl
import json
import logging
import multiprocessing
from datetime import datetime, timedelta, timezone

import pytest

from bioatlas.atlas import map_index
from bioatlas.atlas import service as atlas
from bioatlas.atlas.models import Actor
from bioatlas.core import index_files
from bioatlas.jobs import service as jobs
from bioatlas.resolve import service as resolve
from bioatlas.search import index_cache
from tests.jobs.helpers import Finished, consumer
from tests.search.test_index_files import answers, files, in_memory, new_process, same  # noqa: F401 (fixture)

NAMES = ("map", "search-facets", "resolver")


def _edit(db, ids) -> int:
    with db() as s:
        for actor_id in ids:
            s.get(Actor, actor_id).kind = "cdmo"
        s.commit()
        return atlas.latest_change(s)


def _seqs(folder) -> list[int]:
    return [json.loads((folder / f"{name}.json").read_text())["seq"] for name in NAMES]


def _start(db, engine, taxonomies) -> list:
    """A new process's start (`bioatlas serve`'s warm-up): every index read or built."""
    new_process(engine)
    resolve.LIVE.forget(engine)
    with db() as s:
        resolve.resolver_for(s)
        return answers(s, taxonomies)


def _stats():
    return [(x.stats.loads, x.stats.builds, x.stats.absorbs) for x in (index_cache.LIVE, map_index.LIVE, resolve.LIVE)]


@pytest.fixture
def worker_settings(settings, monkeypatch):
    """The worker's settings (files due as soon as they are behind), its queue configured."""
    chosen = settings.model_copy(update={"index_save_quiet": 0})
    monkeypatch.setattr(jobs, "_configured", None)
    jobs.configure(chosen)
    return chosen


def test_the_worker_saves_the_files_behind_the_log_and_the_next_start_replays_nothing(
        db, engine, taxonomies, synthetic, files, worker_settings):
    _start(db, engine, taxonomies)  # built and saved, as a first start does
    saved = _seqs(files)
    latest = _edit(db, synthetic[1:4])  # edits absorbed in memory by the running server
    assert latest > max(saved)
    queue = jobs.queue_for(worker_settings)
    finished = Finished(queue.huey)
    with consumer(queue, workers=1):  # the worker runs its task
        queue.enqueue("jobs.save_indexes")
        assert finished.wait(1)
    assert _seqs(files) == [latest] * 3
    before = _stats()
    loaded = _start(db, engine, taxonomies)  # the restart: files read, nothing to replay
    assert _stats() == [(loads + 1, builds, absorbs) for loads, builds, absorbs in before]
    same(loaded, in_memory(db, engine, taxonomies))


def test_files_are_saved_when_enough_edits_or_a_quiet_period_came(db, engine, taxonomies, synthetic, files, settings):
    _start(db, engine, taxonomies)
    latest = _edit(db, synthetic[1:3])
    new_process(engine)  # the worker holds no index
    rules = settings.model_copy(update={"index_save_edits": 1000, "index_save_quiet": 300})
    with db() as s:
        soon = atlas.files_due(s, settings=rules)
        later = atlas.files_due(s, settings=rules, now=datetime.now(timezone.utc) + timedelta(seconds=301))
        many = atlas.files_due(s, settings=rules.model_copy(update={"index_save_edits": 2}))
        assert map_index.LIVE.save_behind(s, due=soon) == "not due"
        assert index_cache.LIVE.save_behind(s, taxonomies, due=many) == "saved"
        assert map_index.LIVE.save_behind(s, due=later) == "saved"
        assert map_index.LIVE.save_behind(s, due=later) == "current"
    assert _seqs(files)[:2] == [latest, latest]
    assert map_index.LIVE.peek(engine) is None and index_cache.LIVE.peek(engine) is None  # read, then dropped


def test_one_writer_at_a_time_and_never_an_older_save(db, engine, taxonomies, synthetic, files, caplog):
    with db() as s:
        with map_index.current(s):
            pass  # built, saved
        first = atlas.latest_change(s)
    latest = _edit(db, synthetic[1:2])
    with db() as s, map_index.current(s) as index:
        held = map_index.LIVE._slots.slot(s).held
        assert held is not None and held.seq == latest and index is held.value
        with (files / ".map.lock").open("a") as other:  # another process writing the same files
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
            with caplog.at_level(logging.INFO, logger="bioatlas.core.index_files"):
                map_index.MapFiles().save(s, held, ())
            fcntl.flock(other, fcntl.LOCK_UN)
        assert index_files.saved_seq(s, "map") == first
        assert any("another process" in r.getMessage() for r in caplog.records)
        map_index.MapFiles().save(s, held, ())
        assert index_files.saved_seq(s, "map") == latest
        older = type(held)(held.value, first, held.mark)
        map_index.MapFiles().save(s, older, ())  # a writer that read the log before the last edit
        assert index_files.saved_seq(s, "map") == latest


def test_the_resolvers_files_are_read_and_saved_in_a_child_process(db, engine, taxonomies, synthetic, files,
                                                                    worker_settings, monkeypatch, caplog):
    """The worker's memory grew with each resolver save (its pickle read and written in the worker):
    the save runs in a child process, the worker reads no pickle and holds no resolver."""
    from bioatlas.resolve import plugin as resolve_plugin

    _start(db, engine, taxonomies)
    latest = _edit(db, synthetic[1:4])
    new_process(engine)
    resolve.LIVE.forget(engine)
    stats = resolve.LIVE.stats
    before = (stats.loads, stats.builds, stats.absorbs, stats.saves)

    def save():
        return resolve_plugin.bioatlas_save_indexes(sessions=db, settings=worker_settings)[resolve.LIVE.name]

    assert save() == "saved"
    assert (stats.loads, stats.builds, stats.absorbs, stats.saves) == before  # nothing read here
    assert resolve.LIVE.peek(engine) is None
    with db() as s:
        assert index_files.saved_seq(s, "resolver") == latest
    assert save() == "current"
    _edit(db, synthetic[4:5])
    monkeypatch.setattr(resolve.LIVE, "save_behind", lambda *a, **k: 1 / 0)  # the child fails
    with caplog.at_level(logging.ERROR):
        assert save() == "failed"
    assert any("child process failed" in r.getMessage() for r in caplog.records)


def test_a_resolver_save_child_that_never_answers_is_killed(monkeypatch, caplog):
    """A child forked while another worker thread held a lock may block for ever: past its wait it
    is killed and the save counted failed (the worker's task thread never waits for ever)."""
    import threading

    from bioatlas.resolve import save_apart

    def blocked(url, settings, send):  # as on a lock copied held at the fork: never released
        threading.Event().wait()

    monkeypatch.setattr(save_apart, "_child", blocked)
    monkeypatch.setattr(save_apart, "WAIT", 0.3)
    with caplog.at_level(logging.ERROR):
        assert save_apart.in_child("sqlite://", None) == "failed"
    assert any("no answer" in r.getMessage() for r in caplog.records)
    assert not [p for p in multiprocessing.active_children() if p.name == "resolver-save"]

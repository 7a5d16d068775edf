"""Nothing of a Tantivy engine outlives `forget` (docs/testing.md, "What outlives a test"): it
waits for the index's background rebuild, then closes the engine (index, reader, searchers) even
while something still holds it; the warning of a rebuild keeps no engine alive through the
exception it names; a pass that fails leaves no other running on the pool after its search."""

from __future__ import annotations

import gc
import logging
import shutil
import threading
import weakref

import pytest

from bioatlas.search import tantivy_index, tantivy_parallel
from tests.search.test_tantivy import names, on_tantivy, run  # noqa: F401 (fixture)


def test_forget_closes_the_engine_whoever_still_holds_it(db, eco, taxonomies, on_tantivy):
    with db() as s:
        run(s, taxonomies, "genop")
        held = tantivy_index.current(s, taxonomies)  # as a kept traceback or answer holds it
    assert held.index is not None and held.searcher is not None
    tantivy_index.forget(on_tantivy)
    assert held.index is None and held.searcher is None and held.memo is None  # the old code: still open
    with db() as s:
        assert names(s, run(s, taxonomies, "genop").ids) == ["Genopole"]
        assert tantivy_index.current(s, taxonomies) is not held


def test_a_rebuild_warning_keeps_no_engine_alive(db, eco, taxonomies, on_tantivy, caplog):
    shutil.rmtree(on_tantivy, ignore_errors=True)
    tantivy_index.forget(on_tantivy)
    with caplog.at_level(logging.WARNING, logger=tantivy_index.__name__), db() as s:
        run(s, taxonomies, "genop")  # missing: rebuilt, with a warning naming the index
        engine = weakref.ref(tantivy_index.current(s, taxonomies))
    said = [r for r in caplog.records if "unusable" in r.getMessage()]
    assert said and str(on_tantivy) in said[0].getMessage()
    tantivy_index.forget(on_tantivy)
    gc.collect()
    assert engine() is None  # the old code: kept by the logged exception's frames until the test ends


def test_a_failing_pass_leaves_none_running_after_its_search():
    second_started, first_failed = threading.Event(), threading.Event()
    ended = []

    def first():
        second_started.wait(10)
        first_failed.set()
        raise LookupError("first pass")

    def second():
        second_started.set()
        first_failed.wait(10)
        ended.append("second")

    started = tantivy_parallel.ahead([first, second])
    with pytest.raises(LookupError, match="first pass"):
        tantivy_parallel.join(started)
    assert ended == ["second"]  # waited for, not left running on the pool
    assert tantivy_parallel.running() == 0

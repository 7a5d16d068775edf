"""core/live_index.py with a change log of its own (no atlas): when an index is built, absorbed
or rebuilt; one per database, keyed by the Engine held weakly."""

from __future__ import annotations

import gc
import threading

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bioatlas.core import live_index
from bioatlas.core.live_index import LiveIndex, PerEngine


class Log:
    """A change log: entries (seq, actor id); `since` as atlas/changelog.py answers."""

    def __init__(self):
        self.entries: list[tuple[int, int]] = []
        self.oldest = 1
        self.generation = "a"  # what the row at a seq holds (a log emptied and refilled differs)

    def note(self, *actors: int) -> None:
        for a in actors:
            self.entries.append((self.latest() + 1, a))

    def latest(self, _session=None) -> int:
        return self.entries[-1][0] if self.entries else 0

    def since(self, _session, seq: int, limit: int):
        if seq < self.oldest - 1 or seq > self.latest():
            return None
        ids = {a for s, a in self.entries if s > seq}
        return None if len(ids) > limit else ids

    def mark(self, _session, seq: int):
        return (self.generation, seq)


class Recorder:
    def __init__(self, log: Log, name: str, limit=3, use_mark=False, absorb_ok=True):
        self.calls: list[tuple] = []
        self.absorb_ok = absorb_ok
        self.live = LiveIndex(name, build=self.build, absorb=self.absorb, latest=log.latest, since=log.since,
                              limit=limit, mark=log.mark if use_mark else None)

    def build(self, session, seq, previous, *extra):
        self.calls.append(("build", seq, extra))
        return {"seq": seq, "builds": (previous or {}).get("builds", 0) + 1, "changed": set()}

    def absorb(self, session, value, changed, seq, *extra):
        self.calls.append(("absorb", seq, frozenset(changed)))
        if not self.absorb_ok:
            return None
        return {**value, "seq": seq, "changed": value["changed"] | changed}


@pytest.fixture
def engine():
    eng = create_engine("sqlite://")
    yield eng
    eng.dispose()


def test_built_once_then_absorbs_the_changed_actors(engine):
    log = Log()
    rec = Recorder(log, "t-absorb")
    with Session(engine) as s:
        assert rec.live.get(s, "extra")["builds"] == 1
        assert rec.live.get(s, "extra")["builds"] == 1  # nothing changed: no call
        log.note(4, 5, 4)
        value = rec.live.get(s, "extra")
    assert value["changed"] == {4, 5} and value["seq"] == 3 and value["builds"] == 1
    assert rec.calls == [("build", 0, ("extra",)), ("absorb", 3, frozenset({4, 5}))]
    assert rec.live.stats.builds == 1 and rec.live.stats.absorbs == 1


def test_rebuilt_past_the_limit_when_pruned_or_when_absorb_declines(engine):
    log = Log()
    rec = Recorder(log, "t-rebuild", limit=2)
    with Session(engine) as s:
        rec.live.get(s)
        log.note(1, 2, 3)  # three actors > limit 2
        assert rec.live.get(s)["builds"] == 2
        log.note(9)
        log.oldest = log.latest() + 5  # pruned past the index's seq
        assert rec.live.get(s)["builds"] == 3
    declining = Recorder(log, "t-decline", absorb_ok=False)
    with Session(engine) as s:
        declining.live.get(s)
        log.oldest = 1
        log.note(7)
        assert declining.live.get(s)["builds"] == 2
    assert [c[0] for c in declining.calls] == ["build", "absorb", "build"]


def test_the_limit_may_be_read_at_each_refresh(engine):
    log, limits = Log(), [5]
    rec = Recorder(log, "t-limit", limit=lambda: limits[0])
    with Session(engine) as s:
        rec.live.get(s)
        log.note(1, 2)
        assert rec.live.get(s)["builds"] == 1
        limits[0] = 1
        log.note(3, 4)
        assert rec.live.get(s)["builds"] == 2


def test_a_refilled_log_with_another_row_at_the_same_seq_rebuilds(engine):
    log = Log()
    rec = Recorder(log, "t-mark", use_mark=True)
    with Session(engine) as s:
        log.note(1)
        rec.live.get(s)
        log.generation = "b"  # emptied and refilled up to the same seq
        assert rec.live.get(s)["builds"] == 2
        assert rec.live.get(s)["builds"] == 2


def test_one_index_per_engine_and_engines_are_not_kept_alive():
    log = Log()
    rec = Recorder(log, "t-engines")
    first, second = create_engine("sqlite://"), create_engine("sqlite://")
    with Session(first) as a, Session(second) as b:
        rec.live.get(a)
        rec.live.get(b)
        assert rec.live.peek(first) is not rec.live.peek(second)
        with first.connect() as conn:  # a Connection finds its engine's index
            assert rec.live.peek(conn) is rec.live.peek(first)
    assert live_index.held(first) == {"t-engines": rec.live.peek(first)}
    assert len(rec.live._slots) == 2
    first.dispose()
    del first, a, conn
    gc.collect()
    assert len(rec.live._slots) == 1  # the index went with its engine
    rec.live.forget(second)
    assert rec.live.peek(second) is None and len(rec.live._slots) == 0
    second.dispose()


def test_concurrent_first_uses_build_once_and_current_holds_the_lock(engine):
    log = Log()
    rec = Recorder(log, "t-threads")
    start = threading.Barrier(4)
    results = []

    def use():
        with Session(engine) as s:
            start.wait()
            with rec.live.current(s) as value:
                results.append(value)

    threads = [threading.Thread(target=use) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(results) == 4 and all(r is results[0] for r in results)
    assert [c[0] for c in rec.calls] == ["build"]
    slot = rec.live._slots.peek(engine)
    with Session(engine) as s, rec.live.current(s):
        acquired = []
        other = threading.Thread(target=lambda: acquired.append(slot.lock.acquire(timeout=0.05)))
        other.start()
        other.join()
        assert acquired == [False]  # a reader inside current() keeps refreshes out


def test_per_engine_slots_and_clear(engine):
    slots: PerEngine[list] = PerEngine(list)
    assert slots.peek(engine) is None
    slot = slots.slot(engine)
    with Session(engine) as s:
        assert slots.slot(s) is slot
    slots.clear()
    assert slots.peek(engine) is None and len(slots) == 0

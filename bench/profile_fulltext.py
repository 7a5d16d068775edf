"""Where `search()`'s time goes at scale, per query (issue 19, item 3): the queries of
bench/fulltext.py (same synthetic atlas, same filters in turn), each asked once under cProfile
after a warm-up, then the slowest ones with the cumulative time of each phase.

    .venv/bin/python bench/profile_fulltext.py --actors 1000000 --queries 60 --slowest 10

Phases (cumulative, so a phase's callees are inside it): the freshness checks (the facet index's
and the Tantivy index's look at the change log), the typo check (`Backend.correct`), the exact
names (`service._exact`), the engine's total, top-k and facet counts, the place in the text.

With `--calls` (no cProfile), each search is timed whole and each engine call inside it on its
own: the total (`total`, `total prefix`: a prefix's first read), the page (`top`), the matches'
counts (`counts`), each selected facet's pass without its own clause (`without <facet>`) and the
filters' base counts (`base`, kept per searcher); `rest` is the search minus those calls.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import pct  # noqa: E402

PHASES = {  # label: (file suffix, function name)
    "facet index fresh": ("search/index_cache.py", "current"),
    "tantivy fresh": ("search/tantivy_index.py", "current"),
    "typo check": ("search/backends.py", "correct"),
    "exact names": ("search/service.py", "_exact"),
    "engine total": ("search/tantivy_search.py", "answer"),
    "top-k": ("search/tantivy_search.py", "top"),
    "facet counts": ("search/tantivy_search.py", "counts"),
    "closest (any word)": ("search/service.py", "_closest"),
    "place": ("search/places.py", "extract_place"),
}


def phases(stats: pstats.Stats) -> dict[str, float]:
    out = dict.fromkeys(PHASES, 0.0)
    for (filename, _, name), (_, _, _, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        for label, (suffix, fn) in PHASES.items():
            if name == fn and filename.endswith(suffix):
                out[label] += cumulative
    return out


class CallTimer:
    """Times the engine calls of `search/tantivy_search.py` by label while installed."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float]] = []
        self.saved: list[tuple[object, str, object]] = []

    def _wrap(self, owner, name: str, label) -> None:
        original = getattr(owner, name)
        calls = self.calls

        def timed(*args, **kwargs):
            t = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                calls.append((label(*args, **kwargs), time.perf_counter() - t))

        self.saved.append((owner, name, original))
        setattr(owner, name, timed)

    def __enter__(self) -> CallTimer:
        from bioatlas.search import tantivy_search as ts

        self._wrap(ts, "_total", lambda searcher, found, with_counts: "total prefix" if found.prefix else "total")
        self._wrap(ts.Answer, "_top", lambda *a, **k: "top")
        self._wrap(ts.Answer, "_aggregated", lambda *a, **k: "counts")
        self._wrap(ts.Answer, "_without", lambda self, searcher, facet: f"without {facet}")
        self._wrap(ts.Answer, "base", lambda *a, **k: "base")
        return self

    def __exit__(self, *exc) -> None:
        for owner, name, original in reversed(self.saved):
            setattr(owner, name, original)


def run_calls(n: int, seed: int, k: int, slowest: int) -> None:
    """Each search of bench/fulltext.py asked once (a new query: `first_ask`), with the time of
    each engine call; the slowest searches listed call by call, then the sum of each call."""
    from bench.fulltext import filters_of, first_ask
    from bench.search import build, queries
    from bioatlas.atlas.taxonomy import load_taxonomies
    from bioatlas.core.db import make_engine, make_sessionmaker
    from bioatlas.search import index_cache, tantivy_index, tantivy_search
    from bioatlas.search.service import search

    path, _ = build(n, seed, False)
    taxonomies = load_taxonomies()
    factory = make_sessionmaker(make_engine(f"sqlite:///{path}"))
    qs = [q for q, _ in queries(path, seed, k)]
    with factory() as session:
        index_cache.current(session, taxonomies)
        engine = tantivy_index.current(session, taxonomies)
        tantivy_search.prime(engine, taxonomies)
    gc.freeze()  # as `bioatlas serve` does after its warm-up
    print(f"segments {engine.searcher.num_segments}, documents {engine.searcher.num_docs:,}; "
          f"load average before {open('/proc/loadavg').read().split()[0]}")
    rows = []
    for number, q in enumerate(qs):
        f, scale = filters_of(number)
        with factory() as session, CallTimer() as timer:
            first_ask(engine)
            t = time.perf_counter()
            result = search(session, q=q, f=f, taxonomies=taxonomies, mode="fulltext", limit=20, scale=scale)
            wall = time.perf_counter() - t
        rows.append((wall, number, q, result.total, list(timer.calls)))
    walls = [r[0] for r in rows]
    print(f"\n{n:,} synthetic actors, {len(qs)} queries, first ask each, load average after "
          f"{open('/proc/loadavg').read().split()[0]}; p50 {statistics.median(walls) * 1000:.1f} ms, "
          f"p95 {pct(walls, 95) * 1000:.1f} ms, mean {statistics.fmean(walls) * 1000:.1f} ms")
    for wall, number, q, found, calls in sorted(rows, reverse=True)[:slowest]:
        kind = ("none", "kind+region", "scale")[number % 3]
        rest = wall - sum(s for _, s in calls)
        parts = ", ".join(f"{label} {s * 1000:.1f}" for label, s in calls)
        print(f"  {wall * 1000:6.1f} ms  {q!r} [{kind}] total {found:,}: {parts}, rest {rest * 1000:.1f}")
    sums: dict[str, float] = {}
    for _, _, _, _, calls in rows:
        for label, s in calls:
            sums[label] = sums.get(label, 0.0) + s
    print("  all: wall {:.0f} ms; ".format(sum(walls) * 1000) + ", ".join(f"{k} {v * 1000:.0f}" for k, v in sums.items()))


def run(n: int, seed: int, k: int, slowest: int, top_functions: int, again: bool) -> None:
    from bench.fulltext import filters_of
    from bench.search import build, queries
    from bioatlas.atlas.taxonomy import load_taxonomies
    from bioatlas.core.db import make_engine, make_sessionmaker
    from bioatlas.search import index_cache, tantivy_index, tantivy_search
    from bioatlas.search.service import search

    path, _ = build(n, seed, False)
    taxonomies = load_taxonomies()
    factory = make_sessionmaker(make_engine(f"sqlite:///{path}"))
    qs = [q for q, _ in queries(path, seed, k)]
    with factory() as session:
        t = time.perf_counter()
        index_cache.current(session, taxonomies)
        tantivy_search.prime(tantivy_index.current(session, taxonomies), taxonomies)
        print(f"warm-up (facet index + default counts) {time.perf_counter() - t:.1f} s")
    rows = []
    total: pstats.Stats | None = None
    for number, q in enumerate(qs):
        f, scale = filters_of(number)
        profile = cProfile.Profile()
        with factory() as session:
            if again:  # the same search asked before: its total, counts and page from the memo
                search(session, q=q, f=f, taxonomies=taxonomies, mode="fulltext", limit=20, scale=scale)
            t = time.perf_counter()
            profile.enable()
            result = search(session, q=q, f=f, taxonomies=taxonomies, mode="fulltext", limit=20, scale=scale)
            profile.disable()
            wall = time.perf_counter() - t
        stats = pstats.Stats(profile)
        rows.append((wall, number, q, result.total, result.match, phases(stats)))
        total = stats if total is None else total.add(stats)
    walls = [r[0] for r in rows]
    print(f"\n{n:,} synthetic actors, {len(qs)} queries, {'second' if again else 'first'} ask each (profiled: times inflated), "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
          f"p50 {statistics.median(walls) * 1000:.1f} ms, p95 {pct(walls, 95) * 1000:.1f} ms")
    labels = [label for label in PHASES if any(r[5][label] for r in rows)]
    print("  " + " | ".join(["ms", "query", "filter", "total", *labels]))
    for wall, number, q, found, match, ph in sorted(rows, reverse=True)[:slowest]:
        kind = ("none", "kind+region", "scale")[number % 3]
        cells = [f"{wall * 1000:.0f}", repr(q), kind, f"{found:,} ({match})", *(f"{ph[label] * 1000:.0f}" for label in labels)]
        print("  " + " | ".join(cells))
    sums = {label: sum(r[5][label] for r in rows) for label in labels}
    print(f"  all {len(rows)}: wall {sum(walls) * 1000:.0f} ms; " + ", ".join(f"{k} {v * 1000:.0f}" for k, v in sums.items()))
    if top_functions and total is not None:
        total.sort_stats("cumulative").print_stats(top_functions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actors", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--slowest", type=int, default=10)
    parser.add_argument("--again", action="store_true", help="profile each search asked a second time (memo hits)")
    parser.add_argument("--functions", type=int, default=0, help="also print the top functions of all searches")
    parser.add_argument("--calls", action="store_true", help="time each engine call of each search (no cProfile)")
    args = parser.parse_args()
    if args.calls:
        run_calls(args.actors, args.seed, args.queries, args.slowest)
        return
    run(args.actors, args.seed, args.queries, args.slowest, args.functions, args.again)


if __name__ == "__main__":
    main()

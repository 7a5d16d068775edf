"""Full text with facets at scale, in-process: the FTS5 anchor and Tantivy on the same synthetic
atlas (bench/synthetic.py via bench/search.py's build, labelled synthetic), same queries, same run.

    .venv/bin/python bench/fulltext.py --actors 200000 1000000 --queries 60

Per size, p50/p95 (ms) and their ratio to the anchor of the same run, and the p50/p95 of this
process's CPU time (a search runs on one thread: on a busy machine, the wall time minus the
waits for a core), of:
- `fts5 bm25 top-20` (the anchor): raw SQL, `ORDER BY rank LIMIT 20` on the FTS5 table;
- `search() fts5` (`--with-fts5`): the atlas's search (`search.service.search`, full text, with
  facets) on FTS5: every match scored, then filters, top-k and facet counts in numpy;
- `tantivy top-20 + facets`: the engine alone (`tantivy_search.answer` with counts, as `search()`
  asks it: total, top-20, facet and scale aggregations);
- `search() tantivy, numpy path`: the atlas's search reading every Tantivy match and its BM25
  into numpy (the code before issue 19's engine path; `tantivy_search.supports` forced False);
- `search() tantivy`: the atlas's search answered by the engine (`search/tantivy_search.py`);
- `search() tantivy, asked again`: the same search right after (total, facet counts and page
  from the memo kept per query and searcher).
Each timed step but the last asks as a new query would: the answers kept for the query by the
steps before it are forgotten first (`first_ask`; until 2026-12-06 21:15 UTC the step
`search() tantivy` found the page, total and counts kept by `tantivy top-20 + facets` and timed
a memo hit; until 2026-12-07 03:40 UTC it still found the matches' counts of a prefix kept by
that step, so its figures were partly memo hits). The filters' base counts stay, as in a
running server.
Each query runs, in turn, with no filter, a kind + region filter, or a scale filter (two ranges).
With `--geo`, each query is also asked with a map area (in turn a box around Lyon and the Rhône
valley, or 30 km around Lyon): `search() box/radius, numpy path` (every match's sites tested in
numpy, the code before) and `search() box/radius, engine` (the area as map cells in the query).
After the warm-up (the default view's counts, the facet index) the objects made so far are frozen
out of the cyclic collector's reach, as `bioatlas serve` does (`--no-freeze`: not; a full
collection then walks them, ~100 ms at 1M, inside whichever search triggers it).
The Tantivy index is built (timed) on first use beside the atlas file (a cached synthetic atlas:
bench/.data, which may be a link to /tmp).
`--slowest N`: also the N slowest `search() tantivy` (by CPU time), each with its wall and CPU time.
"""

from __future__ import annotations

import argparse
import gc
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import pct  # noqa: E402


AREAS = [{"bbox": (4.0, 45.0, 6.0, 46.5)}, {"near": (45.7578, 4.832), "radius_km": 30.0}]


def filters_of(number: int):
    """The filters of the query `number`: in turn none, a kind + region, two scale ranges."""
    from bioatlas.atlas.filters import ActorFilter

    f = ActorFilter(kind=("company",), region=("84",)) if number % 3 == 1 else ActorFilter()
    scale = ("10-200", "200-2000") if number % 3 == 2 else ()
    return f, scale


def first_ask(engine) -> None:
    """Forget the answers kept for the queries asked so far (totals, counts, pages, the words'
    names frequencies: the memo of `tantivy_search`), so that the next timed
    step asks the engine as a new query would; the filters' base counts stay (kept per filter set
    and index state, as in a running server)."""
    memo = engine.memo
    if memo is not None:
        for key in [k for k in memo[1] if k[0] in ("total", "counts", "top", "matched", "without", "names-df")]:
            del memo[1][key]


def run(n: int, seed: int, k: int, with_fts5: bool = False, with_geo: bool = False, numpy_path: bool = True,
        freeze: bool = True, slowest: int = 0) -> None:
    from bench.search import build, queries
    from bioatlas.atlas.taxonomy import load_taxonomies
    from bioatlas.core.db import make_engine, make_sessionmaker
    from bioatlas.search import backends, index_cache, tantivy_index
    from bioatlas.search.params import Geo
    from bioatlas.search.service import search
    from bioatlas.search.text import parse_query
    from bioatlas.search.vocabulary import expand

    from bioatlas.search import tantivy_search

    path, _ = build(n, seed, False)
    taxonomies = load_taxonomies()
    factory = make_sessionmaker(make_engine(f"sqlite:///{path}"))
    qs = [q for q, _ in queries(path, seed, k)]
    with factory() as session:
        built = None
        state = tantivy_index.index_dir(session) / "state.json"
        if not state.exists() or f'"schema": {tantivy_index.SCHEMA_VERSION}' not in state.read_text():
            built = tantivy_index.rebuild(session, taxonomies)
        engine = tantivy_index.current(session, taxonomies)
    started = time.perf_counter()
    tantivy_search.prime(engine, taxonomies)  # as the server's warm-up does: the default view's counts
    primed = time.perf_counter() - started
    with factory() as session:  # the in-memory facet index, loaded by the warm-up too (not timed as a search)
        index_cache.current(session, taxonomies)
    if freeze:  # as `bioatlas serve` does after its warm-up (web/warm_up.py): a full collection then
        gc.freeze()  # walks only what was made since, not the indexes (~100 ms pauses at 1M otherwise)
    size = sum(f.stat().st_size for f in engine.path.iterdir() if f.is_file())
    names = ["fts5 bm25 top-20", *(["search() fts5"] if with_fts5 else []), "tantivy top-20 + facets",
             *(["search() tantivy, numpy path"] if numpy_path else []), "search() tantivy", "search() tantivy, asked again",
             *(["search() box/radius, numpy path", "search() box/radius, engine"] if with_geo else [])]
    times: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}  # this process's CPU time (one thread: wall on a quiet machine)
    raw = sqlite3.connect(path)
    sqlite_backend = backends.SQLiteBackend()
    supports = tantivy_search.supports
    for number, q in enumerate(qs):
        f, scale = filters_of(number)
        terms = parse_query(q)
        expand(terms, taxonomies)
        with factory() as session:
            sqlite_backend.correct(session, terms)
        expr = sqlite_backend.expression(terms)
        t, c = time.perf_counter(), time.process_time()
        raw.execute("SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY bm25(search_fts, 10.0, 1.0) "
                    "LIMIT 20", (expr,)).fetchall()
        times["fts5 bm25 top-20"].append(time.perf_counter() - t)
        cpu["fts5 bm25 top-20"].append(time.process_time() - c)
        first_ask(engine)
        t, c = time.perf_counter(), time.process_time()
        found = tantivy_search.answer(engine, tantivy_index.Query.of(terms), f, taxonomies, scale, with_counts=True)
        found.top(20, 0)
        found.counts(f, taxonomies)
        times["tantivy top-20 + facets"].append(time.perf_counter() - t)
        cpu["tantivy top-20 + facets"].append(time.process_time() - c)
        runs = [*([("search() tantivy, numpy path", "tantivy", False)] if numpy_path else []), ("search() tantivy", "tantivy", True)]
        if with_geo:
            runs += [("search() box/radius, numpy path", "tantivy", False), ("search() box/radius, engine", "tantivy", True)]
        for name, backend, engine_path in [*([("search() fts5", "fts5", False)] if with_fts5 else []), *runs]:
            geo = Geo(**AREAS[number % 2]) if "box" in name else Geo()
            backends.use_engine(backend)
            tantivy_search.supports = supports if engine_path else (lambda *a: False)
            try:
                with factory() as session:
                    first_ask(engine)
                    t, c = time.perf_counter(), time.process_time()
                    search(session, q=q, f=f, taxonomies=taxonomies, mode="fulltext", limit=20, scale=scale, geo=geo)
                    times[name].append(time.perf_counter() - t)
                    cpu[name].append(time.process_time() - c)
                    if name == "search() tantivy":  # the same search again: total and counts from the memo
                        t, c = time.perf_counter(), time.process_time()
                        search(session, q=q, f=f, taxonomies=taxonomies, mode="fulltext", limit=20, scale=scale)
                        times["search() tantivy, asked again"].append(time.perf_counter() - t)
                        cpu["search() tantivy, asked again"].append(time.process_time() - c)
            finally:
                tantivy_search.supports = supports
    raw.close()
    print(f"\n{n:,} synthetic actors, {len(qs)} queries (a third each: no filter, kind + region, scale), "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (a shared, busy machine)")
    if built:
        print(f"  Tantivy index built: {built['documents']:,} documents in {built['seconds']} s")
    print(f"  Tantivy index size: {size / 2**20:,.0f} MiB; atlas file {path.stat().st_size / 2**20:,.0f} MiB; "
          f"warm-up counts {primed * 1000:.0f} ms")
    anchor = times["fts5 bm25 top-20"]
    a50, a95 = statistics.median(anchor), pct(anchor, 95)
    for name, values in times.items():
        p50, p95 = statistics.median(values), pct(values, 95)
        mean = statistics.fmean(values)
        print(f"  {name:<30} p50 {p50 * 1000:>8.1f} ms   p95 {p95 * 1000:>8.1f} ms   mean {mean * 1000:>8.1f} ms   "
              f"ratio to the anchor p50 {p50 / a50:>5.2f}  p95 {p95 / a95:>5.2f}  mean {mean / statistics.fmean(anchor):>5.2f}   "
              f"cpu p50 {statistics.median(cpu[name]) * 1000:>6.1f} p95 {pct(cpu[name], 95) * 1000:>6.1f} ms")
    if slowest:
        print(f"  the {slowest} slowest `search() tantivy` by CPU (wall / CPU ms):")
        rows = sorted(zip(cpu["search() tantivy"], times["search() tantivy"], range(len(qs))), reverse=True)[:slowest]
        for c, w, number in rows:
            print(f"    {w * 1000:7.1f} / {c * 1000:6.1f}  {qs[number]!r} [{('none', 'kind+region', 'scale')[number % 3]}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actors", type=int, nargs="+", default=[200_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--with-fts5", action="store_true", help="also time search() on FTS5 (slow at scale)")
    parser.add_argument("--geo", action="store_true", help="also time searches with a box or radius, both paths")
    parser.add_argument("--no-numpy-path", action="store_true",
                        help="leave out `search() tantivy, numpy path` (every match read into numpy: ~25 s at 1M)")
    parser.add_argument("--no-freeze", action="store_true",
                        help="leave the warm-up's objects to the cyclic collector (`serve` freezes them)")
    parser.add_argument("--slowest", type=int, default=0, help="also list the N slowest `search() tantivy` (CPU)")
    args = parser.parse_args()
    for n in args.actors:
        run(n, args.seed, args.queries, args.with_fts5, args.geo, not args.no_numpy_path, not args.no_freeze, args.slowest)


if __name__ == "__main__":
    main()

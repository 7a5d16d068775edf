"""Full text with facets at scale, in-process: the FTS5 anchor and Tantivy on the same synthetic
atlas (bench/synthetic.py via bench/search.py's build, labelled synthetic), same queries, same run.

    .venv/bin/python bench/fulltext.py --actors 200000 1000000 --queries 60

Per size, p50/p95 (ms) of:
- `fts5 bm25 top-20`: raw SQL, `ORDER BY rank LIMIT 20` on the FTS5 table (the engine alone);
- `search() fts5`: the atlas's search (`search.service.search`, full text, with facets) on FTS5:
  every match scored, then filters, top-k and facet counts in numpy;
- `tantivy top-20 + facets`: the engine's own top-k (block-max WAND) with the count and the
  facet counts as terms aggregations (`tantivy_index.Engine.top`);
- `search() tantivy`: the atlas's search on the Tantivy backend (every match and its BM25 read
  from Tantivy, then the same numpy path).
The Tantivy index is built (timed) on first use beside the atlas file.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p / 100 * len(values)) - 1))]


def run(n: int, seed: int, k: int) -> None:
    from bench.search import build, queries
    from bioatlas.atlas.filters import ActorFilter
    from bioatlas.atlas.taxonomy import load_taxonomies
    from bioatlas.core.db import make_engine, make_sessionmaker
    from bioatlas.search import backends, tantivy_index
    from bioatlas.search.service import search
    from bioatlas.search.text import parse_query
    from bioatlas.search.vocabulary import expand

    path, _ = build(n, seed, False)
    taxonomies = load_taxonomies()
    factory = make_sessionmaker(make_engine(f"sqlite:///{path}"))
    qs = [q for q, _ in queries(path, seed, k)]
    with factory() as session:
        built = None
        if not tantivy_index.index_dir(session).exists():
            built = tantivy_index.rebuild(session, taxonomies)
        engine = tantivy_index.current(session, taxonomies)
    size = sum(f.stat().st_size for f in engine.path.iterdir() if f.is_file())
    times: dict[str, list[float]] = {"fts5 bm25 top-20": [], "search() fts5": [], "tantivy top-20 + facets": [],
                                     "search() tantivy": []}
    raw = sqlite3.connect(path)
    sqlite_backend = backends.SQLiteBackend()
    for q in qs:
        terms = parse_query(q)
        expand(terms, taxonomies)
        with factory() as session:
            sqlite_backend.correct(session, terms)
        expr = sqlite_backend.expression(terms)
        t = time.perf_counter()
        raw.execute("SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY bm25(search_fts, 10.0, 1.0) "
                    "LIMIT 20", (expr,)).fetchall()
        times["fts5 bm25 top-20"].append(time.perf_counter() - t)
        t = time.perf_counter()
        engine.top(tantivy_index.Query.of(terms), k=20)
        times["tantivy top-20 + facets"].append(time.perf_counter() - t)
        for name in ("fts5", "tantivy"):
            backends.use_engine(name)
            with factory() as session:
                t = time.perf_counter()
                search(session, q=q, f=ActorFilter(), taxonomies=taxonomies, mode="fulltext", limit=20)
                times[f"search() {name}"].append(time.perf_counter() - t)
    raw.close()
    print(f"\n{n:,} synthetic actors, {len(qs)} queries, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    if built:
        print(f"  Tantivy index built: {built['documents']:,} documents in {built['seconds']} s")
    print(f"  Tantivy index size: {size / 2**20:,.0f} MiB; atlas file {path.stat().st_size / 2**20:,.0f} MiB")
    for name, values in times.items():
        print(f"  {name:<26} p50 {statistics.median(values) * 1000:>8.1f} ms   p95 {pct(values, 95) * 1000:>8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actors", type=int, nargs="+", default=[200_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=60)
    args = parser.parse_args()
    for n in args.actors:
        run(n, args.seed, args.queries)


if __name__ == "__main__":
    main()

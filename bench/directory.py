"""The directory's facet counts (/actors, /api/v1/facets) at scale: the atlas's SQL (the reference,
`atlas.queries.facet_counts` and the total) against the search's in-memory facet index (hook
`bioatlas_view_counts`, issue 19), on the synthetic atlas of bench/search.py (labelled synthetic),
same views, same run, with an anchor measured in the same run: the raw sqlite3 count of the
active actors (`SELECT count(*) FROM actors WHERE status = 'active'`).

    .venv/bin/python bench/directory.py --actors 200000

The machine is shared: quote the ratios to the anchor, the absolute figures move with the load.
The in-memory index is built once (timed) before the views are counted.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actors", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each view by the SQL path (slow)")
    parser.add_argument("--listing-only", action="store_true",
                        help="only the listing (count + first page in name order) against the anchor")
    args = parser.parse_args()

    from bench.search import build
    from bioatlas.atlas import queries
    from bioatlas.atlas.filters import ActorFilter
    from bioatlas.atlas.taxonomy import load_taxonomies
    from bioatlas.core.db import make_engine, make_sessionmaker
    from bioatlas.search import facets, index_cache

    path, _ = build(args.actors, args.seed, False)
    taxonomies = load_taxonomies()
    factory = make_sessionmaker(make_engine(f"sqlite:///{path}"))
    views = [ActorFilter(), ActorFilter(kind=("company",)), ActorFilter(modality=("cell_therapy",), region=("84",))]
    raw = sqlite3.connect(path)
    times: dict[str, list[float]] = {"anchor: sqlite3 count(*) active": [], "SQL facet counts + total": [],
                                     "in-memory index (hook)": []}
    view_names = ["none", "kind", "modality + region"]
    for v in view_names:
        times[f"listing {v}: count + page 1"], times[f"listing {v}: count + page 3"] = [], []
    built = 0.0
    if not args.listing_only:
        with factory() as s:
            t = time.perf_counter()
            index_cache.current(s, taxonomies)
            built = time.perf_counter() - t
    for _ in range(args.repeat):
        for view_name, f in zip(view_names, views):
            t = time.perf_counter()
            raw.execute("SELECT count(*) FROM actors WHERE status = 'active'").fetchone()
            times["anchor: sqlite3 count(*) active"].append(time.perf_counter() - t)
            with factory() as s:
                for page, label in ((0, f"listing {view_name}: count + page 1"), (100, f"listing {view_name}: count + page 3")):
                    t = time.perf_counter()
                    queries.list_actors(s, f=f, taxonomies=taxonomies, limit=50, offset=page)
                    times[label].append(time.perf_counter() - t)
                if args.listing_only:
                    continue
                t = time.perf_counter()
                queries.facet_counts(s, f=f, taxonomies=taxonomies)
                queries.list_actors(s, f=f, taxonomies=taxonomies, limit=1)
                times["SQL facet counts + total"].append(time.perf_counter() - t)
                for _ in range(5):
                    t = time.perf_counter()
                    facets.view_counts(s, view=f, taxonomies=taxonomies)
                    times["in-memory index (hook)"].append(time.perf_counter() - t)
    raw.close()
    print(f"\n{args.actors:,} synthetic actors, views: none, kind, modality + region; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (a shared, busy machine)")
    if built:
        print(f"  in-memory facet index built in {built:.1f} s (once per process, before serving)")
    anchor = statistics.median(times["anchor: sqlite3 count(*) active"])
    for name, values in times.items():
        if not values:
            continue
        p50 = statistics.median(values)
        print(f"  {name:<34} median {p50 * 1000:>9.1f} ms  max {max(values) * 1000:>9.1f} ms  "
              f"ratio to the anchor {p50 / anchor:>7.1f}")


if __name__ == "__main__":
    main()

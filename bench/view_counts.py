"""The count of a filtered directory view (`atlas.queries.count_actors`, the total of /actors and
/api/v1/actors) per filter, against an anchor measured in the same run: sqlite3's count(*) of the
active actors. Prints each view's plan (EXPLAIN QUERY PLAN), median and ratio to the anchor.

    .venv/bin/python bench/view_counts.py --database bench/.data/search-200000-1.sqlite3

Run it on a copy of the database before and after a migration (the plans change with the indexes);
the machine is shared: quote the ratios, the absolute figures move with the load.
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
sys.path.insert(0, os.environ.get("BENCH_SRC", str(ROOT / "src")))

VIEWS = {  # name -> filter parameters (synthetic atlas codes)
    "kind": {"kind": ("company",)},
    "gmp": {"gmp": ("gmp_clinical",)},
    "modality (a parent: 4 codes)": {"modality": ("cell_therapy",)},
    "modality (a leaf)": {"modality": ("mab",)},
    "step": {"step": ("upstream",)},
    "region": {"region": ("84",)},
    "kind + département": {"kind": ("startup",), "departement": ("69",)},
    "modality + region": {"modality": ("cell_therapy",), "region": ("84",)},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="an SQLite atlas (read only)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--plans", action="store_true", help="print each view's plan")
    args = parser.parse_args()

    from sqlalchemy import func, select
    from sqlalchemy.dialects import sqlite as sqlite_dialect

    from bioatlas.atlas.filters import ActorFilter, conditions
    from bioatlas.atlas.models import Actor
    from bioatlas.atlas.taxonomy import load_taxonomies

    taxonomies = load_taxonomies()
    raw = sqlite3.connect(f"file:{args.database}?mode=ro", uri=True)
    anchor_sql = "SELECT count(*) FROM actors WHERE status = 'active'"
    sqls = {}
    for name, params in VIEWS.items():
        stmt = select(func.count()).select_from(select(Actor.id).where(*conditions(ActorFilter(**params), taxonomies)).subquery())
        sqls[name] = str(stmt.compile(dialect=sqlite_dialect.dialect(), compile_kwargs={"literal_binds": True}))
    times: dict[str, list[float]] = {"anchor": [], **{name: [] for name in sqls}}
    counts = {}
    load = [os.getloadavg()[0]]
    for _ in range(args.repeat):
        for name, sql in (("anchor", anchor_sql), *sqls.items()):
            t = time.perf_counter()
            counts[name] = raw.execute(sql).fetchone()[0]
            times[name].append(time.perf_counter() - t)
    load.append(os.getloadavg()[0])
    anchor = statistics.median(times["anchor"])
    print(f"{args.database}: {counts['anchor']:,} active actors; load average {load[0]:.1f} -> {load[1]:.1f} "
          f"on {os.cpu_count()} CPUs; {args.repeat} runs each")
    for name, values in times.items():
        p50 = statistics.median(values)
        print(f"  {name:<30} {counts[name]:>9,} actors  median {p50 * 1000:>8.1f} ms  ratio to the anchor {p50 / anchor:>6.1f}")
        if args.plans and name != "anchor":
            for row in raw.execute("EXPLAIN QUERY PLAN " + sqls[name]):
                print(f"      {row[3]}")
    raw.close()


if __name__ == "__main__":
    main()

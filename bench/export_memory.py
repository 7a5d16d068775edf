"""Peak memory of an export at scale, whole against streamed (issue 19): each run is a child
process (its own peak RSS, `ru_maxrss`) exporting the default view of the synthetic atlas of
bench/search.py (labelled synthetic) to /dev/null:
- `anchor`: the same imports and session, the view's ids read, nothing exported (the floor);
- `whole`: `exporter.export_actors`, the file built in memory (what /api/v1/export answered before);
- `streamed`: `exporter.stream_in_session`, 64 KiB pieces written as they come (the API and CLI now).

    .venv/bin/python bench/export_memory.py --actors 200000 --formats csv geojson

Printed per run: peak RSS, its excess over the anchor, the file size, wall and CPU seconds. The
machine is shared and busy: times move with the load; the memory figures do not.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))


def child(path: str, fmt: str, how: str) -> None:
    from bioatlas.atlas.export_rows import view_ids
    from bioatlas.atlas.exporter import export_actors, stream_in_session
    from bioatlas.atlas.filters import ActorFilter
    from bioatlas.atlas.taxonomy import load_taxonomies
    from bioatlas.core.db import make_engine, make_sessionmaker

    taxonomies = load_taxonomies()
    factory = make_sessionmaker(make_engine(f"sqlite:///{path}"))
    started, cpu = time.perf_counter(), time.process_time()
    size = 0
    with open(os.devnull, "wb") as sink:
        if how == "anchor":
            with factory() as s:
                size = len(view_ids(s, f=ActorFilter(), taxonomies=taxonomies))
        elif how == "whole":
            with factory() as s:
                body = export_actors(s, f=ActorFilter(), taxonomies=taxonomies, fmt=fmt)
            sink.write(body)
            size = len(body)
        else:
            for piece in stream_in_session(factory, f=ActorFilter(), taxonomies=taxonomies, fmt=fmt):
                sink.write(piece)
                size += len(piece)
    print(json.dumps({"rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "size": size,
                      "wall": time.perf_counter() - started, "cpu": time.process_time() - cpu}))


def run(path: Path, fmt: str, how: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", str(path), fmt, how], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actors", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--formats", nargs="+", default=["csv", "geojson"], choices=["csv", "json", "geojson", "xlsx"])
    args = parser.parse_args()
    from bench.search import build

    path, _ = build(args.actors, args.seed, False)
    anchor = run(path, "csv", "anchor")
    print(f"\n{args.actors:,} synthetic actors, default view; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs (a shared, busy machine)")
    print(f"  anchor (imports, session, {anchor['size']:,} ids read): peak RSS {anchor['rss']:,.0f} MiB")
    for fmt in args.formats:
        for how in ("whole", "streamed"):
            r = run(path, fmt, how)
            print(f"  {fmt:<8} {how:<9} peak RSS {r['rss']:>7,.0f} MiB (+{r['rss'] - anchor['rss']:>6,.0f} over the anchor)"
                  f"  file {r['size'] / 2**20:>6,.1f} MiB  wall {r['wall']:>6.1f} s  CPU {r['cpu']:>6.1f} s", flush=True)


if __name__ == "__main__":
    main()

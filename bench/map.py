"""Map at scale: viewport clusters from the in-memory map index on n synthetic actors
(1,000,000 by default), checked cell by cell against SQL and in total against npm `supercluster`.

    .venv/bin/python bench/map.py                      # n = 1,000,000, seed 1
    .venv/bin/python bench/map.py --n 200000 --repeat 30

The atlas is `bench.synthetic.scratch_atlas(n, seed)` (shared with bench/search.py, built once),
copied to bench/.data/map-work-{n}-{seed}.sqlite3 and migrated, since this benchmark writes (one
edit, then its undoing). Prints, in one run: the load average; the index build time and the
process RSS before/after; for zooms 5, 8 and 11 (1280 × 800 CSS-pixel views centred on real
places) the in-process time of `atlas.clusters.viewport_geojson` (p50, p95 over every view and
repeat), the largest payload, the features; the same views with a kind filter and a modality
filter (first, uncached call; then cached p50/p95); the cost of absorbing one edit (a site
moved through the ORM, seen through the change log at the next request); then the checks.
Goals: p95 ≤ 50 ms, payload ≤ 100 KB, counts exact.

Checks: (1) every view's clusters equal, cell by cell, a GROUP BY over the sites in SQL (the
previous implementation); (2) the sites in the box — the sum of our cluster counts — equal
exactly the points supercluster's own index finds in the box; the numbers of features of both
clusterings and supercluster's clustered total are printed side by side (a grid and a greedy
radius clustering do not assign points alike, so per-cluster membership is not compared).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sqlite3
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from bench.synthetic import DATA_DIR, scratch_atlas

VIEW_W, VIEW_H = 1280, 800
# (zoom, [(name, latitude, longitude)]): real places of the communes file
CENTRES = {
    5: [("France", 46.6, 2.5), ("France (west)", 46.8, 0.5), ("France (east)", 46.4, 4.5)],
    8: [("Lyon", 45.76, 4.84), ("Paris", 48.86, 2.35), ("Toulouse", 43.60, 1.44), ("Strasbourg", 48.58, 7.75),
        ("Nantes", 47.22, -1.55), ("Limousin", 45.83, 1.26)],
    11: [("Paris", 48.86, 2.35), ("Lyon", 45.76, 4.84), ("Marseille", 43.30, 5.37), ("Grenoble", 45.19, 5.72),
         ("Évry", 48.63, 2.44), ("Tours", 47.39, 0.69), ("Guéret", 46.17, 1.87)],
}


def bbox_of(lat: float, lon: float, zoom: int) -> list[float]:
    """The box a VIEW_W × VIEW_H map centred there shows at that zoom (512-px tiles)."""
    world = 512 * 2 ** zoom
    x = (lon + 180) / 360 * world
    s = math.sin(math.radians(lat))
    y = (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * world

    def lat_of(py: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * py / world))))

    return [round((x - VIEW_W / 2) / world * 360 - 180, 6), round(lat_of(y + VIEW_H / 2), 6),
            round((x + VIEW_W / 2) / world * 360 - 180, 6), round(lat_of(y - VIEW_H / 2), 6)]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def export_points(path: Path) -> Path:
    """The located sites of active actors as float64 (lon, lat) pairs for node."""
    out = path.with_suffix(".points.f64")
    if out.exists():
        return out
    with sqlite3.connect(path) as conn, open(f"{out}.tmp", "wb") as fh:
        cur = conn.execute(
            "SELECT s.longitude, s.latitude FROM sites s JOIN actors a ON a.id = s.actor_id "
            "WHERE a.status = 'active' AND s.latitude IS NOT NULL AND s.longitude IS NOT NULL"
        )
        while chunk := cur.fetchmany(100_000):
            fh.write(struct.pack(f"<{2 * len(chunk)}d", *(v for pair in chunk for v in pair)))
    os.replace(f"{out}.tmp", out)
    return out


def reference(points: Path, rows: list[dict]) -> dict:
    views = DATA_DIR / "map-views.json"
    views.write_text(json.dumps([{"bbox": r["bbox"], "zoom": r["zoom"]} for r in rows]))
    started = time.perf_counter()
    done = subprocess.run(
        ["node", str(ROOT / "bench" / "supercluster_reference.mjs"), str(points), str(views)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )
    result = json.loads(done.stdout)
    result["wall_s"] = time.perf_counter() - started
    return result




def rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def work_copy(n: int, seed: int) -> Path:
    """A migrated copy of the scratch atlas, which this benchmark may edit (the original stays as
    the search benchmark expects it)."""
    from bioatlas.core import migrate
    from bioatlas.core.db import make_engine

    path = DATA_DIR / f"map-work-{n}-{seed}.sqlite3"
    if not path.exists():
        source = scratch_atlas(n, seed)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        with sqlite3.connect(source) as src, sqlite3.connect(tmp) as dst:
            src.backup(dst)
        tmp.rename(path)
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


def views() -> list[tuple[int, str, list[float]]]:
    return [(zoom, name, bbox_of(lat, lon, zoom)) for zoom, centres in CENTRES.items() for name, lat, lon in centres]


def timed(session, taxonomies, f, zoom, bbox) -> tuple[float, dict, int]:
    from bioatlas.atlas import clusters

    view = clusters.parse_viewport(",".join(map(str, bbox)), zoom)
    started = time.perf_counter()
    body = clusters.viewport_geojson(session, view, f=f, taxonomies=taxonomies, lang="fr")
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return (time.perf_counter() - started) * 1000, body, len(payload)


def measure(factory, taxonomies, f, repeat: int) -> list[dict]:
    rows = []
    with factory() as session:
        for zoom, name, bbox in views():
            times = []
            for _ in range(repeat):
                ms, body, size = timed(session, taxonomies, f, zoom, bbox)
                times.append(ms)
            rows.append({"zoom": zoom, "name": name, "bbox": bbox, "times": times, "bytes": size,
                         "features": len(body["features"]), "total": body["total"], "mode": body["mode"], "body": body})
    return rows


def table(title: str, rows: list[dict]) -> None:
    print(f"\n{title}\n")
    print("| zoom | views | p50 ms | p95 ms | max payload KB | features (max) | goal |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for zoom in CENTRES:
        mine = [r for r in rows if r["zoom"] == zoom]
        times = [t for r in mine for t in r["times"]]
        p50, p95 = statistics.median(times), percentile(times, 95)
        kb = max(r["bytes"] for r in mine) / 1000
        ok = "met" if p95 <= 50 and kb <= 100 else "missed"
        print(f"| {zoom} | {len(mine)} | {p50:.1f} | {p95:.1f} | {kb:.1f} | {max(r['features'] for r in mine)} | {ok} |")


def sql_check(factory, taxonomies, rows: list[dict], f) -> int:
    """Views whose clusters equal a GROUP BY over the sites in SQL (cell, count, mean position)."""
    from sqlalchemy import func, select

    from bioatlas.atlas import clusters
    from bioatlas.atlas.filters import conditions
    from bioatlas.atlas.models import Actor, Site

    equal = 0
    with factory() as session:
        for r in rows:
            view = clusters.parse_viewport(",".join(map(str, r["bbox"])), r["zoom"])
            column = getattr(Site, f"cell_g{view.grid}")
            expected = {int(c): (n, lat, lon) for c, n, lat, lon in session.execute(
                select(column, func.count(), func.avg(Site.latitude), func.avg(Site.longitude))
                .join(Actor, Actor.id == Site.actor_id)
                .where(*conditions(f, taxonomies), Site.latitude.between(view.south, view.north),
                       Site.longitude.between(view.west, view.east)).group_by(column))}
            if r["mode"] == "points":
                ok = r["total"] == sum(n for n, _, _ in expected.values())
            else:
                got = {x["properties"]["cell"]: (x["properties"]["count"], *x["geometry"]["coordinates"][::-1])
                       for x in r["body"]["features"]}
                ok = set(got) == set(expected) and all(
                    got[c][0] == n and abs(got[c][1] - lat) <= 1e-5 and abs(got[c][2] - lon) <= 1e-5
                    for c, (n, lat, lon) in expected.items())
            equal += ok
    return equal


def filtered(factory, taxonomies, f, repeat: int) -> tuple[float, list[dict]]:
    """The first call of a new filter (actor ids read, prefix sums built), then the cached views."""
    with factory() as session:
        first, _, _ = timed(session, taxonomies, f, 5, views()[0][2])
    return first, measure(factory, taxonomies, f, repeat)


def absorb_edit(factory, taxonomies) -> list[str]:
    """Move one Paris site to Dijon through the ORM, time the next request (the change log says
    which actor changed; its sites are re-read), check the Paris view lost it; then move it back."""
    from sqlalchemy import select

    from bioatlas.atlas import map_index
    from bioatlas.atlas.filters import ActorFilter
    from bioatlas.atlas.models import Site

    paris = bbox_of(48.86, 2.35, 11)
    lines = []
    with factory() as session:
        steady, before, _ = timed(session, taxonomies, ActorFilter(), 11, paris)
        site = session.scalars(select(Site).where(Site.commune_insee == "75104").limit(1)).one()
        where = (site.latitude, site.longitude)
    for label, (lat, lon), delta in (("moved out of the view", (47.3220, 5.0415), -1), ("moved back", where, 0)):
        with factory() as session:
            session.info["search_reindexing"] = session.info["semantic_embedding"] = True  # map only
            edited = session.get(Site, site.id)
            edited.latitude, edited.longitude = lat, lon
            session.commit()
        with factory() as session:
            ms, body, _ = timed(session, taxonomies, ActorFilter(), 11, paris)
            again, _, _ = timed(session, taxonomies, ActorFilter(), 11, paris)
            with map_index.current(session) as index:
                builds, delta_sites = index.generation, len(index.delta)
        ok = body["total"] == before["total"] + delta
        lines.append(f"edit ({label}): next request {ms:.1f} ms (steady {steady:.1f} ms, then {again:.1f} ms); "
                     f"Paris z11 total {before['total']:,} -> {body['total']:,} ({'exact' if ok else 'WRONG'}); "
                     f"index builds {builds}, delta sites {delta_sites}")
    return lines


def main(argv: list[str] | None = None) -> None:
    from bioatlas.core import listeners

    listeners.install()  # change log, search documents, vectors
    parser = argparse.ArgumentParser(description="viewport clusters at scale")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    from bioatlas.atlas import map_index
    from bioatlas.atlas.filters import ActorFilter
    from bioatlas.atlas.taxonomy import load_taxonomies
    from bioatlas.core.db import make_engine, make_sessionmaker

    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    started = time.perf_counter()
    path = work_copy(args.n, args.seed)
    with sqlite3.connect(path) as conn:
        sites = conn.execute("SELECT count(*) FROM sites").fetchone()[0]
    print(f"atlas: {path} ({args.n:,} synthetic actors, {sites:,} sites; ready in {time.perf_counter() - started:.1f} s)")
    engine = make_engine(f"sqlite:///{path}")
    factory = make_sessionmaker(engine)
    taxonomies = load_taxonomies()
    rss = rss_mib()
    with factory() as session:
        with map_index.current(session) as index:
            print(f"index: {len(index.base):,} located sites built in {index.built_seconds:.2f} s; "
                  f"RSS {rss:,.0f} -> {rss_mib():,.0f} MiB")
        first, _, _ = timed(session, taxonomies, ActorFilter(), 5, views()[0][2])
        print(f"first unfiltered request (the default filter's prefix sums built): {first:.0f} ms; "
              f"RSS {rss_mib():,.0f} MiB")

    rows = measure(factory, taxonomies, ActorFilter(), args.repeat)
    table("Unfiltered (active actors)", rows)
    for label, f in (("kind=cdmo", ActorFilter(kind=("cdmo",))), ("modality=viral_vector", ActorFilter(modality=("viral_vector",)))):
        first, frows = filtered(factory, taxonomies, f, args.repeat)
        table(f"Filter {label}: first (uncached) call {first:.0f} ms, then cached", frows)
        print(f"filter {label}: SQL check {sql_check(factory, taxonomies, frows, f)}/{len(frows)} views equal")
    with factory() as session, map_index.current(session) as index:
        print(f"\nfilter states cached: {len(index.cache)}; RSS now {rss_mib():,.0f} MiB")
    print()
    for line in absorb_edit(factory, taxonomies):
        print(line)

    sql_equal = sql_check(factory, taxonomies, rows, ActorFilter())
    points = export_points(path)
    ref = reference(points, rows)
    print(f"\nsupercluster: {ref['points']:,} points indexed in {ref['load_ms'] / 1000:.1f} s "
          f"(node run {ref['wall_s']:.1f} s)\n")
    print("| view | zoom | mode | sites in box | supercluster in box | features | supercluster features | supercluster clustered total |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r, v in zip(rows, ref["views"]):
        print(f"| {r['name']} | {r['zoom']} | {r['mode']} | {r['total']:,} | {v['in_bbox']:,} | {r['features']} "
              f"| {v['features']} | {v['clustered_total']:,} |")
    sc_equal = sum(1 for r, v in zip(rows, ref["views"]) if r["total"] == v["in_bbox"])
    print(f"\ncounts check: SQL GROUP BY equal in {sql_equal}/{len(rows)} views; "
          f"supercluster totals equal in {sc_equal}/{len(rows)} views")
    print("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    engine.dispose()
    if sql_equal != len(rows) or sc_equal != len(rows):
        sys.exit(1)


if __name__ == "__main__":
    main()

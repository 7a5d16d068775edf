"""Map at scale: viewport clusters on n synthetic actors (1,000,000 by default), against npm
`supercluster` run by node on the same points.

    .venv/bin/python bench/map.py                      # n = 1,000,000, seed 1 (atlas built once, cached)
    .venv/bin/python bench/map.py --n 100000 --repeat 30

Prints, for zooms 5, 8 and 11 (viewports of 1280 × 800 CSS pixels centred on real places):
the in-process time of `atlas.clusters.viewport_geojson` (p50, p95 over every view and repeat),
the payload (JSON bytes, largest), the features; then the reference check, the cell indexes'
build time and the database size. Goals: p95 ≤ 50 ms, payload ≤ 100 KB.

Reference check (what is compared): for every view, (1) the sites in the box — the sum of our
cluster counts — must equal exactly the points supercluster's own index finds in the box; (2) the
number of features of both clusterings, and supercluster's clustered total (its clusters whose
centre falls in the box), are printed side by side: a grid and a greedy radius clustering do not
assign points alike, so per-cluster membership is not compared, only totals.
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

from bench.synthetic import DATA_DIR, synthetic_sqlite

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


def map_atlas(n: int, seed: int) -> Path:
    """A migrated SQLite atlas with the actors and sites of `generate_actors(n, seed)` (only
    those two tables: what the map reads), built on first use under bench/.data/.

    The full bulk loader (`synthetic.synthetic_sqlite`) also writes names, identifiers,
    capabilities, provenance and history; on this shared 2-core machine it ran at 400–1,100
    actors/s, too slow for a 1M run within the session. Here the rows go straight to SQLite
    (executemany); the cells are still computed by the migration's triggers, as on any write."""
    from bench.synthetic import SOURCE, generate_actors
    from bioatlas.atlas.cells import GRIDS
    from bioatlas.core import migrate
    from bioatlas.core.db import make_engine
    from bioatlas.core.text import fold

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / f"map-{n}-{seed}.sqlite3"
    if path.exists():
        return path
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    engine = make_engine(f"sqlite:///{tmp}")
    migrate.upgrade(engine)
    engine.dispose()
    started = time.perf_counter()
    conn = sqlite3.connect(tmp)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    for g in GRIDS:  # built afterwards (and timed) by index_build
        conn.execute(f"DROP INDEX ix_sites_cell_g{g}")
    now = "2026-11-22 00:00:00.000000"
    source_id = conn.execute("INSERT INTO sources (key, title, kind, created_at) VALUES (?, ?, ?, ?)",
                             (SOURCE.key, SOURCE.title, SOURCE.kind, now)).lastrowid
    actors, sites = [], []
    for actor_id, r in enumerate(generate_actors(n, seed), 1):
        actors.append((actor_id, r.name, fold(r.name), r.kind, "active", r.description_fr, r.description_en,
                       r.scale_litres, r.gmp, now, now))
        for site in r.sites:
            sites.append((actor_id, site.role, site.postcode, site.commune_insee, site.commune_name, site.departement,
                          site.region, site.country, site.latitude, site.longitude, source_id))
        if len(actors) >= 50_000 or actor_id == n:
            conn.executemany("INSERT INTO actors (id, name, name_key, kind, status, description_fr, description_en, "
                             "scale_litres, gmp, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", actors)
            conn.executemany("INSERT INTO sites (actor_id, role, postcode, commune_insee, commune_name, departement, "
                             "region, country, latitude, longitude, source_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)", sites)
            conn.commit()
            actors, sites = [], []
            rate = actor_id / (time.perf_counter() - started)
            print(f"  {actor_id:>9,} actors  {rate:,.0f} rows/s", flush=True)
    conn.close()
    tmp.rename(path)
    return path


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def measure(path: Path, repeat: int) -> list[dict]:
    from bioatlas.atlas import clusters
    from bioatlas.atlas.filters import ActorFilter
    from bioatlas.atlas.taxonomy import load_taxonomies
    from bioatlas.core.db import make_engine, make_sessionmaker

    engine = make_engine(f"sqlite:///{path}")
    factory = make_sessionmaker(engine)
    taxonomies = load_taxonomies()
    rows = []
    with factory() as session:
        for zoom, centres in CENTRES.items():
            for name, lat, lon in centres:
                bbox = bbox_of(lat, lon, zoom)
                view = clusters.parse_viewport(",".join(map(str, bbox)), zoom)
                times, body = [], None
                for _ in range(repeat):
                    started = time.perf_counter()
                    body = clusters.viewport_geojson(session, view, f=ActorFilter(), taxonomies=taxonomies, lang="fr")
                    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
                    times.append((time.perf_counter() - started) * 1000)
                rows.append({"zoom": zoom, "name": name, "bbox": bbox, "times": times, "bytes": len(payload),
                             "features": len(body["features"]), "total": body["total"], "mode": body["mode"]})
    engine.dispose()
    return rows


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


def index_build(path: Path) -> tuple[float, int, int]:
    """Seconds to build the 7 cell indexes again (dropped first), their pages × page size, file size."""
    from bioatlas.atlas.cells import GRIDS

    with sqlite3.connect(path) as conn:
        for g in GRIDS:
            conn.execute(f"DROP INDEX IF EXISTS ix_sites_cell_g{g}")
        conn.commit()
        started = time.perf_counter()
        for g in GRIDS:
            conn.execute(f"CREATE INDEX ix_sites_cell_g{g} ON sites (cell_g{g}, latitude, longitude, actor_id)")
        conn.commit()
        seconds = time.perf_counter() - started
        try:
            index_bytes = conn.execute(
                "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'ix_sites_cell_g%'").fetchone()[0] or 0
        except sqlite3.OperationalError:  # SQLite built without dbstat
            index_bytes = -1
        conn.execute("ANALYZE")
    return seconds, index_bytes, path.stat().st_size


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="viewport clusters at scale")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--full-loader", action="store_true",
                        help="build the atlas with the full bulk loader (every table; slow) instead of actors + sites")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    path = synthetic_sqlite(args.n, args.seed, search_index=False) if args.full_loader else map_atlas(args.n, args.seed)
    print(f"atlas: {path} ({args.n:,} synthetic actors; ready in {time.perf_counter() - started:.1f} s)")
    seconds, index_bytes, size = index_build(path)
    with sqlite3.connect(path) as conn:
        sites = conn.execute("SELECT count(*) FROM sites").fetchone()[0]
    print(f"sites: {sites:,}; cell indexes (7 grids) built in {seconds:.1f} s, "
          f"{index_bytes / 2**20:.0f} MiB; database {size / 2**20:.0f} MiB")

    rows = measure(path, args.repeat)
    points = export_points(path)
    ref = reference(points, rows)
    print(f"supercluster: {ref['points']:,} points indexed in {ref['load_ms'] / 1000:.1f} s "
          f"(node run {ref['wall_s']:.1f} s)")
    print()
    print("| zoom | views | p50 ms | p95 ms | max payload KB | features (max) | sites in box = supercluster | goal |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    all_equal = True
    for zoom in CENTRES:
        mine = [r for r in rows if r["zoom"] == zoom]
        times = [t for r in mine for t in r["times"]]
        p50, p95 = statistics.median(times), percentile(times, 95)
        kb = max(r["bytes"] for r in mine) / 1000
        equal = sum(1 for r, v in zip(rows, ref["views"]) if r["zoom"] == zoom and r["total"] == v["in_bbox"])
        all_equal &= equal == len(mine)
        ok = "met" if p95 <= 50 and kb <= 100 else "missed"
        print(f"| {zoom} | {len(mine)} | {p50:.1f} | {p95:.1f} | {kb:.1f} | {max(r['features'] for r in mine)} "
              f"| {equal}/{len(mine)} | {ok} |")
    print()
    print("| view | zoom | mode | sites in box | supercluster in box | features | supercluster features | supercluster clustered total |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r, v in zip(rows, ref["views"]):
        print(f"| {r['name']} | {r['zoom']} | {r['mode']} | {r['total']:,} | {v['in_bbox']:,} | {r['features']} "
              f"| {v['features']} | {v['clustered_total']:,} |")
    print()
    print("counts check:", "every view equal" if all_equal else "MISMATCH")
    if not all_equal:
        sys.exit(1)


if __name__ == "__main__":
    main()

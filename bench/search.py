"""Full-text search at scale: synthetic actors (bench/synthetic.py, labelled synthetic), index
build time and size, top-20 with facets in-process against the same query as raw SQLite FTS5,
and HTTP search under concurrent load.

    .venv/bin/python bench/search.py                   # 1,000,000 actors
    .venv/bin/python bench/search.py --actors 20000    # a quick run
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "bench" / ".data"
TOPICS = ["anticorps monoclonaux", "viral vectors", "thérapie cellulaire", "vaccins", "gene therapy", "CDMO",
          "bioproduction", "protéines recombinantes", "contrôle qualité", "fill and finish", "ARN messager",
          "plasmide", "thérapie génique", "cell therapy", "bioréacteur"]
PLACES = ["Lyon", "Toulouse", "Strasbourg", "Marseille", "Nantes", "Lille", "Bordeaux", "Évry", "Dijon", "Rennes"]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p / 100 * len(values)) - 1))]


def search_atlas(n: int, seed: int) -> Path:
    """A migrated SQLite atlas holding the facts the search reads of `generate_actors(n, seed)`:
    actors, names (acronyms), sites and capabilities, written straight to SQLite (executemany),
    built once under bench/.data/. Identifiers, provenance and history (which the search does not
    read) are left out: the full bulk loader writes them too, at ~300-1,000 actors/s on this
    machine, too slow for 1,000,000 actors."""
    from bench.synthetic import SOURCE, generate_actors
    from bioatlas.atlas.writer import wanted_names
    from bioatlas.core import migrate
    from bioatlas.core.db import make_engine
    from bioatlas.core.text import fold

    path = DATA / f"search-atlas-{n}-{seed}.sqlite3"
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
    cell_indexes = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_sites_cell_g%'")]
    for name in cell_indexes:  # rebuilt once at the end
        conn.execute(f"DROP INDEX {name}")
    now = "2026-11-22 00:00:00.000000"
    sid = conn.execute("INSERT INTO sources (key, title, kind, created_at) VALUES (?, ?, ?, ?)",
                       (SOURCE.key, SOURCE.title, SOURCE.kind, now)).lastrowid
    actors, names, sites, caps = [], [], [], []
    for actor_id, r in enumerate(generate_actors(n, seed), 1):
        actors.append((actor_id, r.name, fold(r.name), r.kind, "active", r.description_fr, r.description_en,
                       r.scale_litres, r.gmp, now, now))
        for type_, value, lang in wanted_names(r, r.name):
            names.append((actor_id, type_, value, fold(value), lang, sid))
        for site in r.sites:
            sites.append((actor_id, site.role, site.postcode, site.commune_insee, site.commune_name, site.departement,
                          site.region, site.country, site.latitude, site.longitude, sid))
        for facet, codes in r.capabilities.items():
            caps.extend((actor_id, facet, code, sid) for code in sorted(set(codes)))
        if len(actors) >= 50_000 or actor_id == n:
            conn.executemany("INSERT INTO actors (id, name, name_key, kind, status, description_fr, description_en, "
                             "scale_litres, gmp, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", actors)
            conn.executemany("INSERT INTO actor_names (actor_id, type, value, value_key, lang, source_id) "
                             "VALUES (?,?,?,?,?,?)", names)
            conn.executemany("INSERT INTO sites (actor_id, role, postcode, commune_insee, commune_name, departement, "
                             "region, country, latitude, longitude, source_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)", sites)
            conn.executemany("INSERT INTO actor_capabilities (actor_id, facet, code, source_id) VALUES (?,?,?,?)", caps)
            conn.commit()
            actors, names, sites, caps = [], [], [], []
            print(f"  {actor_id:>9,} actors written  {actor_id / (time.perf_counter() - started):,.0f} actors/s",
                  flush=True)
    for name in cell_indexes:
        g = name.rsplit("_g", 1)[1]
        conn.execute(f"CREATE INDEX {name} ON sites (cell_g{g}, latitude, longitude, actor_id)")
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()
    tmp.rename(path)
    print(f"atlas written in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def build(n: int, seed: int, rebuild: bool) -> tuple[Path, dict]:
    """A copy of the synthetic atlas (without search documents) with its search index built (timed)."""
    path = DATA / f"search-{n}-{seed}.sqlite3"
    if path.exists() and not rebuild:
        return path, {"index_seconds": None, "size_before": None}
    source = search_atlas(n, seed)
    final, path = path, path.with_suffix(f".tmp{os.getpid()}")  # renamed into place once indexed
    shutil.copyfile(source, path)
    size_before = path.stat().st_size
    from bioatlas.core.db import make_engine, make_sessionmaker
    from bioatlas.search.index import counts, reindex_all

    engine = make_engine(f"sqlite:///{path}")
    session = make_sessionmaker(engine)()
    start = time.perf_counter()
    done = [0]

    def progress(k: int) -> None:
        done[0] += k
        if done[0] % 100_000 < k:
            print(f"  indexed {done[0]:>9,}  {done[0] / (time.perf_counter() - start):,.0f} actors/s", flush=True)

    reindex_all(session, progress=progress)
    session.commit()
    seconds = time.perf_counter() - start
    print(f"index built: {counts(session)} in {seconds:.1f} s")
    session.close()
    engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    for leftover in (Path(f"{final}-wal"), Path(f"{final}-shm")):
        leftover.unlink(missing_ok=True)
    path.replace(final)
    return final, {"index_seconds": seconds, "size_before": size_before}


def queries(path: Path, seed: int, k: int) -> list[tuple[str, dict]]:
    """(query, filters): exact names, name prefixes as typed, typos, topics, topic + place, with facets."""
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    top = conn.execute("SELECT max(id) FROM actors").fetchone()[0]
    names = []
    while len(names) < k:
        row = conn.execute("SELECT name FROM actors WHERE id = ?", (rng.randint(1, top),)).fetchone()
        if row:
            names.append(row[0])
    conn.close()
    out: list[tuple[str, dict]] = []
    for i, name in enumerate(names):
        words = [w for w in name.split() if len(w) >= 5] or name.split()
        word = rng.choice(words)
        kind = i % 5
        if kind == 0:
            out.append((name, {}))
        elif kind == 1:
            out.append((word[: max(3, len(word) - 2)], {}))  # typing
        elif kind == 2:
            j = rng.randrange(2, len(word)) if len(word) > 2 else 0
            out.append((word[:j] + word[j + 1 :] if j else word, {}))  # a letter dropped
        elif kind == 3:
            out.append((rng.choice(TOPICS) + " " + rng.choice(PLACES), {}))
        else:
            out.append((rng.choice(TOPICS), {"region": (rng.choice(["11", "84", "76", "44", "32"]),)}))
    return out


def in_process(path: Path, qs) -> dict:
    from bioatlas.atlas.filters import ActorFilter
    from bioatlas.atlas.taxonomy import load_taxonomies
    from bioatlas.core.db import make_engine, make_sessionmaker
    from bioatlas.search.backends import Backend
    from bioatlas.search.service import search
    from bioatlas.search.text import parse_query

    taxonomies = load_taxonomies()
    session = make_sessionmaker(make_engine(f"sqlite:///{path}"))()
    raw = sqlite3.connect(path)
    backend = Backend("sqlite")
    ours, ours_nofacets, fts, totals = [], [], [], []
    for q, filters in qs:
        f = ActorFilter(q=q, **filters)
        search(session, q=q, f=f, taxonomies=taxonomies, mode="fulltext")  # warm the page cache
        t = time.perf_counter()
        r = search(session, q=q, f=f, taxonomies=taxonomies, mode="fulltext", limit=20)
        ours.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        search(session, q=q, f=f, taxonomies=taxonomies, mode="fulltext", limit=20, with_facets=False)
        ours_nofacets.append((time.perf_counter() - t) * 1000)
        totals.append(r.total)
        if len(totals) % 10 == 0:
            print(f"  {len(totals)} queries, last {q!r}: {r.total:,} matches, {ours[-1]:.0f} ms", flush=True)
        terms = parse_query(q)
        backend.correct(session, terms)
        expr = backend.expression(terms, any_=r.match == "any")
        t = time.perf_counter()
        raw.execute("SELECT rowid, bm25(search_fts, 10.0, 1.0) AS r FROM search_fts WHERE search_fts MATCH ? "
                    "ORDER BY r LIMIT 20", (expr,)).fetchall()
        fts.append((time.perf_counter() - t) * 1000)
    session.close()
    return {"ours": ours, "ours_nofacets": ours_nofacets, "fts": fts, "totals": totals}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def load_test(base: str, qs, clients: int, per_client: int) -> tuple[list[float], int, int]:
    import httpx

    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        async def worker(w: int) -> None:
            nonlocal errors
            for i in range(per_client):
                q, filters = qs[(w * per_client + i) % len(qs)]
                params = {"q": q, "mode": "fulltext", **{k: v[0] for k, v in filters.items()}}
                t = time.perf_counter()
                try:
                    r = await client.get("/api/v1/search", params=params)
                    if r.status_code != 200:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append((time.perf_counter() - t) * 1000)

        await asyncio.gather(*(worker(w) for w in range(clients)))
    return latencies, errors, clients * per_client


def http(path: Path, qs, clients: int, per_client: int) -> dict:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    server = subprocess.Popen([sys.executable, "-m", "bioatlas", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import httpx

        for _ in range(240):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v1/search/suggest?q=ab", timeout=10).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            raise SystemExit("the server did not answer within 2 minutes")
        start = time.perf_counter()
        latencies, errors, total = asyncio.run(load_test(f"http://127.0.0.1:{port}", qs, clients, per_client))
        return {"latencies": latencies, "errors": errors, "requests": total, "seconds": time.perf_counter() - start}
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actors", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=10, help="requests per client")
    parser.add_argument("--rebuild", action="store_true", help="build the search index again")
    parser.add_argument("--no-http", action="store_true")
    args = parser.parse_args(argv)
    import bioatlas.search  # noqa: F401  (the index hooks)

    DATA.mkdir(parents=True, exist_ok=True)
    print(f"bench/search.py: {args.actors:,} synthetic actors (seed {args.seed}), {os.cpu_count()} CPUs")
    path, built = build(args.actors, args.seed, args.rebuild)
    qs = queries(path, args.seed, args.queries)
    r = in_process(path, qs)
    rows = [("index build", f"{built['index_seconds']:.1f} s" if built["index_seconds"] else "(reused)", "")]
    size = path.stat().st_size / 2**20
    before = f" (atlas without index {built['size_before'] / 2**20:,.0f} MiB)" if built["size_before"] else ""
    rows.append(("database size", f"{size:,.0f} MiB{before}", ""))
    for label, key in (("top-20 + facets", "ours"), ("top-20, no facets", "ours_nofacets"), ("raw FTS5 top-20", "fts")):
        v = r[key]
        rows.append((label + " p50 / p95", f"{statistics.median(v):.1f} / {pct(v, 95):.1f} ms", "goal p95 ≤ 50 ms" if key == "ours" else ""))
    rows.append(("ratio p95 ours / raw FTS5", f"{pct(r['ours'], 95) / pct(r['fts'], 95):.1f} (no facets "
                 f"{pct(r['ours_nofacets'], 95) / pct(r['fts'], 95):.1f})", "goal ≤ 2"))
    rows.append(("matches per query median / max", f"{statistics.median(r['totals']):,.0f} / {max(r['totals']):,}", ""))
    width = max(len(a) for a, _, _ in rows)
    for a, b, c in rows:
        print(f"  {a:<{width}}  {b:<32} {c}", flush=True)
    rows = []
    if not args.no_http:
        h = http(path, qs, args.clients, args.requests)
        lat = h["latencies"]
        rows.append((f"HTTP {args.clients} clients p50 / p95", f"{statistics.median(lat):.0f} / {pct(lat, 95):.0f} ms",
                     "goal p95 ≤ 150 ms"))
        rows.append(("HTTP requests / errors", f"{h['requests']} / {h['errors']} ({h['requests'] / h['seconds']:.0f} req/s)",
                     "goal 0 errors"))
    for a, b, c in rows:
        print(f"  {a:<{width}}  {b:<32} {c}")


if __name__ == "__main__":
    main()

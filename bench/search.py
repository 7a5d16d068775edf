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
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import DATA, PLACES, ROOT, TOPICS, free_port, pct, rss_mib  # noqa: E402,F401
from bench.common import cpu_seconds as _cpu_seconds  # noqa: E402
from bench.common import load_average as _load  # noqa: E402
from bench.common import stop_server, wait_warm as _wait_warm  # noqa: E402


def search_atlas(n: int, seed: int) -> Path:
    """The scratch atlas shared with the map benchmark (see bench/synthetic.py:scratch_atlas)."""
    from bench.synthetic import scratch_atlas

    return scratch_atlas(n, seed)


def build(n: int, seed: int, rebuild: bool) -> tuple[Path, dict]:
    """A copy of the synthetic atlas (without search documents) with its search index built (timed)."""
    from bioatlas.core import migrate
    from bioatlas.core.db import make_engine, make_sessionmaker

    path = DATA / f"search-{n}-{seed}.sqlite3"
    if path.exists() and not rebuild:
        engine = make_engine(f"sqlite:///{path}")
        migrate.upgrade(engine)
        engine.dispose()
        return path, {"index_seconds": None, "size_before": None}
    source = search_atlas(n, seed)
    final, path = path, path.with_suffix(f".tmp{os.getpid()}")  # renamed into place once indexed
    shutil.copyfile(source, path)
    size_before = path.stat().st_size
    from bioatlas.search.index import counts
    from bioatlas.search.index import rebuild as rebuild_index

    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)  # the cached atlas may predate the latest migrations (change log)
    factory = make_sessionmaker(engine)
    start = time.perf_counter()
    done = [0]

    def progress(k: int) -> None:
        done[0] += k
        if done[0] % 100_000 < k:
            print(f"  indexed {done[0]:>9,}  {done[0] / (time.perf_counter() - start):,.0f} actors/s", flush=True)

    rebuild_index(factory, progress=progress)  # one transaction, FTS5 built beside the atlas (search.fts_build)
    seconds = time.perf_counter() - start
    session = factory()
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


def memory_index(path: Path) -> tuple[dict, object]:
    """Build the in-memory facet index of this process (time, RSS before/after, array bytes), then
    edit one actor through the ORM five times and time how long the next search's refresh takes."""
    from sqlalchemy import func, select

    from bioatlas.atlas.models import Actor, Capability, Source
    from bioatlas.atlas.taxonomy import load_taxonomies
    from bioatlas.core.db import make_engine, make_sessionmaker
    from bioatlas.search import index_cache

    taxonomies = load_taxonomies()
    fresh_process = _index_in_fresh_process(path)
    factory = make_sessionmaker(make_engine(f"sqlite:///{path}"))
    before = rss_mib()
    with factory() as session:
        t = time.perf_counter()
        state = index_cache.current(session, taxonomies)
        seconds = time.perf_counter() - t
    after = rss_mib()
    absorb = []
    for k in range(5):
        with factory() as session:
            actor = session.get(Actor, 1 + k)
            value = float(round(time.time() % 100_000, 3))
            actor.scale_litres = value
            cap = session.scalar(select(Capability).where(Capability.actor_id == actor.id, Capability.facet == "modalities",
                                                          Capability.code == "vaccine"))
            if cap is None:  # toggle a capability: the change touches the pairs too
                session.add(Capability(actor_id=actor.id, facet="modalities", code="vaccine",
                                       source_id=session.scalar(select(func.min(Source.id)))))
            else:
                session.delete(cap)
            session.commit()
            t = time.perf_counter()
            fresh = index_cache.current(session, taxonomies)
            absorb.append((time.perf_counter() - t) * 1000)
            assert fresh.scale[fresh.rows_of([actor.id])[0]] == value  # the edit is in the index
    return {"build_seconds": seconds, "rss_before": before, "rss_after": after, "arrays": state.nbytes() / 2**20,
            "actors": state.size, "absorb_ms": absorb, "stats": dict(index_cache.stats), "fresh": fresh_process}, factory


_FRESH = """
import json, sys, time
sys.path.insert(0, {root!r})
from bench.search import rss_mib
from bioatlas.atlas.taxonomy import load_taxonomies
from bioatlas.core.db import make_engine, make_sessionmaker
from bioatlas.search import index_cache
taxonomies = load_taxonomies()
session = make_sessionmaker(make_engine({url!r}))()
session.execute(__import__("sqlalchemy").text("SELECT 1"))
before = rss_mib()
t = time.perf_counter()
state = index_cache.current(session, taxonomies)
seconds = time.perf_counter() - t
print(json.dumps({{"seconds": seconds, "before": before, "after": rss_mib(), "arrays": state.nbytes() / 2**20}}))
"""


def _index_in_fresh_process(path: Path) -> dict:
    """Build time and RSS before/after of the index in a new Python process (imports done first)."""
    code = _FRESH.format(root=str(ROOT), url=f"sqlite:///{path}")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    import json

    return json.loads(out.stdout.strip().splitlines()[-1])


def in_process(factory, qs) -> dict:
    import sqlite3 as _sqlite3

    from bioatlas.atlas.filters import ActorFilter
    from bioatlas.atlas.taxonomy import load_taxonomies
    from bioatlas.search.backends import Backend
    from bioatlas.search.service import search
    from bioatlas.search.text import parse_query

    taxonomies = load_taxonomies()
    session = factory()
    path = session.get_bind().url.database
    raw = _sqlite3.connect(path)
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


async def load_test(base: str, qs, clients: int, per_client: int) -> tuple[list[float], int, int]:
    import httpx

    latencies: list[float] = []
    errors = 0
    kinds: dict[str, int] = {}
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
                        kinds[f"HTTP {r.status_code}"] = kinds.get(f"HTTP {r.status_code}", 0) + 1
                except httpx.HTTPError as exc:
                    errors += 1
                    kinds[type(exc).__name__] = kinds.get(type(exc).__name__, 0) + 1
                latencies.append((time.perf_counter() - t) * 1000)

        await asyncio.gather(*(worker(w) for w in range(clients)))
    if kinds:
        print(f"  HTTP errors by kind: {kinds}", flush=True)
    return latencies, errors, clients * per_client


async def warm_up(base: str, qs, workers: int) -> float:
    """Concurrent rounds of searches until every worker has built its index (a round under 2 s)."""
    import httpx

    start = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=600) as client:
        for round_ in range(10):
            t = time.perf_counter()
            await asyncio.gather(*(client.get("/api/v1/search", params={"q": qs[(round_ + i) % len(qs)][0],
                                                                        "mode": "fulltext"})
                                   for i in range(4 * workers)))
            if time.perf_counter() - t < 2:
                break
    return time.perf_counter() - start


def http(path: Path, qs, clients: int, per_client: int, workers: int) -> dict:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    server = subprocess.Popen([sys.executable, "-m", "bioatlas", "serve", "--port", str(port), "--workers", str(workers)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
        _wait_warm(port)  # the app's own start-up warm-up (map, vectors, resolver) must not share the CPU
        warm = asyncio.run(warm_up(f"http://127.0.0.1:{port}", qs, workers))
        rss = rss_mib(server.pid)
        cpu0 = _cpu_seconds(server.pid)
        start = time.perf_counter()
        latencies, errors, total = asyncio.run(load_test(f"http://127.0.0.1:{port}", qs, clients, per_client))
        return {"latencies": latencies, "errors": errors, "requests": total, "seconds": time.perf_counter() - start,
                "warm_seconds": warm, "rss": rss, "rss_after": rss_mib(server.pid),
                "cpu_ms_per_request": (_cpu_seconds(server.pid) - cpu0) * 1000 / total}
    finally:
        stop_server(server)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actors", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=10, help="requests per client")
    parser.add_argument("--rebuild", action="store_true", help="build the search index again")
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--http-only", action="store_true", help="only the HTTP load test (index reused)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="server worker processes")
    args = parser.parse_args(argv)
    from bioatlas.core import listeners

    listeners.install()  # the change log and search-document listeners

    DATA.mkdir(parents=True, exist_ok=True)
    print(f"bench/search.py: {args.actors:,} synthetic actors (seed {args.seed}), {os.cpu_count()} CPUs, "
          f"load average {_load()}", flush=True)
    path, built = build(args.actors, args.seed, args.rebuild)
    qs = queries(path, args.seed, args.queries)
    if args.http_only:
        return _print_http(args, path, qs, 36)
    m, factory = memory_index(path)
    r = in_process(factory, qs)
    rows = [("index build (documents + FTS5)", f"{built['index_seconds']:.1f} s" if built["index_seconds"] else "(reused)", "")]
    size = path.stat().st_size / 2**20
    before = f" (atlas without index {built['size_before'] / 2**20:,.0f} MiB)" if built["size_before"] else ""
    rows.append(("database size", f"{size:,.0f} MiB{before}", ""))
    fresh = m["fresh"]
    rows.append(("in-memory facet index build", f"{fresh['seconds']:.1f} s in a new process, {m['actors']:,} actors", ""))
    rows.append(("that process RSS before / after", f"{fresh['before']:,.0f} / {fresh['after']:,.0f} MiB "
                 f"(arrays {fresh['arrays']:,.0f} MiB)", ""))
    rows.append(("same in the bench process", f"{m['build_seconds']:.1f} s, RSS {m['rss_before']:,.0f} / "
                 f"{m['rss_after']:,.0f} MiB", ""))
    rows.append(("absorb one edit (5 runs)", " / ".join(f"{v:.1f}" for v in m["absorb_ms"]) + " ms",
                 f"builds {m['stats']['builds']}, absorbs {m['stats']['absorbs']}"))
    for label, key in (("top-20 + facets", "ours"), ("top-20, no facets", "ours_nofacets"), ("raw FTS5 top-20", "fts")):
        v = r[key]
        rows.append((label + " p50 / p95", f"{statistics.median(v):.1f} / {pct(v, 95):.1f} ms", "goal p95 ≤ 50 ms" if key == "ours" else ""))
    rows.append(("ratio p95 ours / raw FTS5", f"{pct(r['ours'], 95) / pct(r['fts'], 95):.1f} (no facets "
                 f"{pct(r['ours_nofacets'], 95) / pct(r['fts'], 95):.1f})", "goal ≤ 2"))
    rows.append(("matches per query median / max", f"{statistics.median(r['totals']):,.0f} / {max(r['totals']):,}", ""))
    rows.append(("load average after in-process", _load(), ""))
    width = 36
    for a, b, c in rows:
        print(f"  {a:<{width}}  {b:<40} {c}", flush=True)
    if not args.no_http:
        _print_http(args, path, qs, width)


def _print_http(args, path: Path, qs, width: int) -> None:
    h = http(path, qs, args.clients, args.requests, args.workers)
    lat = h["latencies"]
    rows = [
        (f"HTTP {args.workers} workers: warm-up", f"{h['warm_seconds']:.1f} s (each worker builds its index)", ""),
        ("HTTP server RSS after warm-up / end", f"{h['rss']:,.0f} / {h['rss_after']:,.0f} MiB (all workers)", ""),
        (f"HTTP {args.clients} clients p50 / p95", f"{statistics.median(lat):.0f} / {pct(lat, 95):.0f} ms",
         "goal p95 ≤ 150 ms"),
        ("HTTP requests / errors", f"{h['requests']} / {h['errors']} ({h['requests'] / h['seconds']:.1f} req/s)",
         "goal 0 errors"),
        ("HTTP server CPU per request", f"{h['cpu_ms_per_request']:.0f} ms", ""),
        ("load average after HTTP", _load(), ""),
    ]
    for a, b, c in rows:
        print(f"  {a:<{width}}  {b:<40} {c}", flush=True)


if __name__ == "__main__":
    main()

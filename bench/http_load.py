"""HTTP load on `bioatlas serve`: a bounded, mixed workload at 50 concurrent clients on 127.0.0.1,
against the ceiling of this stack (a bare FastAPI route served the same way).

The workload (per request, drawn in a fixed order): 60 % search (`/api/v1/search`, sector topics,
names as typed, typos, topic + place, one region filter), 20 % actor detail (`/api/v1/actors/{id}`),
10 % map clusters (`/api/v1/map/clusters`, France and regional viewports), 10 % pages (`/`,
`/actors`, `/observatory`, `/search?q=`). With `--hostile`, one search in ten is a hostile query
(the list of tests/search/test_api.py: FTS syntax, SQL, 5,000 characters, bad filters): they must
answer 200 or 4xx, never 5xx. Every request loop is bounded (count and time) and targets only
127.0.0.1.

Reported per kind: requests, throughput, p50/p95/p99 and errors (a 5xx, a 4xx on a valid request,
or a transport error); then the same run against the bare route, and the ratio of the two
(throughput ours / ceiling, p95 ours / ceiling). Also the first request after `serve` (time from
the port opening to the first search answer, and from the process start).

    .venv/bin/python bench/http_load.py --demo                  # the demo atlas (bench/.data/demo.sqlite3)
    .venv/bin/python bench/http_load.py --actors 200000         # synthetic (bench/synthetic.py), built once
    .venv/bin/python bench/http_load.py --database-url URL      # any atlas (SQLite or PostgreSQL)
    .venv/bin/python bench/http_load.py --demo --client both    # also wrk (bench/wrk_client.py), the same plan

The httpx client runs on the same cores as the server and saturates first (~65 rps on 2 busy
cores, against the atlas and the bare route alike); `--client wrk` (C, overall figures) or
`both` (httpx for the per-kind split, then wrk, on the same warm server) measure the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import DATA, ROOT, atlas_files, cpu_seconds, disk_reads, drop_from_cache, free_port, pct  # noqa: E402
from bench.common import files_in_cache as resident  # noqa: E402
from bench.common import rss_mib, wait_warm  # noqa: E402
from bench.common import TOPICS as SECTOR_TOPICS  # noqa: E402
from bench.common import load_average as _load  # noqa: E402
from bench.common import start_server as start  # noqa: E402
from bench.common import stop_server as stop  # noqa: E402
from bench.wrk_client import run_wrk  # noqa: E402
from bench.wrk_client import table as wrk_table  # noqa: E402

MIX = (("search", 60), ("actor", 20), ("clusters", 10), ("page", 10))
TOPICS = [*SECTOR_TOPICS, "AAV", "Genopole", "Évry", "Lyon"]
VIEWPORTS = [("-5.5,41,10,51.5", 5), ("1.5,48.3,3.3,49.3", 8), ("4.5,45.4,5.2,46", 9), ("-2,46.8,-1,47.6", 8),
             ("1,43.3,1.8,43.9", 9), ("2.2,48.6,2.6,48.9", 11), ("7.5,48.4,7.9,48.7", 10), ("5,43.1,5.7,43.5", 9)]
PAGES = ["/", "/actors", "/observatory", "/search?q=vaccins", "/search?q=anticorps", "/actors?page=2"]
HOSTILE = ['"', "'", '"genopole', "genopole*", "NEAR(genopole medicen)", "genopole OR 1=1", "names : genopole",
           "'; DROP TABLE actors; --", "a & b | !c", "(((", "-genopole", "^genopole", "genopole:*A", "\\", "%_%",
           "?", "🧬", "x" * 5000, "\x00", "<script>alert(1)</script>"]
HOSTILE_PARAMS = [{"bbox": "nan,1,2,3"}, {"bbox": "a,b,c,d"}, {"near": "Nulle-Part-sur-Mer"}, {"scale": "huge"},
                  {"kind": "spaceship"}, {"radius_km": "10"}, {"cursor": "!!!"}, {"limit": "100000"}]


def bare_app():
    """The ceiling: a bare FastAPI route returning a small JSON body (uvicorn factory)."""
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/{path:path}")
    def bare(path: str) -> dict:
        return {"ok": True, "path": path}

    return app


# -- the atlas under test -------------------------------------------------------------------------

def demo_atlas(rebuild: bool = False) -> str:
    """A SQLite atlas holding the demo (`bioatlas demo load`), built once under bench/.data/."""
    path = DATA / "demo.sqlite3"
    if rebuild or not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "PYTHONPATH": str(ROOT / "src")}
        subprocess.run([sys.executable, "-m", "bioatlas", "demo", "load"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
    return f"sqlite:///{path}"


def synthetic_atlas(n: int, seed: int) -> str:
    """The synthetic atlas of bench/search.py (actors of bench/synthetic.py with their search index)."""
    from bench.search import build
    from bioatlas.core import listeners

    listeners.install()
    path, _ = build(n, seed, False)
    return f"sqlite:///{path}"


def sample(url: str, seed: int, k: int = 200) -> tuple[list[int], list[str]]:
    """Actor ids and actor names of the atlas (for detail requests and name queries)."""
    from sqlalchemy import bindparam, create_engine, text

    rng = random.Random(seed)
    engine = create_engine(url)
    pick = text("SELECT id, name FROM actors WHERE id IN :ids").bindparams(bindparam("ids", expanding=True))
    with engine.connect() as conn:
        top = conn.execute(text("SELECT max(id) FROM actors")).scalar() or 1
        rows = conn.execute(pick, {"ids": [rng.randint(1, top) for _ in range(4 * k)]}).all()[:k]
    engine.dispose()
    return [r[0] for r in rows], [r[1] for r in rows[: k // 2]]


def workload(ids: list[int], names: list[str], n: int, seed: int, hostile: bool,
             only: str | None = None) -> list[tuple[str, str, dict]]:
    """n requests (kind, path, params) in a fixed pseudo-random order with the MIX proportions
    (or only the requests of one kind, `only`)."""
    rng = random.Random(seed)
    kinds = [k for k, w in MIX for _ in range(w) if only in (None, k)]
    out: list[tuple[str, str, dict]] = []
    for i in range(n):
        kind = kinds[rng.randrange(len(kinds))]
        if kind == "search":
            if hostile and i % 10 == 0:
                if rng.random() < 0.6:
                    out.append(("hostile", "/api/v1/search", {"q": rng.choice(HOSTILE)}))
                else:
                    out.append(("hostile", "/api/v1/search", {"q": "vaccins", **rng.choice(HOSTILE_PARAMS)}))
                continue
            r = rng.random()
            if r < 0.45:
                q, extra = rng.choice(TOPICS), {}
            elif r < 0.65 and names:
                q, extra = rng.choice(names), {}
            elif r < 0.8 and names:
                word = max(rng.choice(names).split(), key=len)
                q, extra = word[: max(3, len(word) - 2)], {}
            elif r < 0.9:
                q, extra = rng.choice(TOPICS) + " " + rng.choice(["Lyon", "Toulouse", "Strasbourg", "Évry"]), {}
            else:
                q, extra = rng.choice(TOPICS), {"region": rng.choice(["11", "84", "76", "44", "32"])}
            out.append(("search", "/api/v1/search", {"q": q, **extra}))
        elif kind == "actor":
            out.append(("actor", f"/api/v1/actors/{rng.choice(ids)}", {}))
        elif kind == "clusters":
            bbox, zoom = rng.choice(VIEWPORTS)
            out.append(("clusters", "/api/v1/map/clusters", {"bbox": bbox, "zoom": str(zoom)}))
        else:
            path = rng.choice(PAGES)
            out.append(("page", path, {}))
    return out


# -- server and clients ---------------------------------------------------------------------------

def wait_port(port: int, server: subprocess.Popen, seconds: float = 180) -> float:
    """Seconds until the port accepts a connection (polled every 10 ms)."""
    start_ = time.perf_counter()
    while time.perf_counter() - start_ < seconds:
        if server.poll() is not None:
            raise SystemExit(f"the server exited (exit status {server.returncode}; its output is under {DATA})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return time.perf_counter() - start_
        except OSError:
            time.sleep(0.01)
    raise SystemExit(f"the server did not open port {port} within {seconds} s")


async def run_load(base: str, plan: list[tuple[str, str, dict]], clients: int, seconds: float) -> dict:
    """Each client takes the next request of the plan until the plan or the time is used up."""
    import httpx

    results: dict[str, list] = {}
    errors: dict[str, dict[str, int]] = {}
    nxt = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        async def worker() -> None:
            nonlocal nxt
            while nxt < len(plan) and time.perf_counter() < deadline:
                kind, path, params = plan[nxt]
                nxt += 1
                t = time.perf_counter()
                err = None
                try:
                    r = await client.get(path, params=params, headers={"accept": "text/html" if kind == "page" else "application/json"})
                    if r.status_code >= 500 or (kind != "hostile" and r.status_code >= 400):
                        err = f"HTTP {r.status_code}"
                except httpx.HTTPError as exc:
                    err = type(exc).__name__
                results.setdefault(kind, []).append((time.perf_counter() - t) * 1000)
                if err:
                    errors.setdefault(kind, {})[err] = errors.setdefault(kind, {}).get(err, 0) + 1

        start_ = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - start_
    return {"latencies": results, "errors": errors, "seconds": elapsed}


def first_request(port: int, path: str, params: dict) -> tuple[float, int]:
    import httpx

    t = time.perf_counter()
    r = httpx.get(f"http://127.0.0.1:{port}{path}", params=params, timeout=600)
    return time.perf_counter() - t, r.status_code


def measure(base: str, plan, args, pid: int) -> dict:
    """The measured runs on a warm server: the httpx client, then wrk (`--client`); each with the
    server's CPU time per request (all its processes)."""
    out: dict = {}
    for client in ("httpx", "wrk"):
        if args.client not in (client, "both"):
            continue
        cpu0, read0 = cpu_seconds(pid), disk_reads(pid)
        if client == "httpx":
            run = asyncio.run(run_load(base, plan, args.clients, args.seconds))
            n = sum(len(v) for v in run["latencies"].values())
        else:
            run = run_wrk(base, plan, args.clients, args.seconds, args.wrk_threads)
            n = run["requests"]
        run["cpu_ms"] = (cpu_seconds(pid) - cpu0) * 1000 / max(1, n)
        run["disk_mib"] = (disk_reads(pid) - read0) / 2**20  # what the server read from the disk meanwhile
        out[client] = run
    return out


def measure_atlas(url: str, plan, args) -> dict:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(args.server_src or ROOT / "src")}
    cmd = [sys.executable, "-m", "bioatlas", "serve", "--port", str(port)]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    t0 = time.perf_counter()
    server = start(cmd, env, DATA / "server-atlas.log")
    try:
        opened = wait_port(port, server, args.start_seconds)
        first, status = first_request(port, "/api/v1/search", {"q": "vaccins", "mode": "fulltext"})
        since_start = time.perf_counter() - t0
        first_page, page_status = first_request(port, "/actors", {})
        warm = 0.0 if args.at_open else wait_warm(port)
        if not (args.no_warm_pass or args.at_open):  # connections, caches: the plan's first requests once, before the measured run
            asyncio.run(run_load(f"http://127.0.0.1:{port}", plan[: args.clients * 4], args.clients, 60))
        out = measure(f"http://127.0.0.1:{port}", plan, args, server.pid)
        out.update(opened=opened, first=first, first_status=status, since_start=since_start, first_page=first_page,
                   first_page_status=page_status, warm=warm, rss=rss_mib(server.pid))
        return out
    finally:
        stop(server)


def measure_ceiling(plan, args) -> dict:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}"}
    cmd = [sys.executable, "-m", "uvicorn", "bench.http_load:bare_app", "--factory", "--host", "127.0.0.1",
           "--port", str(port), "--log-level", "warning", "--workers", str(args.workers or os.cpu_count() or 1)]
    server = start(cmd, env, DATA / "server-ceiling.log")
    try:
        wait_port(port, server)
        asyncio.run(run_load(f"http://127.0.0.1:{port}", plan[: args.clients * 4], args.clients, 60))
        return measure(f"http://127.0.0.1:{port}", plan, args, server.pid)
    finally:
        stop(server)


def table(label: str, out: dict) -> list[str]:
    lines = [f"{label}: {sum(len(v) for v in out['latencies'].values()):,} requests in {out['seconds']:.1f} s",
             f"  {'kind':<9} {'requests':>8} {'rps':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  errors"]
    every: list[float] = []
    for kind in ("search", "hostile", "actor", "clusters", "page"):
        lat = out["latencies"].get(kind, [])
        if not lat:
            continue
        every += lat
        errs = out["errors"].get(kind, {})
        lines.append(f"  {kind:<9} {len(lat):>8,} {len(lat) / out['seconds']:>7.1f} {statistics.median(lat):>8.1f} "
                     f"{pct(lat, 95):>8.1f} {pct(lat, 99):>8.1f}  {sum(errs.values())} {errs or ''}")
    n_err = sum(sum(e.values()) for e in out["errors"].values())
    lines.append(f"  {'all':<9} {len(every):>8,} {len(every) / out['seconds']:>7.1f} {statistics.median(every):>8.1f} "
                 f"{pct(every, 95):>8.1f} {pct(every, 99):>8.1f}  {n_err}")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--demo", action="store_true", help="the demo atlas (built once under bench/.data/)")
    where.add_argument("--actors", type=int, help="that many synthetic actors (bench/synthetic.py)")
    where.add_argument("--database-url", help="an atlas already loaded")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=6000, help="requests in the plan (the bound)")
    parser.add_argument("--seconds", type=float, default=30, help="time bound of the measured run")
    parser.add_argument("--workers", type=int, default=0, help="server workers (default: serve's own default)")
    parser.add_argument("--hostile", action="store_true", help="one search in ten is a hostile query")
    parser.add_argument("--no-ceiling", action="store_true", help="skip the bare FastAPI run")
    parser.add_argument("--server-src", type=Path, help="serve another checkout's src/ (before/after comparisons)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    parser.add_argument("--start-seconds", type=float, default=900,
                        help="how long the server may warm up before opening its port (1M actors: minutes)")
    parser.add_argument("--no-warm-pass", action="store_true",
                        help="measure from the server's first requests: no pass of the plan's first requests "
                             "(clients x 4, httpx) before the measured run, which otherwise absorbs each worker's "
                             "first request of each kind and the first 200 requests' misses")
    parser.add_argument("--at-open", action="store_true",
                        help="the first burst after start: the measured run as soon as the port opens (after the "
                             "first search and first page), without waiting for /healthz to say the workers are warm "
                             "and without the warm pass (a server that warms in the background is measured warming)")
    parser.add_argument("--cold", action="store_true",
                        help="drop a SQLite atlas's files (database, index files, Tantivy index) from the page cache "
                             "before the server starts: the first run after a reboot or a pause")
    parser.add_argument("--only", choices=[k for k, _ in MIX], help="only this kind of request (e.g. search)")
    parser.add_argument("--client", choices=("httpx", "wrk", "both"), default="httpx",
                        help="the load client: httpx (Python, per-kind figures), wrk (C, overall figures; "
                             "not the bottleneck), or both on the same warm server")
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk's threads (one keeps a core for the server)")
    args = parser.parse_args(argv)

    url = demo_atlas() if args.demo else synthetic_atlas(args.actors, args.seed) if args.actors else args.database_url
    ids, names = sample(url, args.seed)
    plan = workload(ids, names, args.requests, args.seed, args.hostile, args.only)
    print(f"bench/http_load.py: {url.rsplit('/', 1)[-1]}, {args.clients} clients, plan {len(plan):,} requests or "
          f"{args.seconds:.0f} s, {os.cpu_count()} CPUs, load average {_load()}", flush=True)
    for head in sorted({1000, len(plan)}):
        distinct = len({(path, tuple(sorted(params.items()))) for _, path, params in plan[:head]})
        print(f"plan's first {head:,} requests: {distinct:,} distinct ({1 - distinct / head:.0%} repeat an earlier one); "
              f"response cache {os.environ.get('BIOATLAS_RESPONSE_CACHE', 'unset (on)')}", flush=True)
    files = atlas_files(url)
    if args.cold:
        drop_from_cache(files)
    cached_before = resident(files)
    ours = measure_atlas(url, plan, args)
    ours["page_cache"] = {"before": cached_before, "after": resident(files)}
    lines = [f"first request after serve: port open after {ours['opened']:.2f} s, first search {ours['first'] * 1000:.0f} ms "
             f"(HTTP {ours['first_status']}, {ours['since_start']:.2f} s after the process started), first page "
             f"{ours['first_page'] * 1000:.0f} ms; warming done {ours['warm']:.1f} s later",
             f"server RSS {ours['rss']:,.0f} MiB (all workers)",
             "atlas files in the page cache: " + " -> ".join(
                 f"{inside / 2**20:,.0f} of {total / 2**20:,.0f} MiB" for inside, total in ours["page_cache"].values())
             + " (before the server started -> after the run)"]
    ceiling = None if args.no_ceiling else measure_ceiling(plan, args)
    for client in ("httpx", "wrk"):
        if client not in ours:
            continue
        show = table if client == "httpx" else wrk_table
        lines += show("bioatlas serve", ours[client])
        lines.append(f"  server CPU per request {ours[client]['cpu_ms']:.2f} ms; read from the disk during the run "
                     f"{ours[client]['disk_mib']:,.0f} MiB")
        if ceiling:
            lines += show("bare FastAPI route (ceiling)", ceiling[client])
            lines.append(f"  server CPU per request {ceiling[client]['cpu_ms']:.2f} ms")
            (n_ours, p95_ours), (n_bare, p95_bare) = _overall(ours[client]), _overall(ceiling[client])
            lines.append(f"ratio ours / ceiling ({client}): throughput {n_ours / n_bare:.2f} ({n_ours:.0f} / {n_bare:.0f} rps), "
                         f"p95 {p95_ours / p95_bare:.1f}x ({p95_ours:.0f} / {p95_bare:.0f} ms)")
    lines.append(f"load average after: {_load()}")
    print("\n".join(lines), flush=True)
    if args.json:
        args.json.write_text(json.dumps({"ours": _summary(ours), "ceiling": _summary(ceiling) if ceiling else None},
                                        indent=1))


def _overall(run: dict) -> tuple[float, float]:
    """Throughput (rps) and p95 (ms) of a run of either client."""
    if "latencies" not in run:
        return run["rps"], run["p95"]
    every = [x for v in run["latencies"].values() for x in v]
    return len(every) / run["seconds"], pct(every, 95)


def _summary(out: dict) -> dict:
    runs = {k: v for k, v in out.items() if k in ("httpx", "wrk")}
    if "httpx" in runs:
        lat = runs["httpx"]["latencies"]
        runs["httpx"] = {k: v for k, v in runs["httpx"].items() if k != "latencies"} | {
            "kinds": {k: {"n": len(v), "p50": statistics.median(v), "p95": pct(v, 95), "p99": pct(v, 99)}
                      for k, v in lat.items()}}
    return {k: v for k, v in out.items() if k not in ("httpx", "wrk")} | runs


if __name__ == "__main__":
    main()

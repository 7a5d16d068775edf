"""What the first miss of each kind costs in a freshly forked worker, against a later miss of the
same kind (a different URL): the one-time costs a fresh `bioatlas serve` pays in its first second
(lazy imports, template compilation, first touch of memory-mapped index pages, per-process caches,
new database connections after the fork).

The parent builds the app as `serve` does (index files on, `warm_now(freeze=True)`, `gc.freeze()`); then, for each kind and trial, a child is forked (as gunicorn forks
a worker: the engine's connections dropped; its own empty shared cache), asks the kind's first URL, then `--later` other URLs
of the same kind, each once (response-cache misses), through the app in-process, and reports wall
and CPU (the whole child process: the thread pool included) of each. Kinds: the search and actor
APIs, the map clusters, the search and actor pages, and each page of `bench/http_load.PAGES` (a
page with one URL is asked again with a query parameter the handler ignores: a new cache key).

    .venv/bin/python bench/first_misses.py                           # the demo atlas (bench/.data)
    BENCH_SRC=/tmp/old/src .venv/bin/python bench/first_misses.py    # another checkout (before/after)
    .venv/bin/python bench/first_misses.py --kind /observatory --profile   # cProfile of the first miss
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import os
import pstats
import shutil
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, os.environ.get("BENCH_SRC", str(ROOT / "src")))  # BENCH_SRC: another checkout (before/after)
sys.path.insert(1, str(ROOT))


def kinds(url: str, n: int, seed: int, later: int) -> dict[str, list[str]]:
    """The URLs of each kind: http_load's plan (its distinct URLs in plan order), one per PAGES entry."""
    from bench.http_load import PAGES, sample, workload

    ids, names = sample(url, seed)
    out: dict[str, list[str]] = {}
    for kind, path, params in workload(ids, names, n, seed, False):
        if kind == "page":
            continue
        full = f"{path}?{urlencode(params)}" if params else path
        urls = out.setdefault(f"{kind} API" if kind in ("search", "actor") else kind, [])
        if full not in urls:
            urls.append(full)
    out["search page"] = [u.replace("/api/v1/search", "/search") for u in out["search API"]]
    out["actor page"] = [u.replace("/api/v1/actors", "/actors") for u in out["actor API"]]
    for page in PAGES:
        sep = "&" if "?" in page else "?"
        out[page] = [page] + [f"{page}{sep}_w={i}" for i in range(1, later + 1)]
    return out


def child(app, urls: list[str], later: int, profile: int | None) -> dict:
    """In the forked worker: the first URL, then `later` others; wall and CPU of each (ms)."""
    import httpx

    app.state.engine.dispose(close=False)  # as app.run_server's post_fork
    shared = getattr(app.state, "shared_cache", None)
    folder = shared.activate() if shared is not None else None  # this trial's own (empty) shared entries
    html = {"accept": "text/html"} if not urls[0].startswith("/api/") else {"accept": "*/*"}
    loop = asyncio.new_event_loop()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
    out: dict = {"wall": [], "cpu": [], "status": []}
    prof = cProfile.Profile() if profile is not None else None
    if prof is not None:  # the sync handlers in this thread, so that the profile sees them (as bench/profile_misses.py)
        import anyio.to_thread

        async def inline(func, *a, **_kw):
            return func(*a)

        anyio.to_thread.run_sync = inline  # type: ignore[assignment]
    for i, u in enumerate(urls[: later + 1]):
        profiled = prof is not None and (i == profile or (profile == -1 and i > 0))
        if profiled:
            prof.enable()
        w0, c0 = time.perf_counter(), time.process_time()
        r = loop.run_until_complete(client.get(u, headers=html))
        out["cpu"].append((time.process_time() - c0) * 1000)
        out["wall"].append((time.perf_counter() - w0) * 1000)
        out["status"].append(r.status_code)
        if profiled:
            prof.disable()
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
    if prof is not None:
        if os.environ.get("FIRST_MISSES_DUMP"):  # the raw profile, for pstats' callers/callees
            prof.dump_stats(os.environ["FIRST_MISSES_DUMP"])
        stats = pstats.Stats(prof, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(int(os.environ.get("FIRST_MISSES_LINES", "60")))
    return out


def forked(app, urls: list[str], later: int, profile: int | None) -> dict:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker
        os.close(read)
        try:
            result = child(app, urls, later, profile)
        except BaseException as exc:  # noqa: BLE001 - reported by the parent
            result = {"error": repr(exc)}
        with os.fdopen(write, "w") as f:
            json.dump(result, f)
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as f:
        data = f.read()
    os.waitpid(pid, 0)
    return json.loads(data)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT / 'bench' / '.data' / 'demo.sqlite3'}")
    parser.add_argument("--requests", type=int, default=6000, help="size of http_load's plan")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--later", type=int, default=5, help="later misses of each kind after the first")
    parser.add_argument("--trials", type=int, default=3, help="fresh workers forked per kind")
    parser.add_argument("--kind", action="append", help="only these kinds (e.g. 'search API', /observatory)")
    parser.add_argument("--profile", action="store_true", help="cProfile of the first miss (stderr, first trial)")
    parser.add_argument("--profile-at", type=int, default=0, help="with --profile: profile this request instead "
                        "(1: the first later miss, -1: every later miss)")
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    from bioatlas.app import create_app, warm_now
    from bioatlas.core import index_files, migrate
    from bioatlas.core.config import load_settings
    from bioatlas.core.db import make_engine

    urls = kinds(args.database_url, args.requests, args.seed, args.later)
    settings = load_settings()
    migrate.upgrade(make_engine(settings.resolved_database_url))
    index_files.enable()
    t0 = time.perf_counter()
    app = create_app(settings)
    seconds = warm_now(app, freeze=True)
    gc.freeze()
    print(f"app built and warmed in {time.perf_counter() - t0:.1f} s ("
          + ", ".join(f"{k} {v:.2f} s" for k, v in seconds.items()) + f"); load average {os.getloadavg()[0]:.2f}")
    print(f"{'kind':<22} {'first wall':>10} {'CPU':>7} {'later wall':>10} {'CPU':>7} {'first-later CPU':>15}  (ms; "
          f"first: median of {args.trials} fresh workers, later: median of their later misses)")
    for kind, todo in urls.items():
        if args.kind and kind not in args.kind:
            continue
        runs = [forked(app, todo, args.later, args.profile_at if args.profile and t == 0 else None)
                for t in range(args.trials)]
        bad = [r["error"] for r in runs if "error" in r]
        if bad:
            print(f"{kind:<22} failed: {bad[0]}")
            continue
        statuses = {s for r in runs for s in r["status"]}
        fw = statistics.median(r["wall"][0] for r in runs)
        fc = statistics.median(r["cpu"][0] for r in runs)
        lw = statistics.median(x for r in runs for x in r["wall"][1:])
        lc = statistics.median(x for r in runs for x in r["cpu"][1:])
        print(f"{kind:<22} {fw:>10.1f} {fc:>7.1f} {lw:>10.1f} {lc:>7.1f} {fc - lc:>15.1f}  "
              f"HTTP {','.join(map(str, sorted(statuses)))}", flush=True)
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

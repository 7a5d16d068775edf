"""What a response-cache miss costs, per kind of request, in-process: the distinct URLs of
`bench/http_load.py`'s plan (search, actor, page) each asked once with the response cache off
(`--response-cache`: on, as served; every URL is asked once, so each is still a miss),
wall and CPU time per request (the process's CPU: the handlers run in this thread, the search engine in its own), then optionally a
pyinstrument profile of the same pass (`--pyinstrument`, wall-clock sampling: less inflated than
cProfile), or cProfile's costliest functions (`--cprofile N`), and per-phase timers of the search
(`--phases`).

    .venv/bin/python bench/profile_misses.py                            # the demo atlas
    .venv/bin/python bench/profile_misses.py --kind search --pyinstrument
    .venv/bin/python bench/profile_misses.py --kind search --cprofile 60   # cProfile (no extra package)
    BENCH_SRC=/tmp/old/src .venv/bin/python bench/profile_misses.py     # another checkout (before/after)

Every URL is asked once (a miss of the response cache and of the per-query memos a fresh server
starts without); the first `--prime` URLs of a kind warm the indexes and are not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, os.environ.get("BENCH_SRC", str(ROOT / "src")))  # BENCH_SRC: another checkout (before/after)
sys.path.insert(1, str(ROOT))


def plan_urls(url: str, n: int, seed: int) -> dict[str, list[str]]:
    from bench.http_load import sample, workload

    ids, names = sample(url, seed)
    out: dict[str, list[str]] = {}
    for kind, path, params in workload(ids, names, n, seed, False):
        full = f"{path}?{urlencode(params)}" if params else path
        urls = out.setdefault(kind, [])
        if full not in urls:
            urls.append(full)
    out["search page"] = [u.replace("/api/v1/search", "/search") for u in out.get("search", [])]
    out["actor page"] = [u.replace("/api/v1/actors", "/actors") for u in out.get("actor", [])]
    return out


# (module, attribute) timed by --phases: the handler's steps, nested (a phase includes those it calls)
# ("Class.method" wraps a method). Outside `_engine_answer`: `Answer.top` (the engine's top-k, read
# lazily by the ranking) and `Answer.counts` (the facets); `Selection` counts only the service's own.
PHASES = (
    ("bioatlas.search.api", "search"), ("bioatlas.search.views", "search"),
    ("bioatlas.search.service", "_fuse"), ("bioatlas.search.semantic.service", "_query_vector"),
    ("bioatlas.search.semantic.service", "_refresh"), ("bioatlas.search.semantic_allowed", "allowed"),
    ("bioatlas.search.service", "Selection"), ("bioatlas.search.service", "_passing"),
    ("bioatlas.search.backends", "Backend.correct"), ("bioatlas.atlas.scope", "computed"),
    ("bioatlas.search.tantivy_search", "Answer.top"), ("bioatlas.search.tantivy_search", "Answer.counts"),
    ("bioatlas.search.tantivy_search", "area_as_clause"), ("bioatlas.search.tantivy_search", "_total"),
    ("bioatlas.search.tantivy_search", "_split"), ("bioatlas.search.tantivy_search", "matched"),
    ("bioatlas.search.tantivy_search", "Answer._without_pass"), ("bioatlas.search.tantivy_search", "Answer._aggregated"),
    ("bioatlas.search.index_cache", "current"), ("bioatlas.search.service", "_engine_answer"),
    ("bioatlas.search.service", "_closest"), ("bioatlas.search.service", "_exact"),
    ("bioatlas.search.present", "items"), ("bioatlas.search.present", "facets"),
    ("bioatlas.search.present", "load_cards"), ("bioatlas.search.present", "snippet"),
    ("bioatlas.search.views", "render"), ("bioatlas.atlas.views", "render"),
    ("bioatlas.atlas.views", "plain_actor"), ("bioatlas.core.plugin_registry", "merged"),
)


def timed_phases() -> dict[str, list[float]]:
    """Wrap PHASES with CPU timers (missing modules and functions skipped: another checkout may lack them)."""
    import importlib

    spent: dict[str, list[float]] = {}
    for module_name, attr in PHASES:
        try:
            owner: object = importlib.import_module(module_name)
        except ModuleNotFoundError:  # another checkout without that module
            continue
        if "." in attr:
            owner, attr_name = getattr(owner, attr.split(".")[0], None), attr.split(".")[1]
        else:
            attr_name = attr
        func = getattr(owner, attr_name, None)
        if func is None or getattr(func, "__wrapped_phase__", False):
            continue
        key = f"{module_name.rsplit('.', 1)[-1]}.{attr}"
        cell = spent.setdefault(key, [0.0, 0])

        def wrapper(*a, __func=func, __cell=cell, **kw):
            c0 = time.process_time()
            try:
                return __func(*a, **kw)
            finally:
                __cell[0] += time.process_time() - c0
                __cell[1] += 1

        wrapper.__wrapped_phase__ = True  # type: ignore[attr-defined]
        setattr(owner, attr_name, wrapper)
    return spent


def search_class(url: str) -> str:
    """The plan's kind of search (`bench/http_load.workload`): a topic, a topic with a region or a
    place, a name or a name's fragment (anything else)."""
    from urllib.parse import parse_qs, urlsplit

    from bench.http_load import TOPICS

    params = parse_qs(urlsplit(url).query)
    q = params.get("q", [""])[0]
    if "region" in params:
        return "topic + region" if q in TOPICS else "text + region"
    if q in TOPICS:
        return "topic"
    if any(q.startswith(t + " ") and q[len(t) + 1:] in ("Lyon", "Toulouse", "Strasbourg", "Évry") for t in TOPICS):
        return "topic + place"
    return "name or fragment"


def slowest(kind: str, each: list, n: int) -> None:
    """CPU per class of search (sum, mean, p95), then the n slowest misses with their phases."""
    classes: dict[str, list[float]] = {}
    phases: dict[str, dict[str, float]] = {}
    for cpu, _, url, spent in each:
        classes.setdefault(search_class(url), []).append(cpu)
        for k, v in spent.items():
            cell = phases.setdefault(search_class(url), {})
            cell[k] = cell.get(k, 0.0) + v
    total = sum(sum(v) for v in classes.values())
    for name, v in sorted(classes.items(), key=lambda kv: -sum(kv[1])):
        q95 = sorted(v)[min(len(v) - 1, round(0.95 * len(v)) - 1)]
        print(f"  {name:18s} {len(v):4d} misses  CPU sum {sum(v):8.1f} ms ({100 * sum(v) / total:4.1f} %)  "
              f"mean {statistics.mean(v):6.2f}  p95 {q95:6.2f}")
        if phases.get(name):  # the class's CPU per miss of each phase (nested), over 0.05 ms
            print("      " + ", ".join(f"{k} {t / len(v):.2f}" for k, t in phases[name].items() if t / len(v) >= 0.05))
    print(f"{kind}: the {n} slowest by CPU (ms; phases nested, over 0.5 ms):")
    for cpu, wall, url, phases in sorted(each, key=lambda e: -e[0])[:n]:
        print(f"  CPU {cpu:6.1f} wall {wall:6.1f}  {url}")
        if phases:
            print("      " + ", ".join(f"{k} {v:.1f}" for k, v in phases.items() if v >= 0.5))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT / 'bench' / '.data' / 'demo.sqlite3'}")
    parser.add_argument("--requests", type=int, default=6000, help="size of http_load's plan (its distinct URLs)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kind", action="append", help="search, actor, page, search page, actor page (default all)")
    parser.add_argument("--limit", type=int, default=150, help="at most this many URLs per kind")
    parser.add_argument("--prime", type=int, default=5)
    parser.add_argument("--pyinstrument", action="store_true")
    parser.add_argument("--response-cache", action="store_true",
                        help="through the response cache, as `serve` answers: each URL is still a miss, and its "
                             "session carries the data version (reads kept per version: core/version_memo.py)")
    parser.add_argument("--phases", action="store_true", help="CPU per request of the handler's steps (PHASES)")
    parser.add_argument("--cprofile", type=int, metavar="N", default=0,
                        help="cProfile of the measured pass: the N costliest functions by own time and by cumulative time")
    parser.add_argument("--cprofile-dump", metavar="PATH", help="--cprofile: also save the stats (pstats) to PATH")
    parser.add_argument("--all-frames", action="store_true", help="pyinstrument: show the libraries' frames too")
    parser.add_argument("--slowest", type=int, metavar="N", default=0,
                        help="the N slowest misses by CPU with their phases (with --phases), and the CPU per class "
                             "of search (with --phases, each class's CPU per miss of each phase)")
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["BIOATLAS_RESPONSE_CACHE"] = "true" if args.response_cache else "false"
    import anyio.to_thread
    import httpx

    import bioatlas.app
    from bioatlas.app import create_app
    from bioatlas.core.config import load_settings

    async def inline(func, *a, **_kw):  # the sync handlers in this thread: its CPU clock sees them
        return func(*a)

    anyio.to_thread.run_sync = inline  # type: ignore[assignment]
    urls = plan_urls(args.database_url, args.requests, args.seed)
    from bioatlas.core import migrate
    from bioatlas.core.db import make_engine

    settings = load_settings()
    migrate.upgrade(make_engine(settings.resolved_database_url))
    app = create_app(settings)
    if hasattr(bioatlas.app, "warm_now"):
        bioatlas.app.warm_now(app)
    else:  # a checkout from before issue 19 (bench/before_after.py): its background warm-up, awaited
        bioatlas.app.warm_up(app.state.sessionmaker, settings).join()
    loop = asyncio.new_event_loop()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
    spent = timed_phases() if args.phases else {}
    kinds = args.kind or ["search", "actor", "search page", "actor page", "page"]
    profiler = None
    if args.pyinstrument:
        try:
            from pyinstrument import Profiler
        except ImportError:
            raise SystemExit("--pyinstrument: pyinstrument is not installed (not a project dependency: "
                             ".venv/bin/pip install pyinstrument)") from None

        profiler = Profiler(interval=0.0005)
    cprof = None
    if args.cprofile:
        import cProfile

        cprof = cProfile.Profile()
    for kind in kinds:
        todo = urls.get(kind, [])[: args.limit + args.prime]
        html = {"accept": "text/html"} if "page" in kind else {}
        prime = min(args.prime, len(todo) // 4)
        for u in todo[:prime]:
            loop.run_until_complete(client.get(u, headers=html))
        for v in spent.values():
            v[0], v[1] = 0.0, 0
        walls, cpus = [], []
        if profiler:
            profiler.start()
        if cprof:
            cprof.enable()
        each = []
        for u in todo[prime:]:
            before = {k: v[0] for k, v in spent.items()}
            w0, c0 = time.perf_counter(), time.process_time()
            r = loop.run_until_complete(client.get(u, headers=html))
            cpus.append((time.process_time() - c0) * 1000)
            walls.append((time.perf_counter() - w0) * 1000)
            assert r.status_code < 500, (u, r.text[:300])
            each.append((cpus[-1], walls[-1], u, {k: (v[0] - before[k]) * 1000 for k, v in spent.items() if v[0] > before[k]}))
        if args.slowest:
            slowest(kind, each, args.slowest)
        if profiler:
            profiler.stop()
        if cprof:
            cprof.disable()
        if spent:
            print(f"{kind}: CPU per request of each phase (nested), ms: " + ", ".join(
                f"{k} {v[0] * 1000 / len(walls):.2f}" for k, v in spent.items() if v[1]))
            for v in spent.values():
                v[0], v[1] = 0.0, 0
        if len(walls) > 1:
            q = statistics.quantiles(walls, n=20)
            print(f"{kind:12s} {len(walls):4d} misses  wall mean {statistics.mean(walls):6.2f} ms  p50 "
                  f"{statistics.median(walls):6.2f}  p95 {q[18]:6.2f}   CPU mean {statistics.mean(cpus):6.2f} ms")
    print(f"load average {open('/proc/loadavg').read().split()[:3]}")
    print(f"code: {sys.modules['bioatlas'].__file__}")
    if cprof:
        import pstats

        if args.cprofile_dump:
            cprof.dump_stats(args.cprofile_dump)
        for order in ("tottime", "cumulative"):
            pstats.Stats(cprof).sort_stats(order).print_stats(args.cprofile)
    if profiler:
        print(profiler.output_text(unicode=False, color=False, show_all=args.all_frames))


if __name__ == "__main__":
    main()

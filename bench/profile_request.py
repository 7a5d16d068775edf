"""Profile one request path in-process (cProfile): the app on an atlas, the URL asked n times through
httpx's ASGI transport after one warm request (the thread pool replaced by direct calls, so
that cProfile sees the handlers), then the top functions by own time and by
cumulative time, and the mean wall time per request. With `--rounds R`, first R rounds of the
same n requests without the profiler: CPU time (the process's, every thread) and wall time per
request of each round, and their median.

    .venv/bin/python bench/profile_request.py /api/v1/actors/12 --database-url sqlite:///bench/.data/demo.sqlite3
    .venv/bin/python bench/profile_request.py "/api/v1/search?q={}" -n 200 --vary "vaccins,CDMO"
    .venv/bin/python bench/profile_request.py "/actors/{}" --html --vary 12,40 --rounds 3 --response-cache off
    BENCH_SRC=/tmp/old/src .venv/bin/python bench/profile_request.py ...   # another checkout (before/after)
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, os.environ.get("BENCH_SRC", str(ROOT / "src")))  # BENCH_SRC: another checkout (before/after)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT / 'bench' / '.data' / 'demo.sqlite3'}")
    parser.add_argument("-n", type=int, default=100)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--vary", default="", help="comma-separated values put in place of {} in the URL, in turn")
    parser.add_argument("--vary-sep", default=",", help="separator of --vary's values (e.g. | for actor names)")
    parser.add_argument("--html", action="store_true", help="ask for text/html")
    parser.add_argument("--rounds", type=int, default=0,
                        help="first this many rounds of the n requests without the profiler: CPU and wall ms per request")
    parser.add_argument("--no-profile", action="store_true", help="no cProfile pass (with --rounds: the timings only)")
    parser.add_argument("--response-cache", choices=("on", "off"),
                        help="BIOATLAS_RESPONSE_CACHE for this run (off: every request a miss of the response "
                             "cache; on: after the warm request, hits); a checkout without the cache ignores it")
    parser.add_argument("--json", type=Path, help="also write the figures (timings, statements, top functions) to this file")
    parser.add_argument("--callees", default="", help="also print what the functions matching this name call")
    parser.add_argument("--statements", action="store_true", help="count the SQL statements of each request (and print them)")
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("BIOATLAS_WARM_UP", "false")
    if args.response_cache:
        os.environ["BIOATLAS_RESPONSE_CACHE"] = "true" if args.response_cache == "on" else "false"
    import asyncio

    import anyio.to_thread
    import httpx

    from bioatlas.app import create_app
    from bioatlas.core.config import load_settings

    async def inline(func, *a, **_kw):  # run the sync handlers in this thread: cProfile sees one thread
        return func(*a)

    anyio.to_thread.run_sync = inline  # type: ignore[assignment]
    from bioatlas.core import migrate
    from bioatlas.core.db import make_engine

    settings = load_settings()
    migrate.upgrade(make_engine(settings.resolved_database_url))
    app = create_app(settings)
    loop = asyncio.new_event_loop()
    aclient = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")

    class Client:
        def get(self, url, headers):
            return loop.run_until_complete(aclient.get(url, headers=headers))

    client = Client()
    values = args.vary.split(args.vary_sep) if args.vary else [""]
    urls = [args.url.replace("{}", v) for v in values]
    headers = {"accept": "text/html"} if args.html else {}
    for u in urls:  # warm: indexes, templates, connections
        assert client.get(u, headers=headers).status_code < 500
    out: dict = {"url": args.url, "n": args.n, "urls": len(urls), "src": sys.path[0],
                 "response_cache": os.environ.get("BIOATLAS_RESPONSE_CACHE", "unset")}

    def one_round() -> tuple[float, float]:
        """CPU and wall ms per request over the n requests."""
        c0, w0 = time.process_time(), time.perf_counter()
        for i in range(args.n):
            r = client.get(urls[i % len(urls)], headers=headers)
            assert r.status_code < 500, r.text[:500]
        return (time.process_time() - c0) * 1000 / args.n, (time.perf_counter() - w0) * 1000 / args.n

    if args.rounds:
        rounds = [one_round() for _ in range(args.rounds)]
        out["cpu_ms"], out["wall_ms"] = [c for c, _ in rounds], [w for _, w in rounds]
        print(f"{args.url}: {args.rounds} rounds of {args.n} requests without the profiler, ms per request: CPU "
              + ", ".join(f"{c:.2f}" for c, _ in rounds) + f" (median {statistics.median(out['cpu_ms']):.2f}); wall "
              + ", ".join(f"{w:.2f}" for _, w in rounds) + f" (median {statistics.median(out['wall_ms']):.2f})")
    statements: list[str] = []
    if args.statements:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        event.listen(Engine, "before_cursor_execute", lambda conn, cursor, sql, *a: statements.append(sql))
    if args.no_profile:
        if args.statements:
            one_round()
    else:
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        for i in range(args.n):
            r = client.get(urls[i % len(urls)], headers=headers)
            assert r.status_code < 500, r.text[:500]
        profiler.disable()
        wall = (time.perf_counter() - start) * 1000 / args.n
        out["profiled_ms"] = wall
        print(f"{args.url}: {args.n} requests, {wall:.2f} ms per request (in-process, under the profiler)")
    if args.statements:
        out["statements"] = len(statements) / args.n
        print(f"{len(statements) / args.n:.1f} SQL statements per request; the first request's:")
        for sql in statements[: len(statements) // args.n]:
            print("  ", " ".join(sql.split())[:300])
    if not args.no_profile:
        for key in ("tottime", "cumulative"):
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).strip_dirs().sort_stats(key).print_stats(args.top)
            text_ = text.getvalue()
            print(text_[text_.index("   ncalls"):])
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        out["cumulative"] = [  # (function with its file's full path, calls, own ms, cumulative ms) per request
            (f"{pstats.func_std_string(func)}", nc, tt * 1000 / args.n, ct * 1000 / args.n)
            for func, (_cc, nc, tt, ct, _callers) in sorted(stats.stats.items(), key=lambda kv: -kv[1][3])[: args.top]]  # type: ignore[attr-defined]
        if args.callees:
            pstats.Stats(profiler).strip_dirs().sort_stats("cumulative").print_callees(args.callees)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))

if __name__ == "__main__":
    main()

"""Profile one request path in-process (cProfile): the app on an atlas, the URL asked n times through
httpx's ASGI transport after one warm request (the thread pool replaced by direct calls, so
that cProfile sees the handlers), then the top functions by own time and by
cumulative time, and the mean wall time per request.

    .venv/bin/python bench/profile_request.py /api/v1/actors/12 --database-url sqlite:///bench/.data/demo.sqlite3
    .venv/bin/python bench/profile_request.py "/api/v1/search?q=vaccins" -n 200 --vary-q
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
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
    parser.add_argument("--html", action="store_true", help="ask for text/html")
    parser.add_argument("--callees", default="", help="also print what the functions matching this name call")
    parser.add_argument("--statements", action="store_true", help="count the SQL statements of each request (and print them)")
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("BIOATLAS_WARM_UP", "false")
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
    values = args.vary.split(",") if args.vary else [""]
    urls = [args.url.replace("{}", v) for v in values]
    headers = {"accept": "text/html"} if args.html else {}
    for u in urls:  # warm: indexes, templates, connections
        assert client.get(u, headers=headers).status_code < 500
    statements: list[str] = []
    if args.statements:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        event.listen(Engine, "before_cursor_execute", lambda conn, cursor, sql, *a: statements.append(sql))
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for i in range(args.n):
        r = client.get(urls[i % len(urls)], headers=headers)
        assert r.status_code < 500, r.text[:500]
    profiler.disable()
    wall = (time.perf_counter() - start) * 1000 / args.n
    print(f"{args.url}: {args.n} requests, {wall:.2f} ms per request (in-process, under the profiler)")
    if args.statements:
        print(f"{len(statements) / args.n:.1f} SQL statements per request; the first request's:")
        for sql in statements[: len(statements) // args.n]:
            print("  ", " ".join(sql.split())[:300])
    for key in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key).print_stats(args.top)
        text = out.getvalue()
        print(text[text.index("   ncalls"):])
    if args.callees:
        pstats.Stats(profiler).strip_dirs().sort_stats("cumulative").print_callees(args.callees)


if __name__ == "__main__":
    main()

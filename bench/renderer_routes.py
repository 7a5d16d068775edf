"""Where a server's renderers compute `bench/http_load.py`'s search misses, and what they cost
there: the plan's distinct search URLs in the order of their first ask, routed to N renderers by
the whole URL (`--routing url`, the routing before `search/affinity.py`) or by the search's text
(`--routing text`, `Renderers.route` with `app.RENDERED_BY_TEXT`). Per renderer: its misses, and with `--cpu` their CPU,
each renderer played by a child forked from one warmed app (the response cache off, as a
renderer runs below it), one child at a time: its URLs asked in order, one at a time, its memo
kept across them, as a renderer computes its misses.

    .venv/bin/python bench/renderer_routes.py --database-url sqlite:///bench/.data/…/atlas.sqlite3 --cpu
    .venv/bin/python bench/renderer_routes.py … --renderers 1 --answers /tmp/new.json   # status and body hash per URL
    BENCH_SRC=/work/main/src .venv/bin/python bench/renderer_routes.py … --renderers 1 --answers /tmp/old.json

With `--answers`, the status, a hash of the body, the CPU and the renderer of every URL (to
compare two checkouts' answers over the whole plan: `--compare OLD NEW`, status and hash).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import json
import os
import statistics
import sys
import time
import zlib
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, os.environ.get("BENCH_SRC", str(ROOT / "src")))  # BENCH_SRC: another checkout (before/after)
sys.path.insert(1, str(ROOT))
import bioatlas  # noqa: E402,F401  (from BENCH_SRC: bench.common, imported next, puts this checkout's src first)


def plan(url: str, n: int, seed: int) -> list[str]:
    """The distinct URLs of http_load's `--only search` plan, in the order of their first ask."""
    from bench.http_load import sample, workload

    ids, names = sample(url, seed)
    out: dict[str, None] = {}
    for _kind, path, params in workload(ids, names, n, seed, False, only="search"):
        out.setdefault(f"{path}?{urlencode(params)}" if params else path)
    return list(out)


def routed(urls: list[str], n: int, routing: str, lang: str) -> list[list[str]]:
    """Each renderer's URLs, in order, as a server's worker would send them (cache key: path,
    query, language, variant; wrk asks JSON with no Accept-Language)."""
    from bioatlas.web import renderers

    if routing == "text":
        from bioatlas.app import RENDERED_BY_TEXT

        pool = renderers.Renderers(routes=RENDERED_BY_TEXT)
    out: list[list[str]] = [[] for _ in range(n)]
    for u in urls:
        path, _, query = u.partition("?")
        key = (path, query, lang, False)
        what = key if routing == "url" else pool.route(key)
        out[zlib.crc32(repr(what).encode()) % n].append(u)
    return out


def run_child(app, urls: list[str]) -> list[tuple[str, float, int, str]]:
    """In a forked child: each URL asked once, in order; (url, CPU ms, status, body hash)."""
    import httpx

    loop = asyncio.new_event_loop()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
    out = []
    for u in urls:
        c0 = time.process_time()
        r = loop.run_until_complete(client.get(u, headers={"accept": "application/json"}))
        cpu = (time.process_time() - c0) * 1000
        out.append((u, cpu, r.status_code, hashlib.blake2b(r.content, digest_size=12).hexdigest()))
    return out


def in_child(app, urls: list[str]) -> list[tuple[str, float, int, str]]:
    """run_child in a child forked from this warmed process (its results through a pipe)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            app.state.engine.dispose(close=False)
            data = json.dumps(run_child(app, urls)).encode()
            with os.fdopen(write, "wb") as w:
                w.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as r:
        data = r.read()
    _, status = os.waitpid(pid, 0)
    if status != 0:
        raise SystemExit(f"the child failed (status {status})")
    return [tuple(e) for e in json.loads(data)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--requests", type=int, default=6000, help="size of http_load's plan")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--renderers", type=int, default=2)
    parser.add_argument("--routing", choices=("url", "text", "both"), default="both")
    parser.add_argument("--cpu", action="store_true", help="compute every renderer's misses (forked children)")
    parser.add_argument("--answers", type=Path,
                        help="write url -> [status, body hash, CPU ms, renderer] (--cpu implied; the last routing's)")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("OLD", "NEW"), help="compare two --answers files")
    args = parser.parse_args(argv)
    if args.compare:
        old, new = (json.loads(p.read_text()) for p in args.compare)
        differ = [u for u in old if u in new and old[u][:2] != new[u][:2]]
        print(f"{len(old)} / {len(new)} URLs, {len(set(old) & set(new))} in both, {len(differ)} differ")
        for u in differ[:20]:
            print(f"  {u}: {old[u]} -> {new[u]}")
        return
    if not args.database_url:
        parser.error("--database-url is needed")
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["BIOATLAS_RESPONSE_CACHE"] = "false"
    urls = plan(args.database_url, args.requests, args.seed)
    from bioatlas.core.config import load_settings

    settings = load_settings()
    routings = ["url", "text"] if args.routing == "both" else [args.routing]
    groups = {r: routed(urls, args.renderers, r, settings.default_language) for r in routings}
    print(f"{len(urls)} distinct search URLs, {args.renderers} renderers")
    for r, parts in groups.items():
        print(f"  by {r}: misses per renderer {[len(p) for p in parts]}")
    if not (args.cpu or args.answers):
        return
    import anyio.to_thread

    from bioatlas.app import create_app, warm_now

    async def inline(func, *a, **_kw):  # the sync handlers in this thread: its CPU clock sees them
        return func(*a)

    anyio.to_thread.run_sync = inline  # type: ignore[assignment]
    app = create_app(settings)
    warm_now(app)
    gc.freeze()
    print(f"load average {open('/proc/loadavg').read().split()[:3]}; code {sys.modules['bioatlas'].__file__}")
    answers: dict[str, list] = {}
    for r, parts in groups.items():
        sums, every = [], []
        for i, part in enumerate(parts):
            t0 = time.strftime("%H:%M:%S", time.gmtime())
            done = in_child(app, part)
            cpus = [c for _, c, _, _ in done]
            every += cpus
            sums.append(sum(cpus))
            answers.update({u: [s, h, round(c, 2), i] for u, c, s, h in done})
            print(f"  by {r}, renderer {i} ({t0} UTC): {len(cpus)} misses, CPU sum {sum(cpus):8.1f} ms, "
                  f"mean {statistics.mean(cpus) if cpus else 0:6.2f}, "
                  f"errors {sum(1 for _, _, s, _ in done if s >= 500)}")
        print(f"by {r}: CPU sum {sum(sums):8.1f} ms, per renderer {[round(s) for s in sums]}, "
              f"mean per miss {statistics.mean(every):6.2f} ms; load {open('/proc/loadavg').read().split()[:3]}")
    if args.answers:
        args.answers.write_text(json.dumps(answers, sort_keys=True))


if __name__ == "__main__":
    main()

"""What a response-cache miss costs a served `bioatlas serve`, process by process: the workers and
the renderers apart, with renderers (`--renderers N`) and without (0: the worker computes it).

For each setting a fresh server (`--workers 2`, response cache on) is started on the atlas and
warmed; then the distinct URLs of one class of `bench/http_load.py`'s plan (`--class`, default
the names and fragments: one text each, so no per-text memo serves two of them) are asked once
each, one after the other, by one keep-alive client. The CPU of each process (user + system,
from /proc, its threads included) over the whole pass, divided by the URLs asked, is the CPU per
miss; the workers' share with renderers is the hop's cost on their side (the forward and the
answer's return), the renderers' share the miss plus their own handling. An idle window of the
same length, measured before the pass, is subtracted (heartbeats, the renderers' watch loop).

    .venv/bin/python bench/renderer_hop.py                                   # the demo atlas
    .venv/bin/python bench/renderer_hop.py --database-url sqlite:////tmp/bench-data/search-1000000-1.sqlite3
    .venv/bin/python bench/renderer_hop.py --server-src /tmp/old/src --renderers 2   # another checkout
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import DATA, free_port, load_average, start_server, stop_server, wait_warm  # noqa: E402


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(p) for p in (task / "children").read_text().split()]
    return out


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_of(pid: int) -> float:
    """User + system seconds of one process (every thread of it)."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def roles(server: int, renderers: int) -> dict[str, list[int]]:
    """The server's children by role: the renderers are forked first (before gunicorn starts its
    workers), so they are the `renderers` oldest children."""
    kids = sorted(_children(server), key=lambda p: int(_stat(p)[19]))  # start time
    return {"server": [server], "renderers": kids[:renderers], "workers": kids[renderers:]}


def measure(url: str, urls: list[str], renderers: int, src: Path, idle: float) -> dict:
    import httpx

    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(src), "BIOATLAS_RESPONSE_CACHE": "true"}
    cmd = [sys.executable, "-m", "bioatlas", "serve", "--port", str(port), "--workers", "2",
           "--renderers", str(renderers)]
    server = start_server(cmd, env, DATA / "server-hop.log")
    try:
        wait_warm(port)
        procs = roles(server.pid, renderers)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            for u in ("/api/v1/search?q=warm+up+hop", "/api/v1/search?q=warm+up+hop+two"):  # connections
                client.get(u)
            before = {role: sum(cpu_of(p) for p in pids) for role, pids in procs.items()}
            time.sleep(idle)
            idle_cpu = {role: sum(cpu_of(p) for p in pids) - before[role] for role, pids in procs.items()}
            before = {role: sum(cpu_of(p) for p in pids) for role, pids in procs.items()}
            t0 = time.perf_counter()
            for u in urls:
                r = client.get(u)
                assert r.status_code < 500, (u, r.status_code)
            wall = time.perf_counter() - t0
            spent = {role: sum(cpu_of(p) for p in pids) - before[role] for role, pids in procs.items()}
        scale = wall / idle if idle else 0.0
        return {role: 1000 * (spent[role] - idle_cpu[role] * scale) / len(urls) for role in procs} | {
            "wall_ms": 1000 * wall / len(urls), "processes": {k: len(v) for k, v in procs.items()}}
    finally:
        stop_server(server)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"sqlite:///{DATA / 'demo.sqlite3'}")
    parser.add_argument("--requests", type=int, default=6000, help="size of http_load's plan (its distinct URLs)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--class", dest="klass", default="name or fragment",
                        help="the plan's class of search (bench/profile_misses.search_class); 'all': every search")
    parser.add_argument("--limit", type=int, default=150, help="at most this many URLs")
    parser.add_argument("--missing", action="store_true",
                        help="instead of the plan's searches, `--limit` actors that do not exist (a 404 each: "
                             "the hop's own cost, nearly no computation)")
    parser.add_argument("--renderers", type=int, nargs="+", default=[0, 2], help="settings, in this order")
    parser.add_argument("--idle", type=float, default=2.0, help="seconds of idle CPU measured and subtracted")
    parser.add_argument("--server-src", type=Path, default=ROOT / "src", help="the checkout served")
    args = parser.parse_args(argv)
    from bench.profile_misses import plan_urls, search_class

    if args.missing:
        urls, args.klass = [f"/api/v1/actors/{10**9 + i}" for i in range(args.limit)], "missing actors"
    else:
        urls = [u for u in plan_urls(args.database_url, args.requests, args.seed)["search"]
                if args.klass == "all" or search_class(u) == args.klass][: args.limit]
    print(f"{len(urls)} URLs ({args.klass}), code {args.server_src}, load {load_average()}")
    for n in args.renderers:
        out = measure(args.database_url, urls, n, args.server_src, args.idle)
        print(f"renderers {n}: CPU per miss, ms: workers {out['workers']:.2f}, renderers {out['renderers']:.2f}, "
              f"arbiter {out['server']:.2f}, sum {out['workers'] + out['renderers'] + out['server']:.2f}; "
              f"wall {out['wall_ms']:.2f} ms per miss; processes {out['processes']}; load {load_average()}")


if __name__ == "__main__":
    main()

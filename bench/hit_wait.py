"""How long cached answers wait behind uncached ones: the plan of bench/http_load.py sent by a small
raw HTTP/1.1 client (asyncio streams, keep-alive, `--clients` connections) that times every request
and classifies it by its URL, on a fresh `bioatlas serve`:

- `first`: the first ask of a URL (a miss, unless the warm-up pass already asked it);
- `joined`: a repeat that started while the first ask was still in flight (waits for it);
- `hit`: a repeat that started after an earlier ask of the URL had answered (a cache hit).

Reported per class: count, p50/p95/p99, and the share of the requests slower than the overall p95
that are hits (what the queue costs the answers that are already computed); also the proportional
set size (PSS) of every process of the server after the run (copy-on-write pages counted once).
Python client on the same cores as the server: absolute figures are below wrk's; compare old and
new code alternately (`--server-src`) in the same window.

    flock -w 1500 /tmp/bio-1m.lock .venv/bin/python bench/hit_wait.py --database-url sqlite:///… --only search
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import DATA, ROOT, _tree, cpu_seconds, free_port, pct, wait_warm  # noqa: E402
from bench.common import load_average as _load  # noqa: E402
from bench.common import start_server as start  # noqa: E402
from bench.common import stop_server as stop  # noqa: E402
from bench.http_load import MIX, demo_atlas, sample, wait_port, workload  # noqa: E402

Record = tuple[str, float, float, int, str]  # url, start, end, status, kind


async def send_plan(port: int, plan: list[tuple[str, str, dict]], clients: int, seconds: float) -> list[Record]:
    records: list[Record] = []
    nxt = 0
    deadline = time.perf_counter() + seconds

    async def connection() -> None:
        nonlocal nxt
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while nxt < len(plan) and time.perf_counter() < deadline:
                kind, path, params = plan[nxt]
                nxt += 1
                url = path + ("?" + urlencode(params) if params else "")
                accept = "text/html" if kind == "page" else "application/json"
                t0 = time.perf_counter()
                writer.write(f"GET {url} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: {accept}\r\n\r\n".encode())
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                length = next(int(v) for k, _, v in (h.partition(":") for h in lines[1:])
                              if k.strip().lower() == "content-length")
                await reader.readexactly(length)
                records.append((url, t0, time.perf_counter(), int(lines[0].split()[1]), kind))
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(clients)))
    return records


def classify(records: list[Record], seen: set[str]) -> dict[str, list[tuple[float, str]]]:
    """Each request's wall time (ms) and kind, by class."""
    first_end: dict[str, float] = {}
    out: dict[str, list[tuple[float, str]]] = {"first": [], "joined": [], "hit": []}
    for url, t0, t1, _, kind in sorted(records, key=lambda r: r[1]):
        timed = ((t1 - t0) * 1000, kind)
        if url in seen:
            out["hit"].append(timed)
        elif url not in first_end:
            first_end[url] = t1
            out["first"].append(timed)
        elif t0 < first_end[url]:
            out["joined"].append(timed)
        else:
            out["hit"].append(timed)
    return out


def pss_mib(pid: int) -> tuple[float, int]:
    """PSS of a process and of its children (MiB), and how many processes."""
    total, n = 0.0, 0
    for p in _tree(pid):
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) / 1024
                    n += 1
        except OSError:
            continue
    return total, n


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--demo", action="store_true")
    where.add_argument("--database-url")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--serve-args", default="", help="more options for `bioatlas serve` (e.g. '--renderers 0')")
    parser.add_argument("--server-src", type=Path, help="serve another checkout's src/")
    parser.add_argument("--only", choices=[k for k, _ in MIX])
    args = parser.parse_args(argv)
    url = demo_atlas() if args.demo else args.database_url
    ids, names = sample(url, args.seed)
    plan = workload(ids, names, args.requests, args.seed, False, args.only)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(args.server_src or ROOT / "src")}
    cmd = [sys.executable, "-m", "bioatlas", "serve", "--port", str(port), *args.serve_args.split()]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    print(f"bench/hit_wait.py: {url.rsplit('/', 1)[-1]}, src {env['PYTHONPATH']}, {' '.join(cmd[3:])}, "
          f"load average {_load()}", flush=True)
    server = start(cmd, env, DATA / "server-hit-wait.log")
    try:
        opened = wait_port(port, server, 900)
        wait_warm(port)
        warm = asyncio.run(send_plan(port, plan[: args.clients * 4], args.clients, 60))
        cpu0 = cpu_seconds(server.pid)
        t = time.perf_counter()
        records = asyncio.run(send_plan(port, plan, args.clients, args.seconds))
        elapsed = time.perf_counter() - t
        cpu = (cpu_seconds(server.pid) - cpu0) * 1000 / max(1, len(records))
        pss, procs = pss_mib(server.pid)
    finally:
        stop(server)
    timed = classify(records, {r[0] for r in warm})
    classes = {k: [ms for ms, _ in v] for k, v in timed.items()}
    every = [x for v in classes.values() for x in v]
    p95 = pct(every, 95)
    slow = {k: sum(1 for x in v if x > p95) for k, v in classes.items()}
    kinds = sorted({kind for v in timed.values() for _, kind in v})
    print(f"port open {opened:.1f} s; {len(records):,} requests in {elapsed:.1f} s = {len(records) / elapsed:.1f} rps; "
          f"errors {sum(1 for r in records if r[3] >= 400)}; server CPU {cpu:.2f} ms/request; "
          f"PSS {pss:,.0f} MiB in {procs} processes")
    print(f"  {'class':<7} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  slower than overall p95")
    for k, v in classes.items():
        if v:
            print(f"  {k:<7} {len(v):>6} {pct(v, 50):>8.1f} {pct(v, 95):>8.1f} {pct(v, 99):>8.1f}  {slow[k]}")
    print(f"  {'all':<7} {len(every):>6} {pct(every, 50):>8.1f} {p95:>8.1f} {pct(every, 99):>8.1f}  "
          f"hits {slow['hit'] / max(1, sum(slow.values())):.0%} of them")
    print("  slower than the overall p95, by class and kind (of the kind's requests in that class):")
    for k, v in timed.items():
        cells = [f"{kind} {sum(1 for ms, x in v if x == kind and ms > p95)}/{sum(1 for _, x in v if x == kind)}"
                 for kind in kinds]
        print(f"  {k:<7} " + ", ".join(cells))
    print(f"load average after: {_load()}", flush=True)


if __name__ == "__main__":
    main()

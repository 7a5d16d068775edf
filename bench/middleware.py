"""Per-request cost of the middleware stack on the uncached path, in-process: the app on a migrated
empty SQLite atlas, `GET /api/v1/taxonomies` (a small JSON answer, no database read beyond the
session middleware's) asked n times through httpx's ASGI transport, the response cache off;
CPU time per request (this process: the app and the client) and wall time, median of rounds.
The anchor, same run: a bare FastAPI app answering the same path through the same client.

    .venv/bin/python bench/middleware.py                       # this checkout
    BENCH_SRC=/path/to/other/src .venv/bin/python bench/middleware.py   # another checkout (before/after)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, os.environ.get("BENCH_SRC", str(ROOT / "src")))


async def rounds(app, path: str, n: int, k: int) -> list[tuple[float, float]]:
    import httpx

    out = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
        for _ in range(20):
            (await client.get(path)).raise_for_status()
        for _ in range(k):
            c, w = time.process_time(), time.perf_counter()
            for _ in range(n):
                await client.get(path)
            out.append(((time.process_time() - c) * 1000 / n, (time.perf_counter() - w) * 1000 / n))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=500, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--path", default="/api/v1/taxonomies")
    args = parser.parse_args()
    os.environ["BIOATLAS_WARM_UP"] = "false"
    os.environ["BIOATLAS_RESPONSE_CACHE"] = "false"
    from fastapi import FastAPI

    import bioatlas
    from bioatlas.app import create_app
    from bioatlas.core import migrate
    from bioatlas.core.config import load_settings
    from bioatlas.core.db import make_engine

    folder = tempfile.mkdtemp(prefix="bench-middleware-")
    url = f"sqlite:///{folder}/atlas.sqlite3"
    migrate.upgrade(make_engine(url))
    app = create_app(load_settings(database_url=url))
    bare = FastAPI()

    @bare.get(args.path)
    def answer() -> dict:
        return {"ok": True}

    ours = asyncio.run(rounds(app, args.path, args.n, args.rounds))
    anchor = asyncio.run(rounds(bare, args.path, args.n, args.rounds))
    o_cpu, a_cpu = statistics.median(c for c, _ in ours), statistics.median(c for c, _ in anchor)
    print(f"{bioatlas.__file__}: {args.rounds} rounds of {args.n} GET {args.path}, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"  app       CPU {o_cpu:.3f} ms/request  wall {statistics.median(w for _, w in ours):.3f} ms")
    print(f"  bare app  CPU {a_cpu:.3f} ms/request  wall {statistics.median(w for _, w in anchor):.3f} ms")
    print(f"  ratio app / bare (CPU): {o_cpu / a_cpu:.2f}")


if __name__ == "__main__":
    main()

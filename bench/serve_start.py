"""Where `bioatlas serve`'s start goes, and what its processes hold.

    python bench/serve_start.py phases DATABASE_URL
        in this process: create_app, then each warm-up step (gazetteer, map index, facet index,
        Tantivy's default view, encoder and vectors, resolver, route priming) timed, with the
        resident memory (VmRSS) after each

    python bench/serve_start.py serve DATABASE_URL [--workers N] [--server-src DIR] [--repeat K]
        `bioatlas serve` on a free port of 127.0.0.1: seconds until the port opens and the CPU
        seconds its processes had used by then (user + system, master and workers), the first
        search's latency (and status) then, and per process (master, workers) Rss/Pss/Shared/
        Private from /proc/PID/smaps_rollup, after --requests searches (a map request every 4th,
        a name resolution every 8th) spread over the workers (with --mappings, also per mapping:
        anonymous memory, each index file, Tantivy's files, ...); then stopped. The anchor, measured
        first: seconds until a bare FastAPI route under uvicorn with as many workers opens its port.

Both print the load average before and after. Figures are noisy on a shared machine: quote
them with their load and compare old and new code alternately (`--server-src`).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import cpu_seconds  # noqa: E402


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split(" ")[0]


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def rollup(pid: int) -> dict[str, float]:
    """MiB of Rss, Pss, Shared (clean + dirty), Private (clean + dirty) of a process."""
    kb: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, value = line.split(":", 1)
        kb[key] = int(value.split()[0])
    return {"rss": kb["Rss"] / 1024, "pss": kb["Pss"] / 1024,
            "shared": (kb["Shared_Clean"] + kb["Shared_Dirty"]) / 1024,
            "private": (kb["Private_Clean"] + kb["Private_Dirty"]) / 1024}


def mapping_label(path: str) -> str:
    """What a mapping of /proc/PID/smaps holds, for grouping: anonymous memory (the Python heap, numpy
    arrays, unpickled objects), the index files, Tantivy's, the SQLite file, shared libraries."""
    if not path:
        return "[anonymous]"
    if path.startswith("["):
        return path
    where = Path(path)
    for suffix in (".indexes", ".tantivy"):
        for parent in (where.parent, where.parent.parent):
            if parent.name.endswith(suffix):
                return f"{suffix[1:]}/{where.stem}"
    if ".so" in where.name:
        return "shared libraries"
    return where.name


def by_mapping(pid: int) -> dict[str, dict[str, float]]:
    """MiB of Pss and Private (clean + dirty) of a process per mapping label (`mapping_label`)."""
    out: dict[str, dict[str, float]] = {}
    label = "?"
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split(None, 5)
        if len(head) >= 5 and "-" in head[0] and ":" not in head[0]:
            label = mapping_label(head[5].strip() if len(head) == 6 else "")
            continue
        key, _, value = line.partition(":")
        if key in ("Pss", "Private_Clean", "Private_Dirty"):
            slot = out.setdefault(label, {"pss": 0.0, "private": 0.0})
            slot["pss" if key == "Pss" else "private"] += int(value.split()[0]) / 1024
    return out


def phases(url: str, files: bool, skip: set[str]) -> None:
    import logging

    from bioatlas.core import index_files

    index_files.enable(files)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    os.environ["DATABASE_URL"] = url
    print(f"load {loadavg()}", flush=True)
    steps: list[tuple[str, float, float]] = []

    def step(name: str, fn) -> None:
        if name in skip:
            return
        started = time.perf_counter()
        fn()
        steps.append((name, time.perf_counter() - started, rss_mib()))
        print(f"{name:28s} {steps[-1][1]:8.1f} s   RSS {steps[-1][2]:8.0f} MiB   load {loadavg()}", flush=True)

    holder: dict = {}

    def app() -> None:
        from bioatlas.app import create_app
        from bioatlas.core.config import load_settings

        holder["app"] = create_app(load_settings())

    step("create_app", app)
    application = holder["app"]
    sessions, settings = application.state.sessionmaker, application.state.settings

    def gazetteer() -> None:
        from bioatlas.atlas.geocode import gazetteer as g

        g()

    def map_index() -> None:
        from bioatlas.atlas import map_index as m

        with sessions() as session, m.current(session):
            pass

    def facets() -> None:
        from bioatlas.atlas.service import taxonomies
        from bioatlas.search import index_cache

        with sessions() as session:
            index_cache.current(session, taxonomies(settings))

    def tantivy() -> None:
        from bioatlas.atlas.service import taxonomies
        from bioatlas.search import tantivy_index, tantivy_search

        with sessions() as session:
            tantivy_search.prime(tantivy_index.current(session, taxonomies(settings)), taxonomies(settings))

    def semantic() -> None:
        from bioatlas.search.service import semantic_function

        fn = semantic_function()
        if fn is not None:
            with sessions() as session:
                fn(session, query="bioproduction", k=1)

    def resolver() -> None:
        from bioatlas.resolve.service import resolver_for

        with sessions() as session:
            resolver_for(session)

    def prime() -> None:
        from bioatlas.app import prime as p

        p(application)

    for name, fn in (("gazetteer", gazetteer), ("map index", map_index), ("search facet index", facets),
                     ("tantivy default view", tantivy), ("encoder + vectors", semantic), ("resolver", resolver),
                     ("prime routes", prime)):
        step(name, fn)
    print(json.dumps({"load_after": loadavg(), "steps": steps}))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def child_kind(pid: int) -> str:
    """"spawned" for a process started by multiprocessing's spawn (a Tantivy rebuild apart), else "worker"
    (gunicorn's workers and the renderers)."""
    try:
        return "spawned" if b"multiprocessing" in Path(f"/proc/{pid}/cmdline").read_bytes() else "worker"
    except OSError:
        return "worker"


def wait_port(port: int, process: subprocess.Popen, log: Path) -> None:
    while True:
        if process.poll() is not None:
            raise SystemExit(f"server exited ({process.returncode}); see {log}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)


def anchor(workers: int) -> float:
    """Seconds until a bare FastAPI route served by uvicorn with as many workers opens its port
    (the same machine at the same moment: Python, FastAPI and uvicorn start, nothing of ours)."""
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", "bench.http_load:bare_app", "--factory", "--host", "127.0.0.1",
           "--port", str(port), "--log-level", "warning", "--workers", str(workers)]
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}"}
    started = time.perf_counter()
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_port(port, process, Path("/dev/null"))
        return round(time.perf_counter() - started, 2)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


def top_mappings(mappings: dict[str, dict[str, dict[str, float]]], top: int = 8) -> dict[str, dict[str, list]]:
    """Per process, the labels holding the most Pss: [Pss MiB, Private MiB]."""
    return {name: {label: [round(v["pss"], 1), round(v["private"], 1)]
                   for label, v in sorted(labels.items(), key=lambda kv: -kv[1]["pss"])[:top]}
            for name, labels in mappings.items()}


def serve_once(url: str, workers: int, src: Path, log: Path, requests: int, with_mappings: bool = False) -> dict:
    import httpx

    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(src)}
    cmd = [sys.executable, "-m", "bioatlas", "serve", "--port", str(port), "--workers", str(workers)]
    load0, utc = loadavg(), time.strftime("%H:%M:%S", time.gmtime())
    t0 = time.perf_counter()
    with log.open("w") as out:
        server = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_port(port, server, log)
        opened = time.perf_counter() - t0
        cpu_open = cpu_seconds(server.pid)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(timeout=120) as client:
            started = time.perf_counter()
            first = client.get(f"{base}/api/v1/search", params={"q": "vaccins", "mode": "fulltext"})
            first_ms = (time.perf_counter() - started) * 1000
            cpu_first = cpu_seconds(server.pid)
            started = time.perf_counter()
            page = client.get(f"{base}/actors")
            page_ms = (time.perf_counter() - started) * 1000
            words = ("anticorps", "vaccins", "bioproduction", "thérapie génique", "lyon", "cellules", "plasmide")
            for i in range(requests):  # fresh connections spread them over the workers
                with httpx.Client(timeout=120) as c:
                    c.get(f"{base}/api/v1/search", params={"q": f"{words[i % len(words)]} {i}", "mode": "fulltext"})
                    if i % 4 == 0:
                        c.get(f"{base}/api/v1/map/clusters", params={"bbox": "-5,41,10,51", "zoom": "5"})
                    if i % 8 == 0:
                        c.get(f"{base}/api/v1/match", params={"q": f"Institut {words[i % len(words)]}"})
        pids = {"master": server.pid, **{f"{child_kind(child)}{i + 1}": child for i, child in enumerate(children(server.pid))}}
        procs = {name: rollup(pid) for name, pid in pids.items()}
        mappings = {name: by_mapping(pid) for name, pid in pids.items()} if with_mappings else None
        total = {k: sum(p[k] for p in procs.values()) for k in ("rss", "pss")}
        return {"utc": utc, "load_before": load0, "load_after": loadavg(), "port_open_s": round(opened, 1),
                "cpu_at_open_s": round(cpu_open, 1), "cpu_after_first_s": round(cpu_first, 1),
                "first_search_ms": round(first_ms), "first_status": first.status_code, "first_page_ms": round(page_ms),
                "page_status": page.status_code, "procs": procs, "total": total,
                **({"mappings": top_mappings(mappings)} if mappings else {})}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("phases", "serve"))
    parser.add_argument("url")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--server-src", type=Path, default=ROOT / "src")
    parser.add_argument("--log", type=Path, default=Path("/tmp/serve_start.log"))
    parser.add_argument("--requests", type=int, default=40, help="serve: searches (with map and resolve requests) "
                        "before the processes' memory is read")
    parser.add_argument("--mappings", action="store_true",
                        help="serve: also each process's Pss and Private per mapping (anonymous, index files, Tantivy, ...)")
    parser.add_argument("--files", action="store_true", help="phases: with the index files beside the database")
    parser.add_argument("--skip", default="", help="phases: steps left out, comma-separated (e.g. resolver)")
    args = parser.parse_args()
    if args.what == "phases":
        phases(args.url, args.files, set(filter(None, args.skip.split(","))))
    else:
        bare = anchor(args.workers)
        print(json.dumps({"anchor_port_open_s": bare,
                          **serve_once(args.url, args.workers, args.server_src, args.log, args.requests,
                                       args.mappings)}, indent=1))


if __name__ == "__main__":
    main()

"""Before and after issue 19, side by side: the actor page and the search profiled in-process, and
the issue's "Why" table over HTTP, for the code before issue 19's first change and for this checkout.

    .venv/bin/python bench/before_after.py                      # everything (~10 min on a quiet machine)
    .venv/bin/python bench/before_after.py --skip-http          # the in-process profiles only
    .venv/bin/python bench/before_after.py --before-src /work/wt-before/src --work /tmp/prof1

Do not wrap it in `flock /tmp/bench.lock`: it takes the bench lock itself (`--lock`) around each
timed run only (short holds), so that other benchmarks can run between them; it prints the load
average before and after each run.

Each side runs on its own demo atlas built by its own code (`bioatlas demo load`, once, under
`--work`, at low priority and outside the lock): the shared bench/.data/demo.sqlite3 has a newer
schema than the old code knows. The "before" code is `git archive REV src` of `--rev` (default:
749c0e9, the last commit of main before issue 19's first change, bd59734) unless `--before-src`
names a checkout's src.

1. In-process (`bench/profile_request.py` in a subprocess, `BENCH_SRC` = the side's src): `GET
   /api/v1/actors/{id}` and the page `/actors/{id}` (the largest cluster of the demo and a few
   actors of both atlases, by name), `GET /api/v1/search?q=…` and the page `/search?q=…` (the
   sector queries of bench/common.py's TOPICS and a few actor names); the response cache off (every
   request a miss of it; the per-query memos of the newer code still answer a repeated query)
   and on (hits; the old code has no response cache). CPU ms per request without the profiler
   (median of `--rounds` rounds), SQL statements per request, the profiler's top functions by
   cumulative time. Before and after alternate (the order swapped at each request kind).
2. Over HTTP (`bench/http_load.py --only KIND --client wrk --workers 2 --no-ceiling`, the old code
   through `--server-src`), each kind alone, then the first burst of searches after start
   (`--at-open`: from the port's opening, no wait for the workers' warm-up, no warm pass).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.common import TOPICS, load_average  # noqa: E402

BEFORE_REV = "749c0e9"  # parent of bd59734, issue 19's first commit on main (git log --first-parent)
KINDS = ("search", "actor", "page", "clusters")


@contextmanager
def bench_lock(path: str | None):
    """The bench lock held for one timed run (flock on `path`; none when path is empty)."""
    if not path:
        yield
        return
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def timed_run(cmd: list[str], lock: str | None, what: str, env: dict | None = None) -> tuple[str, str]:
    """`cmd` run under the bench lock: its standard output and the load average before → after;
    a failure stops the script naming `what` and the end of the command's output."""
    with bench_lock(lock):
        load0 = load_average()
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        load1 = load_average()
    if done.returncode != 0:
        raise SystemExit(f"{what} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return done.stdout, f"{load0} → {load1}"


def before_src(args) -> Path:
    if args.before_src:
        return args.before_src
    out = args.work / f"before-{args.rev}"
    if not (out / "src" / "bioatlas").exists():
        out.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.rev, "src"], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(out)], input=archive.stdout, check=True)
    return out / "src"


def demo(side: str, src: Path, work: Path) -> Path:
    """The side's demo atlas, built by its own code (once)."""
    path = work / f"{side}-demo.sqlite3"
    if not path.exists():
        print(f"building the {side} demo with {src} (bioatlas demo load, niceness 19) ...", flush=True)
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "PYTHONPATH": str(src)}
        try:
            subprocess.run(["nice", "-n", "19", sys.executable, "-m", "bioatlas", "demo", "load"], env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except subprocess.CalledProcessError:
            path.unlink(missing_ok=True)
            raise
    return path


def prime(src: Path, db: Path) -> None:
    """One search in process, outside the lock at low priority: builds what a side builds on its
    first search (the newer code's Tantivy index beside a new atlas), so that no timed run pays it."""
    env = {**os.environ, "BENCH_SRC": str(src), "PYTHONPATH": str(src)}
    subprocess.run(["nice", "-n", "19", sys.executable, str(ROOT / "bench" / "profile_request.py"),
                    "/api/v1/search?q=vaccins", "--database-url", f"sqlite:///{db}", "-n", "1", "--no-profile"],
                   env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def subjects(dbs: dict[str, Path], seed: int, k: int = 4) -> tuple[dict[str, list[int]], list[str], list[str]]:
    """Actor ids per side (the largest cluster by inbound relations, then k active actors whose name
    both atlases hold once), their names, and k other such names for the name searches."""
    rows = {}
    for side, path in dbs.items():
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as c:
            top = c.execute("SELECT a.name FROM actor_relations r JOIN actors a ON a.id = r.target_id "
                            "GROUP BY r.target_id ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
            names = {}
            for i, name in c.execute("SELECT id, name FROM actors WHERE status = 'active'"):
                names.setdefault(name, []).append(i)
            rows[side] = (top, {n: v[0] for n, v in names.items() if len(v) == 1 and "|" not in n})
    tops = {t for t, _ in rows.values()}
    if len(tops) != 1:
        raise SystemExit(f"the two demos' largest clusters differ: {tops}")
    top = tops.pop()
    common = sorted(set.intersection(*(set(r[1]) for r in rows.values())) - {top})
    rng = random.Random(seed)
    picked = rng.sample(common, 2 * k)
    actors = [top] + picked[:k]
    ids = {side: [r[1][n] for n in actors] for side, r in rows.items()}
    return ids, actors, picked[k:]


def profile(side: str, src: Path, db: Path, url: str, vary: list[str], html: bool, cache: str, args) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = ["nice", "-n", "0", sys.executable, str(ROOT / "bench" / "profile_request.py"), url,
               "--database-url", f"sqlite:///{db}", "-n", str(args.n), "--rounds", str(args.rounds), "--statements",
               "--vary", "|".join(vary), "--vary-sep", "|", "--response-cache", cache, "--top", "150",
               "--json", out.name] + (["--html"] if html else [])
        env = {**os.environ, "BENCH_SRC": str(src), "PYTHONPATH": str(src)}
        _, load = timed_run(cmd, args.lock, f"{side} {url}: profile_request.py", env)
        result = json.loads(Path(out.name).read_text())
    result.update(side=side, cache=cache, load=load, at=time.strftime("%H:%M:%S", time.gmtime()))
    return result


def http(side: str, src: Path, db: Path, kind: str, at_open: bool, args) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = ["nice", "-n", "0", sys.executable, str(ROOT / "bench" / "http_load.py"), "--database-url",
               f"sqlite:///{db}", "--only", kind, "--client", args.client, "--workers", "2", "--no-ceiling",
               "--seconds", str(args.seconds), "--requests", str(args.requests), "--server-src", str(src),
               "--json", out.name] + (["--at-open"] if at_open else [])
        _, load = timed_run(cmd, args.lock, f"{side} {kind}: http_load.py")
        result = json.loads(Path(out.name).read_text())["ours"]
    result.update(side=side, kind=kind, load=load, at=time.strftime("%H:%M:%S", time.gmtime()))
    return result


MISS_KINDS = ("search", "search page", "actor", "actor page", "page")
MISS_LINE = re.compile(r"^(?P<kind>\S.*?)\s+(?P<n>\d+) misses  wall mean\s+(?P<wall>[\d.]+) ms  p50\s+[\d.]+  "
                       r"p95\s+(?P<p95>[\d.]+)\s+CPU mean\s+(?P<cpu>[\d.]+) ms")


def misses(side: str, src: Path, db: Path, args) -> dict:
    """bench/profile_misses.py on the side's demo: each distinct URL of http_load's plan asked once
    (response cache off), CPU mean per kind."""
    cmd = ["nice", "-n", "0", sys.executable, str(ROOT / "bench" / "profile_misses.py"), "--database-url",
           f"sqlite:///{db}", "--limit", str(args.miss_limit)] + [a for k in MISS_KINDS for a in ("--kind", k)]
    env = {**os.environ, "BENCH_SRC": str(src), "PYTHONPATH": str(src)}
    stdout, load = timed_run(cmd, args.lock, f"{side}: profile_misses.py", env)
    kinds = {m["kind"]: {"n": int(m["n"]), "wall": float(m["wall"]), "p95": float(m["p95"]), "cpu": float(m["cpu"])}
             for m in map(MISS_LINE.match, stdout.splitlines()) if m}
    return {"side": side, "kinds": kinds, "load": load, "at": time.strftime("%H:%M:%S", time.gmtime())}


def has_response_cache(src: Path) -> bool:
    return (src / "bioatlas" / "web" / "response_cache.py").exists()


# the frames that only pass the request on (event loop, client, ASGI routing, thread pool, plug-in
# calls): left out of the top functions, which then name the work
PLUMBING = ("/asyncio/", "/httpx/", "/anyio/", "/pluggy/", "/starlette/routing.py", "/starlette/middleware/",
            "/starlette/_exception_handler.py", "/starlette/applications.py", "/fastapi/applications.py",
            "/fastapi/concurrency.py", "/starlette/concurrency.py", "/contextlib.py", "/bench/profile_request.py", "{built-in method builtins.exec}",
            "{method 'run' of", "(run_endpoint_function)", "(app)", "(_run_sync_endpoint)", "(__call__)",
            "(dispatch)", "(call_next)", "/fastapi/routing.py:1", "(handle)", "(_handle_selected)",
            "<frozen importlib._bootstrap")  # httpx's ASGI transport looks for trio at each request (a failed import)


def short(name: str) -> str:
    """site-packages/pkg/file.py:12(f) -> pkg/file.py:12(f); .../src/bioatlas/x.py -> bioatlas/x.py"""
    for mark in ("/site-packages/", "/src/", "/lib/python3"):
        if mark in name:
            return name.split(mark, 1)[1]
    return name


def top_lines(result: dict, n: int) -> list[str]:
    """The profiler's top functions by cumulative time, the frames that only pass the request on
    left out (PLUMBING: the middlewares' entry points among them)."""
    rows = [r for r in result.get("cumulative", []) if not any(p in r[0] for p in PLUMBING)]
    return [f"    {ct:7.2f} ms cum {tt:6.2f} own {calls / result['n']:7.1f} calls  {short(name)}"
            for name, calls, tt, ct in rows[:n]]


LABELS = ("GET /api/v1/actors/{id}", "GET /actors/{id} (page)", "GET /api/v1/search?q=…", "GET /search?q=… (page)")


def _cell(runs: list[dict] | None) -> str:
    """CPU median over every round of the runs (each run's median), and statements per request."""
    if not runs:
        return "– | –"
    each = ", ".join(f"{statistics.median(r['cpu_ms']):.2f}" for r in runs)
    return (f"{statistics.median([c for r in runs for c in r['cpu_ms']]):.2f} ({each}) | "
            f"{statistics.mean(r.get('statements', 0) for r in runs):.1f}")


def print_profiles(everything: dict, top: int) -> None:
    """CPU per request by side and cache (the medians of each run's rounds, and over them all),
    statements, then each side's top functions (response cache off)."""
    print("\n| request | cache | before: CPU ms, median (each run's) | SQL | after: CPU ms, median (each run's) | SQL "
          "| after / before |")
    print("|---|---|---|---|---|---|---|")
    for label in LABELS:
        for cache in ("off", "on"):
            cell: dict[str, list[dict]] = {}
            for r in everything["profiles"]:
                if r["label"] == label and r["cache"] == cache:
                    cell.setdefault(r["side"], []).append(r)
            if not cell:
                continue
            med = {side: statistics.median([c for r in rs for c in r["cpu_ms"]]) for side, rs in cell.items()}
            ratio = f"{med['after'] / med['before']:.2f}" if len(med) == 2 else "–"
            print(f"| {label} | {cache} | {_cell(cell.get('before'))} | {_cell(cell.get('after'))} | {ratio} |")
    print("\nRuns (UTC, load average 1 / 5 / 15 min before → after):")
    for r in everything["profiles"]:
        print(f"  {r['at']} {r['label']} {r['side']} cache {r['cache']}: CPU rounds "
              f"{', '.join(f'{c:.2f}' for c in r['cpu_ms'])} ms; load {r['load']}")
    print("\nTop functions by cumulative time under cProfile, ms per request (response cache off; the first run):")
    for label in LABELS:
        for side in ("before", "after"):
            r = next((r for r in everything["profiles"]
                      if r["label"] == label and r["side"] == side and r["cache"] == "off"), None)
            if r:
                print(f"  {label}, {side} ({r['profiled_ms']:.1f} ms per request under the profiler):")
                print("\n".join(top_lines(r, top)))


def print_http(everything: dict, client: str) -> None:
    """One row per run, in time order: the before/after pairs with their load."""
    print(f"\n| request ({client}, 50 clients, 2 workers, each kind alone) | side | UTC | load before → after | rps "
          "| p50 ms | p95 ms | errors | server CPU ms / request |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in everything["http"]:
        run = r[client]
        if client == "wrk":
            rps, p50, p95, errors = run["rps"], run["p50"], run["p95"], sum(run["errors"].values())
        else:
            k = run["kinds"][r["kind"]]
            rps, p50, p95 = k["n"] / run["seconds"], k["p50"], k["p95"]
            errors = sum(sum(e.values()) for e in run["errors"].values())
        name = f"{r['kind']}, first burst after start" if r["at_open"] else r["kind"]
        print(f"| {name} | {r['side']} | {r['at']} | {r['load']} | {rps:,.1f} | {p50:,.1f} | {p95:,.1f} | {errors} "
              f"| {run['cpu_ms']:.2f} |")
    print("\nport open / first search / first page after start:")
    for r in everything["http"]:
        print(f"  {r['at']} {r['side']} {r['kind']}{' at open' if r['at_open'] else ''}: {r['opened']:.2f} s / "
              f"{r['first'] * 1000:,.0f} ms / {r['first_page'] * 1000:,.0f} ms")


def save(everything: dict, path: Path | None) -> None:
    """The figures so far (after each run: an interrupted run keeps what it measured)."""
    if path:
        path.write_text(json.dumps(everything, indent=1, default=str))


def print_misses(everything: dict) -> None:
    print("\nEach distinct miss of http_load's plan once (response cache off):")
    print("| side | UTC | load before → after | " + " | ".join(f"{k}: n, CPU mean ms" for k in MISS_KINDS) + " |")
    print("|---|---|---|" + "---|" * len(MISS_KINDS))
    for r in everything["misses"]:
        cells = [f"{r['kinds'][k]['n']}, {r['kinds'][k]['cpu']:.2f}" if k in r["kinds"] else "–" for k in MISS_KINDS]
        print(f"| {r['side']} | {r['at']} | {r['load']} | {' | '.join(cells)} |")


def print_all(everything: dict, args) -> None:
    """The tables of whatever `everything` holds: profiles, misses, HTTP runs."""
    if everything["profiles"]:
        print_profiles(everything, args.top)
    if everything["misses"]:
        print_misses(everything)
    if everything["http"]:
        print_http(everything, args.client)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default=BEFORE_REV, help="the 'before' commit (git archive of its src)")
    parser.add_argument("--before-src", type=Path, help="the 'before' checkout's src (instead of --rev)")
    parser.add_argument("--after-src", type=Path, default=ROOT / "src")
    parser.add_argument("--work", type=Path, default=Path("/tmp/before_after"), help="the demos and the old source")
    parser.add_argument("--lock", default="/tmp/bench.lock", help="the bench lock taken around each timed run ('' none)")
    parser.add_argument("-n", type=int, default=40, help="requests per round (in-process)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--top", type=int, default=15, help="top functions printed per profile")
    parser.add_argument("--seconds", type=float, default=15, help="each HTTP run's time bound")
    parser.add_argument("--requests", type=int, default=6000, help="each HTTP run's plan")
    parser.add_argument("--client", choices=("wrk", "httpx"), default="wrk")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-profiles", action="store_true")
    parser.add_argument("--skip-misses", action="store_true")
    parser.add_argument("--miss-limit", type=int, default=60, help="bench/profile_misses.py's URLs per kind")
    parser.add_argument("--json", type=Path, help="also write every figure to this file (after each run)")
    parser.add_argument("--first", choices=("before", "after"), default="before",
                        help="the side measured first in the first pair (then the order alternates)")
    parser.add_argument("--from-json", type=Path, nargs="+", metavar="PATH",
                        help="measure nothing: print the tables of earlier runs' --json files (several: pooled)")
    args = parser.parse_args(argv)
    if args.from_json:
        everything = {"profiles": [], "http": [], "misses": []}
        for path in args.from_json:
            run = json.loads(path.read_text())
            for key in everything:
                everything[key] += run.get(key, [])
        print_all(everything, args)
        return
    args.work.mkdir(parents=True, exist_ok=True)
    srcs = {"before": before_src(args), "after": args.after_src}
    dbs = {side: demo(side, src, args.work) for side, src in srcs.items()}
    for side, src in srcs.items():
        prime(src, dbs[side])
    for side, db in dbs.items():
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
            n, active = c.execute("SELECT count(*), sum(status = 'active') FROM actors").fetchone()
        print(f"{side}: {srcs[side]}, demo {db} ({n:,} actors, {active:,} active)")
    ids, actors, names = subjects(dbs, args.seed)
    print(f"actors: {actors} (ids {ids})\nname searches: {names}\nload average {load_average()}", flush=True)
    queries = [quote(q) for q in TOPICS + names]
    paths = [("/api/v1/actors/{}", False, None), ("/actors/{}", True, None),
             ("/api/v1/search?q={}", False, queries), ("/search?q={}", True, queries)]
    everything: dict = {"actors": actors, "ids": ids, "names": names, "profiles": [], "misses": [], "http": []}
    step = 0
    for label, (url, html, vary) in zip(LABELS, paths):
        for cache in ("off", "on") if not args.skip_profiles else ():
            order = ("before", "after") if (step % 2 == 0) == (args.first == "before") else ("after", "before")
            step += 1
            for side in order:
                if cache == "on" and not has_response_cache(srcs[side]):
                    continue
                r = profile(side, srcs[side], dbs[side], url, vary or [str(i) for i in ids[side]], html, cache, args)
                r["label"] = label
                everything["profiles"].append(r)
                save(everything, args.json)
                print(f"  {r['at']} {label} {side} cache {cache}: CPU {statistics.median(r['cpu_ms']):.2f} ms "
                      f"(rounds {', '.join(f'{c:.2f}' for c in r['cpu_ms'])}), {r.get('statements', 0):.1f} "
                      f"statements, load {r['load']}", flush=True)
    if not args.skip_misses:
        order = ("before", "after") if (step % 2 == 0) == (args.first == "before") else ("after", "before")
        step += 1
        for side in order:
            r = misses(side, srcs[side], dbs[side], args)
            everything["misses"].append(r)
            save(everything, args.json)
            print(f"  {r['at']} misses {side}: " + ", ".join(f"{k} {v['cpu']:.2f} ms" for k, v in r["kinds"].items())
                  + f"; load {r['load']}", flush=True)
    for kind, at_open in [(kind, False) for kind in KINDS] + [("search", True)] if not args.skip_http else ():
        order = ("before", "after") if (step % 2 == 0) == (args.first == "before") else ("after", "before")
        step += 1
        for side in order:
            r = http(side, srcs[side], dbs[side], kind, at_open, args)
            r["at_open"] = at_open
            everything["http"].append(r)
            save(everything, args.json)
            print(f"  {r['at']} {kind}{' first burst' if at_open else ''} {side}: {r[args.client].get('rps', 0):.1f} "
                  f"rps, load {r['load']}", flush=True)
    print_all(everything, args)
    print(f"load average at the end {load_average()}")


if __name__ == "__main__":
    main()

"""Pieces the benchmarks share (bench/search.py, bench/http_load.py, bench/fulltext.py, ...):
where the cached atlases live, the sector topics, percentiles, the machine's load, a free port
on 127.0.0.1, a served process's memory and CPU (its workers included), waiting for a server's
warm-up, starting and stopping a server with its output in a log file, and a SQLite atlas's files in
the page cache (what a server read from the disk, `bench/http_load.py --cold`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / ".data"  # cached synthetic and demo atlases (may be a link to /tmp)
TOPICS = ["anticorps monoclonaux", "viral vectors", "thérapie cellulaire", "vaccins", "gene therapy", "CDMO",
          "bioproduction", "protéines recombinantes", "contrôle qualité", "fill and finish", "ARN messager",
          "plasmide", "thérapie génique", "cell therapy", "bioréacteur"]
PLACES = ["Lyon", "Toulouse", "Strasbourg", "Marseille", "Nantes", "Lille", "Bordeaux", "Évry", "Dijon", "Rennes"]

# this checkout's bench package, and the code measured: BENCH_SRC (another checkout's src, for a
# before/after) when a script was started with it, else this checkout's src
for path in (str(ROOT), os.environ.get("BENCH_SRC", str(ROOT / "src"))):
    if path not in sys.path:
        sys.path.insert(0, path)


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank); NaN for no values."""
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p / 100 * len(values)) - 1))]


def load_average() -> str:
    return " / ".join(f"{v:.2f}" for v in os.getloadavg())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tree(pid: int | str):
    """The process and its children still running (uvicorn or gunicorn workers)."""
    todo = [str(pid)]
    while todo:
        p = todo.pop()
        try:
            yield p
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += (task / "children").read_text().split()
        except OSError:
            continue


def rss_mib(pid: int | str = "self") -> float:
    """Resident memory of a process and of its children, MiB."""
    total = 0.0
    for p in _tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and of its children still running."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for p in _tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except OSError:
            continue
    return total


def disk_reads(pid: int) -> int:
    """Bytes a process and its children still running made the kernel read from the disk (read()s
    and page faults of memory maps alike; /proc/PID/io `read_bytes`, readable by its user)."""
    total = 0
    for p in _tree(pid):
        try:
            for line in Path(f"/proc/{p}/io").read_text().splitlines():
                if line.startswith("read_bytes:"):
                    total += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total


def atlas_files(url: str) -> list[Path]:
    """A SQLite atlas's files that a server reads through the page cache: the database, its index
    files and its Tantivy index (none for another database)."""
    if not url.startswith("sqlite:///"):
        return []
    database = Path(url.removeprefix("sqlite:///"))
    return [database, database.with_name(database.name + ".indexes"), database.with_name(database.name + ".tantivy")]


def files_in_cache(files: list[Path]) -> tuple[int, int]:
    """(bytes in the page cache, bytes) of those files: a run that starts with them out of memory
    reads them from the disk (docs/performance.md, `queue1`)."""
    from bioatlas.core.page_cache import resident

    return resident(files)


def drop_from_cache(files: list[Path]) -> None:
    """`bench/http_load.py --cold`: the atlas's files out of the page cache (POSIX_FADV_DONTNEED; clean pages only),
    as after a reboot or a pause on a host that reclaims idle pages."""
    from bioatlas.core.page_cache import files_of

    for path in files_of(files):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def wait_warm(port: int, minutes: float = 20) -> float:
    """Until 10 answers in a row of /healthz say `warming: false` (every worker has warmed); seconds."""
    import httpx

    start, quiet = time.perf_counter(), 0
    deadline = time.monotonic() + 60 * minutes
    while quiet < 10 and time.monotonic() < deadline:
        try:
            warming = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=30).json().get("warming")
        except httpx.HTTPError:
            warming = True
        quiet = 0 if warming else quiet + 1
        if not quiet:
            time.sleep(0.5)
    return time.perf_counter() - start


def start_server(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    """The server, its output in `log` (a pipe nobody reads would stall it once full)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        return subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()

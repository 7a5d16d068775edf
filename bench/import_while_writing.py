"""Writes while a CLI import runs (issue 20 item 2): a served SQLite atlas takes proposals from a few
writers and public exports while `bioatlas import actors` writes a 3,000-row file beside it. Prints,
for each code tree given, writes attempted / accepted / refused with 503 (retry) / failed otherwise /
lost (accepted but absent from the database afterwards), and the writes' p50/p95 latency. The anchor
is the same writers against the same server with no import running, measured in the same run.

    python bench/import_while_writing.py                        # this checkout
    python bench/import_while_writing.py --before /tmp/old/src  # also an older tree (git worktree)

Each tree runs in its own server process (`bioatlas serve --workers 1`) and its own database; the
writers never retry, so every refusal is counted."""

from __future__ import annotations

import argparse
import os
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

TOKEN = "b" * 32
PAUSE = 0.25  # seconds between two requests of one client: a few editors, not a load test
PASSWORD = "mot de passe synthétique 42"
SRC = Path(__file__).resolve().parents[1] / "src"


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    accepted: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int, seconds: float, marker: str | None = None) -> None:
        with self.lock:
            self.statuses.append(status)
            self.latencies.append(seconds)
            if marker and status in (200, 201):
                self.accepted.add(marker)

    def line(self, label: str, lost: int | None) -> str:
        n = len(self.statuses)
        ok = sum(s in (200, 201) for s in self.statuses)
        busy = sum(s == 503 for s in self.statuses)
        other = n - ok - busy
        q = statistics.quantiles(self.latencies, n=20) if n >= 2 else [0.0] * 19
        p50 = statistics.median(self.latencies) if n else 0.0
        lost_text = "-" if lost is None else str(lost)
        return f"{label:34} {n:>5} {ok:>6} {busy:>5} {other:>6} {lost_text:>5} {p50 * 1000:>8.0f} {q[18] * 1000:>8.0f}"


def _env(src: Path, db: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(src), "BIOATLAS_DATABASE_URL": f"sqlite:///{db}",
            "BIOATLAS_ADMIN_TOKEN": TOKEN, "BIOATLAS_RATE_LIMIT_PROPOSALS": "1000000",
            "BIOATLAS_RESPONSE_CACHE": "false", "BIOATLAS_RATE_LIMIT_LOGIN": "1000",
            "BIOATLAS_NEW_USER_PASSWORD": PASSWORD}


def _csv(path: Path, rows: int, prefix: str) -> Path:
    lines = ["Nom;CP;Ville;Type"] + [f"{prefix} {i};91000;Évry-Courcouronnes;company" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _logged_in(url: str, email: str) -> httpx.Client:
    """A client signed in as `email` (a member proposes through the session and its CSRF token)."""
    client = httpx.Client(base_url=url, timeout=60)
    client.cookies.set("bioatlas_csrf", "c" * 32)
    r = client.post("/account/login", data={"email": email, "password": PASSWORD, "csrf_token": "c" * 32})
    if r.status_code not in (200, 303):
        raise SystemExit(f"login refused: {r.status_code} {r.text[:200]}")
    page = client.get("/account").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if token is None:
        raise SystemExit("no CSRF token on /account")
    client.headers["X-CSRF-Token"] = token.group(1)
    return client


def _writer(client: httpx.Client, actor_ids: list[int], tally: Tally, stop: threading.Event) -> None:
    i = 0
    while not stop.is_set():
        marker = f"bench-{uuid.uuid4().hex[:12]}"
        actor_id = actor_ids[i % len(actor_ids)]
        i += 1
        start = time.perf_counter()
        try:
            r = client.post(f"/api/v1/actors/{actor_id}/proposals", json={"fields": {"description_fr": marker}})
            status = r.status_code
        except httpx.HTTPError:
            status = 599  # no answer within 60 s
        tally.add(status, time.perf_counter() - start, marker)
        stop.wait(PAUSE)


def _exporter(url: str, tally: Tally, stop: threading.Event) -> None:
    with httpx.Client(base_url=url, timeout=60) as client:
        while not stop.is_set():
            start = time.perf_counter()
            try:
                status = client.get("/api/v1/export", params={"format": "csv", "q": "Genopole"}).status_code
            except httpx.HTTPError:
                status = 599
            tally.add(status, time.perf_counter() - start)
            stop.wait(PAUSE)


def _lost(db: Path, accepted: set[str]) -> int:
    """Accepted proposals whose marker is not in any contribution's payload."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        found = {m for (payload,) in conn.execute("SELECT payload FROM contributions") for m in accepted if m in payload}
    return len(accepted - found)


def run_tree(label: str, src: Path, rows: int, writers: int, seconds_alone: float) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-iww-") as tmp:
        tmp_path = Path(tmp)
        db = tmp_path / "atlas.db"
        env = _env(src, db)
        py = [sys.executable, "-m", "bioatlas"]
        subprocess.run(py + ["db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run(py + ["import", "actors", str(_csv(tmp_path / "seed.csv", 40, "Cible synthétique"))],
                       env=env, check=True, capture_output=True)
        emails = [f"redacteur{i}@example.org" for i in range(writers)]
        for email in emails:
            subprocess.run(py + ["accounts", "create-user", "--email", email, "--name", "Rédacteur synthétique",
                                 "--verified"], env=env, check=True, capture_output=True)
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            actor_ids = [i for (i,) in conn.execute("SELECT id FROM actors ORDER BY id")]
        port = 8600 + os.getpid() % 300
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(py + ["serve", "--port", str(port), "--workers", "1"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"{label}: the server did not start")
                time.sleep(0.2)
            clients = [_logged_in(url, email) for email in emails]
            results = []
            for phase in ("alone (anchor)", "during the import"):
                writes, exports, stop = Tally(), Tally(), threading.Event()
                threads = [threading.Thread(target=_writer, args=(client, actor_ids, writes, stop)) for client in clients]
                threads.append(threading.Thread(target=_exporter, args=(url, exports, stop)))
                for t in threads:
                    t.start()
                began = time.perf_counter()
                if phase.startswith("alone"):
                    time.sleep(seconds_alone)
                    imported = ""
                else:
                    big = _csv(tmp_path / "big.csv", rows, "Organisation synthétique")
                    done = subprocess.run(py + ["import", "actors", str(big)], env=env, capture_output=True, text=True)
                    imported = (done.stdout + done.stderr).strip().splitlines()[-1][:90]
                elapsed = time.perf_counter() - began
                stop.set()
                for t in threads:
                    t.join()
                results.append((phase, writes, exports, elapsed, imported))
            for client in clients:
                client.close()
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        print(f"\n## {label} ({src})")
        print(f"{'':34} {'tried':>5} {'2xx':>6} {'503':>5} {'other':>6} {'lost':>5} {'p50 ms':>8} {'p95 ms':>8}")
        for phase, writes, exports, elapsed, imported in results:
            print(writes.line(f"proposals, {phase}", _lost(db, writes.accepted)))
            print(exports.line(f"exports, {phase}", None))
            print(f"  {phase}: {elapsed:.1f} s" + (f"; import: {imported}" if imported else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=3000, help="rows of the imported file")
    parser.add_argument("--writers", type=int, default=4, help="threads posting proposals")
    parser.add_argument("--alone", type=float, default=5.0, help="seconds of the anchor phase (no import)")
    parser.add_argument("--before", type=Path, help="the src/ folder of an older tree to run first")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # `timeout` too stops the servers (finally blocks)
    if args.before:
        run_tree("before", args.before, args.rows, args.writers, args.alone)
    run_tree("this checkout", SRC, args.rows, args.writers, args.alone)


if __name__ == "__main__":
    main()

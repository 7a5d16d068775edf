"""The task queue: enqueue cost, drain throughput and enqueue-to-start latency of no-op jobs with
huey on its default SQLite file (and on PostgreSQL with --pg URL), through the real `jobs` queue
(every job recorded in `job_runs` through huey's signals, as in production).

    .venv/bin/python bench/jobs.py                    # n = 2000 no-op jobs, 1 and 2 worker threads
    .venv/bin/python bench/jobs.py --pg postgresql://bioatlas@127.0.0.1:55440/bench

Prints: enqueue time per job (p50/p95) and jobs/s; drain time of n queued jobs by a consumer
with 1 and 2 threads (jobs/s); latency from enqueue to the job starting on an idle worker (p50,
p95, max over --samples jobs enqueued at random gaps); the load average.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `bench`/`tests` importable
from huey import signals as S

from bioatlas.core import migrate
from bioatlas.core.config import load_settings
from bioatlas.core.db import make_engine
from bioatlas.core.plugins import TaskSpec
from bioatlas.jobs.queue import build_queue

STARTED: dict[str, float] = {}


def noop(*, sent: float, key: str) -> None:
    STARTED[key] = time.perf_counter() - sent


SPECS = [TaskSpec(name="bench.noop", func=noop, retries=0)]


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


class Counter:
    def __init__(self, huey):
        self.n = 0
        self.cond = threading.Condition()
        huey.signal(S.SIGNAL_COMPLETE)(self.hit)

    def hit(self, *args):
        with self.cond:
            self.n += 1
            self.cond.notify_all()

    def wait(self, n, timeout=600):
        with self.cond:
            return self.cond.wait_for(lambda: self.n >= n, timeout=timeout)


def run(label: str, settings, n: int, samples: int) -> None:
    queue = build_queue(settings, specs=SPECS)
    queue.huey.flush()
    counter = Counter(queue.huey)
    print(f"\n== {label}")
    for workers in (1, 2):
        times = []
        start = time.perf_counter()
        for i in range(n):
            t0 = time.perf_counter()
            queue.enqueue("bench.noop", sent=t0, key=f"{workers}-{i}")
            times.append(time.perf_counter() - t0)
        enqueue_s = time.perf_counter() - start
        print(f"enqueue {n} jobs: {enqueue_s:.2f} s, {n / enqueue_s:.0f} jobs/s; per job p50 "
              f"{pct(times, .5) * 1000:.2f} ms p95 {pct(times, .95) * 1000:.2f} ms")
        consumer = queue.consumer(workers=workers)
        before = counter.n
        start = time.perf_counter()
        consumer.start()
        assert counter.wait(before + n), "the consumer did not drain the queue"
        drain_s = time.perf_counter() - start
        print(f"drain with {workers} thread(s): {drain_s:.2f} s, {n / drain_s:.0f} jobs/s")
        if workers == 1:
            lat = []
            rng = random.Random(1)
            for i in range(samples):
                time.sleep(rng.uniform(0.2, 2.0))  # the worker goes idle and backs off
                key = f"lat-{i}"
                before = counter.n
                queue.enqueue("bench.noop", sent=time.perf_counter(), key=key)
                counter.wait(before + 1)
                lat.append(STARTED[key])
            print(f"enqueue-to-start on an idle worker ({samples} jobs): p50 {pct(lat, .5) * 1000:.0f} ms, "
                  f"p95 {pct(lat, .95) * 1000:.0f} ms, max {max(lat) * 1000:.0f} ms")
        consumer.stop(graceful=True)
    queue.huey.flush()


def huey_alone(tmp: Path, n: int) -> None:
    """The same no-op jobs on a bare SqliteHuey (no job_runs record): what huey itself costs."""
    from huey import SqliteHuey

    huey = SqliteHuey("bare", filename=str(tmp / "bare.sqlite3"), results=False)
    task = huey.task(name="bare.noop")(noop)
    counter = Counter(huey)
    print("\n== bare SqliteHuey (no job_runs record)")
    start = time.perf_counter()
    for i in range(n):
        huey.enqueue(task.s(sent=time.perf_counter(), key=f"bare-{i}"))
    enqueue_s = time.perf_counter() - start
    consumer = huey.create_consumer(workers=1, worker_type="thread", initial_delay=0.1, max_delay=1.0)
    start = time.perf_counter()
    consumer.start()
    assert counter.wait(n)
    drain_s = time.perf_counter() - start
    consumer.stop(graceful=True)
    print(f"enqueue {n}: {n / enqueue_s:.0f} jobs/s ({enqueue_s / n * 1000:.2f} ms each); "
          f"drain with 1 thread: {n / drain_s:.0f} jobs/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--pg", default="", help="also measure huey's PostgreSQL storage on this database")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    tmp = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    settings = load_settings(data_dir=tmp, environment="test")
    migrate.upgrade(make_engine(settings.resolved_database_url))
    huey_alone(tmp, args.n)
    run("SqliteHuey, file in the data directory; job_runs on SQLite", settings, args.n, args.samples)
    if args.pg:
        pg = load_settings(database_url=args.pg, jobs_url=args.pg, environment="test", data_dir=tmp)
        migrate.upgrade(make_engine(pg.resolved_database_url))
        run("PostgresHuey (huey_* tables); job_runs on PostgreSQL", pg, args.n, args.samples)
    print(f"\nload average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

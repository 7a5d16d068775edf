"""The B2B meeting scheduler on synthetic events and on the public benchmark of Bofill et al.

SYNTHETIC DATA. The events are invented and say so ("synthetic B2B event", participants
"synthetic participant N"); nothing in them describes a real event or person.

    .venv/bin/python bench/b2b.py                              # sizes 60/240 … 500/3000, 60 s each
    .venv/bin/python bench/b2b.py --sizes 500:3000 --time-limit 60
    .venv/bin/python bench/b2b.py --sizes 500:3000 --relaxation 60  # and the relaxation's lower bound
    .venv/bin/python bench/b2b.py --dzn-dir DIR --time-limit 60  # every *.original.dzn in DIR
    .venv/bin/python bench/b2b.py --dzn-dir DIR --only tic-12,forum-13 --maxsat --time-limit 15
                                                               # CP-SAT and RC2 (PySAT) side by side

A synthetic event: 2 days of 20-minute slots, 09:00–12:20 and 14:00–17:20 (10 + 10 slots a
day, 40 in all); participants' popularity is skewed (a Zipf-like weight: a few are asked by
many); 10 % of participants send two representatives; 20 % are away for one half-day; 15 % of
the meetings wish a morning or an afternoon; tables = 1.25 x the meetings per slot on average.
Every accepted meeting is optional for the solver (it places as many as possible, then
minimises the breaks), as in the platform. A participant never gets more requests than the
slots it can meet in, so a placement of every meeting usually exists.

Prints per size: participants, meetings, tables, meetings placed and the proven upper bound on
the meetings that can be placed ("at most"), total breaks, the proven lower bound on them, the
gap, status, wall time, and the load average.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from bioatlas.events.scheduling import dzn, greedy, maxsat, relaxation, solver  # noqa: E402
from bioatlas.events.scheduling.problem import MUST_MEET, WOULD_LIKE, Meeting, Problem  # noqa: E402

SLOTS_PER_HALF_DAY = 10  # 09:00-12:20 and 14:00-17:20, 20-minute slots
DAYS = 2


def synthetic_event(participants: int, requests: int, *, seed: int = 1) -> Problem:
    """A synthetic event (see the module doc)."""
    rng = random.Random(seed)
    n_slots = DAYS * 2 * SLOTS_PER_HALF_DAY
    days = [(d * 2 * SLOTS_PER_HALF_DAY, (d + 1) * 2 * SLOTS_PER_HALF_DAY - 1) for d in range(DAYS)]
    halves = [frozenset(range(h * SLOTS_PER_HALF_DAY, (h + 1) * SLOTS_PER_HALF_DAY)) for h in range(2 * DAYS)]
    mornings = frozenset().union(*halves[0::2])
    afternoons = frozenset().union(*halves[1::2])
    capacity = [2 if rng.random() < 0.10 else 1 for _ in range(participants)]
    unavailable = [halves[rng.randrange(len(halves))] if rng.random() < 0.20 else frozenset()
                   for _ in range(participants)]
    room = [(n_slots - len(unavailable[p])) * capacity[p] for p in range(participants)]
    weight = [1.0 / (1 + rng.random() * 4) ** 1.2 for _ in range(participants)]
    load = [0] * participants
    seen: set[tuple[int, int]] = set()
    meetings: list[Meeting] = []
    attempts = 0
    while len(meetings) < requests and attempts < requests * 50:
        attempts += 1
        a, b = rng.choices(range(participants), weights=weight, k=2)
        key = (min(a, b), max(a, b))
        if a == b or key in seen or load[a] >= min(room[a], 24) or load[b] >= min(room[b], 24):
            continue
        seen.add(key)
        load[a] += 1
        load[b] += 1
        roll = rng.random()
        slots = mornings if roll < 0.075 else afternoons if roll < 0.15 else None
        meetings.append(Meeting(a=a, b=b, slots=slots, priority=MUST_MEET if rng.random() < 0.3 else WOULD_LIKE,
                                label=f"synthetic meeting {len(meetings) + 1}"))
    tables = max(1, round(1.25 * len(meetings) / n_slots))
    return Problem(n_participants=participants, n_slots=n_slots, tables=tables, meetings=meetings, days=days,
                   capacity=capacity, unavailable=unavailable, require_all=False, fairness=2,
                   participant_labels=[f"synthetic participant {p + 1}" for p in range(participants)])


# Table 3 of Bofill et al. (JAIR 74, 2022): the proven optimum of each original instance, fairness d = 2
PUBLISHED = {
    "forum-13": 0, "forum-13crafb": 6, "forum-13crafc": 1, "forum-14": 2, "forumt-14": 5, "forumt-14crafc": 5,
    "forumt-14crafd": 4, "forumt-14crafe": 5, "tic-12": 0, "tic-12crafc": 0, "tic-13": 0, "tic-13crafb": 0,
    "tic-13crafc": 4, "tic-14crafa": 0, "tic-14crafc": 0, "tic-14crafd": 0, "ticf-13crafa": 0, "ticf-13crafb": 3,
    "ticf-13crafc": 1, "ticf-14crafa": 0,
}


def row(name: str, problem: Problem, result, seconds: float) -> str:
    gap = "-" if result.gap is None else f"{result.gap:.1%}"
    held = "-" if result.held_bound is None else result.held_bound
    status = result.status + (f" (fairness exceeded by {result.fairness_excess})" if result.fairness_excess else "")
    return (f"| {name} | {problem.n_participants} | {len(problem.meetings)} | {problem.n_slots} | {problem.tables} | "
            f"{len(result.placements)} | {held} | {result.total_breaks} | {result.bound} | {gap} | {status} | "
            f"{seconds:.1f} s | {os.getloadavg()[0]:.1f} | {PUBLISHED.get(name, '-')} |")


HEADER = ("| instance | participants | meetings | slots | tables | placed | at most | breaks | bound | gap | status "
          "| time | load | published optimum |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")


MAXSAT_HEADER = ("| instance | CP-SAT breaks | CP-SAT bound | CP-SAT status | CP-SAT time | RC2 breaks | RC2 bound "
                 "| RC2 status | RC2 time | load |\n|---|---|---|---|---|---|---|---|---|---|")


def anchor() -> float:
    """Seconds of a fixed CPU-bound piece of work (the greedy schedule of the synthetic 200/1000
    event): the yardstick of this run on a shared machine, printed before and after."""
    problem = synthetic_event(200, 1000, seed=7)
    started = time.monotonic()
    greedy.schedule(problem)
    return time.monotonic() - started


def side_by_side(paths: list[Path], *, time_limit: float, workers: int, fairness: int) -> None:
    """CP-SAT (the scheduler's phases without RC2) and RC2 alone (PySAT's MaxSAT with Glucose 3,
    `scheduling.maxsat`) on the same instances; the scheduler itself runs both at once (`portfolio`)."""
    print(MAXSAT_HEADER, flush=True)
    for path in paths:
        problem = dzn.read(path, fairness=fairness)
        started = time.monotonic()
        cp = solver.solve(problem, time_limit=time_limit, workers=workers, use_maxsat=False)
        cp_time = time.monotonic() - started
        ms = maxsat.solve(problem, time_limit=time_limit)
        print(f"| {path.name.removesuffix('.original.dzn')} | {cp.total_breaks} | {cp.bound} | {cp.status} | "
              f"{cp_time:.1f} s | {ms.total_breaks if ms.total_breaks is not None else '-'} | {ms.bound} | "
              f"{ms.status} | {ms.seconds:.1f} s | {os.getloadavg()[0]:.1f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="60:240,100:500,200:1000,300:1800,500:3000",
                        help="participants:requests pairs, comma-separated ('' for none)")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dzn-dir", type=Path, help="run every *.original.dzn of this folder instead")
    parser.add_argument("--only", default="", help="with --dzn-dir: these instance names only, comma-separated")
    parser.add_argument("--maxsat", action="store_true", help="with --dzn-dir: RC2 (PySAT) beside CP-SAT")
    parser.add_argument("--fairness", type=int, default=2)
    parser.add_argument("--relaxation", type=float, default=0.0,
                        help="synthetic sizes: then RC2 on the relaxation (`scheduling.relaxation`) for this many "
                             "seconds, its lower bound on the breaks and whether it applies to the schedule")
    args = parser.parse_args()
    print(f"anchor (greedy on synthetic 200/1000): {anchor():.2f} s; load {os.getloadavg()[0]:.1f}", flush=True)
    if args.dzn_dir:
        paths = sorted(args.dzn_dir.glob("*.original.dzn"))
        if args.only:
            wanted = set(args.only.split(","))
            paths = [p for p in paths if p.name.removesuffix(".original.dzn") in wanted]
        if args.maxsat:
            side_by_side(paths, time_limit=args.time_limit, workers=args.workers, fairness=args.fairness)
        else:
            print(HEADER, flush=True)
            proven = 0
            for path in paths:
                problem = dzn.read(path, fairness=args.fairness)
                started = time.monotonic()
                result = solver.solve(problem, time_limit=args.time_limit, workers=args.workers)
                name = path.name.removesuffix(".original.dzn")
                print(row(name, problem, result, time.monotonic() - started), flush=True)
                if result.status == "optimal":
                    proven += 1
                    if name in PUBLISHED and result.total_breaks != PUBLISHED[name]:
                        print(f"MISMATCH: {name} proven {result.total_breaks}, published {PUBLISHED[name]}")
            print(f"proven optimal: {proven}/{len(paths)} (the paper: 20/20 within 24 s each)", flush=True)
    if args.sizes and not args.dzn_dir:
        print(HEADER, flush=True)
        for pair in args.sizes.split(","):
            participants, requests = (int(x) for x in pair.split(":"))
            problem = synthetic_event(participants, requests, seed=args.seed)
            started = time.monotonic()
            result = solver.solve(problem, time_limit=args.time_limit, workers=args.workers)
            print(row(f"synthetic {participants}/{requests}", problem, result, time.monotonic() - started),
                  flush=True)
            if args.relaxation > 0:
                started = time.monotonic()
                bound, relaxed = relaxation.lower_bound(problem, seconds=args.relaxation)
                applies = relaxed.applies(len(result.placements))
                gap = "-" if not applies or not result.total_breaks else f"{1 - bound / result.total_breaks:.1%}"
                print(f"relaxation (at most {relaxed.left_out} left out, {len(relaxed.optional)} optional): bound "
                      f"{bound}, applies {'yes' if applies else 'no'}, gap {gap}, {time.monotonic() - started:.1f} s, "
                      f"load {os.getloadavg()[0]:.1f}", flush=True)
    print(f"anchor again: {anchor():.2f} s; load {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()

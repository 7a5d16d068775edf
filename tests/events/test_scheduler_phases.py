"""The scheduler's phases on their own: each participant's lower bound on its breaks, the upper
bound on the meetings held, the repair of meetings left out, the local search on the breaks."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from bioatlas.events.scheduling import bounds, dzn, greedy, lns, maxsat, placement, solver
from bioatlas.events.scheduling.problem import MUST_MEET, WOULD_LIKE, Meeting, Problem, count_breaks
from tests.events.test_scheduler import check, violations


def forced_break() -> Problem:
    # participant 0 is away in the middle slot and meets 1 (away in the last) and 2 (away in the
    # first): 0 meets first and last (two blocks, one break) whatever the schedule
    meetings = [Meeting(a=0, b=1), Meeting(a=0, b=2), Meeting(a=3, b=4)]
    unavailable = [frozenset({1}), frozenset({2}), frozenset({0}), frozenset(), frozenset()]
    return Problem(n_participants=5, n_slots=3, tables=2, meetings=meetings, unavailable=unavailable, fairness=None)


def test_a_participants_own_bound_is_a_proof_of_optimality():
    problem = forced_break()
    assert bounds.participant_bound(problem, 0) == 1
    assert bounds.participant_bound(problem, 3) == 0
    result = solver.solve(problem, time_limit=10)
    assert result.status == "optimal" and result.total_breaks == 1 and result.bound == 1
    check(problem, result)


def test_held_bound_counts_what_cannot_fit():
    # participant 0 has 3 meetings and 2 free slots: one of them is left out whatever happens
    meetings = [Meeting(a=0, b=1), Meeting(a=0, b=2), Meeting(a=0, b=3), Meeting(a=1, b=2)]
    problem = Problem(n_participants=4, n_slots=3, tables=2, meetings=meetings,
                      unavailable=[frozenset({2}), frozenset(), frozenset(), frozenset()], require_all=False)
    assert bounds.held_bound(problem, range(4), deadline=time.monotonic() + 10) == 3
    result = solver.solve(problem, time_limit=10)
    assert len(result.placements) == result.held_bound == 3


def synthetic(n: int, requests: int, slots: int, seed: int) -> Problem:
    rng = random.Random(seed)
    pairs = rng.sample([(a, b) for a in range(n) for b in range(a + 1, n)], k=requests)
    meetings = [Meeting(a=a, b=b, priority=rng.choice([MUST_MEET, WOULD_LIKE])) for a, b in pairs]
    return Problem(n_participants=n, n_slots=slots, tables=max(1, requests // slots + 1), meetings=meetings,
                   days=[(0, slots // 2 - 1), (slots // 2, slots - 1)], require_all=False, fairness=2,
                   unavailable=[frozenset(rng.sample(range(slots), k=2)) for _ in range(n)])


def test_repair_and_local_search_keep_every_rule_and_never_lose_ground():
    problem = synthetic(14, 45, 12, seed=3)
    start = greedy.schedule(problem)
    repaired = placement.repair(problem, start, deadline=time.monotonic() + 5)
    assert set(start) <= set(repaired)
    assert [v for v in violations(problem, repaired) if not v.endswith("not placed")] == []
    improved = lns.improve(problem, repaired, deadline=time.monotonic() + 3, seed=1)
    assert set(improved) == set(repaired)  # the same meetings held
    assert [v for v in violations(problem, improved) if not v.endswith("not placed")] == []
    before, after = count_breaks(problem, repaired), count_breaks(problem, improved)
    assert (lns.excess(problem, after), sum(after)) <= (lns.excess(problem, before), sum(before))


def test_maxsat_model_reaches_the_same_optimum_as_cp_sat():
    data = Path(__file__).parent / "data"
    for name, breaks in (("hand-breaks.dzn", 2), ("tic-12.original.dzn", 0)):
        problem = dzn.read(data / name)
        result = maxsat.solve(problem, time_limit=30)
        assert (result.status, result.total_breaks, result.bound) == ("optimal", breaks, breaks)
        assert len(result.slot_of) == len(problem.meetings)
        assert violations(problem, result.slot_of) == []
    conflict = maxsat.solve(dzn.read(data / "hand-conflict.dzn"), time_limit=10)
    assert conflict.status == "infeasible"
    with pytest.raises(maxsat.Unsupported, match="required"):
        maxsat.encode(synthetic(6, 8, 6, seed=1))  # optional meetings: outside the MaxSAT model's scope

"""The scheduler's phases on their own: each participant's lower bound on its breaks, the upper
bound on the meetings held, the repair of meetings left out, the local search on the breaks."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest

from bioatlas.events.scheduling import bounds, dzn, greedy, lns, maxsat, placement, portfolio, relaxation, solver, witness
from bioatlas.events.scheduling.problem import MUST_MEET, WOULD_LIKE, Meeting, Problem, count_breaks
from tests.events.test_scheduler import brute_force, check, violations


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


@pytest.mark.parametrize("windows", [False, True])
def test_repair_and_local_search_keep_every_rule_and_never_lose_ground(windows):
    problem = synthetic(14, 45, 12, seed=3)
    start = greedy.schedule(problem)
    repaired = placement.repair(problem, start, deadline=time.monotonic() + 5)
    assert set(start) <= set(repaired)
    assert [v for v in violations(problem, repaired) if not v.endswith("not placed")] == []
    improved = lns.improve(problem, repaired, deadline=time.monotonic() + 2, seed=1, windows=windows)
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


def solver_processes() -> list[int]:
    """Processes started for a search that are still there: children of this process or of the
    multiprocessing fork server (the server and the resource tracker excepted: they live as long as
    this process)."""
    from multiprocessing import forkserver, resource_tracker

    server = getattr(forkserver._forkserver, "_forkserver_pid", None)
    tracker = getattr(resource_tracker._resource_tracker, "_pid", None)  # multiprocessing's own helper
    parents = {os.getpid(), server}
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in (server, tracker):
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[1]) in parents:
            alive.append(int(entry.name))
    return alive


def test_portfolio_runs_both_solvers_in_processes_and_leaves_none():
    problem = dzn.read(Path(__file__).parent / "data" / "hand-breaks.dzn")
    seen: list[str] = []
    result = portfolio.solve(problem, time_limit=20, workers=2, on_progress=lambda phase, *_: seen.append(phase))
    assert (result.status, result.total_breaks, result.bound) == ("optimal", 2, 2)
    assert violations(problem, {p.meeting: p.slot for p in result.placements}) == []
    assert solver_processes() == []
    assert seen, "progress from the processes reaches the caller"
    # a problem with optional meetings stays in this process (RC2's model needs every meeting)
    assert maxsat.scope_error(synthetic(6, 8, 6, seed=1)) is not None


def test_witness_search_goes_down_by_halves_and_never_asks_at_the_bound():
    problem = dzn.read(Path(__file__).parent / "data" / "hand-breaks.dzn")  # optimum: 2 breaks
    asked: list[int | None] = []
    found: list[int] = []
    noes: list[int] = []

    def keep(slot_of: dict[int, int], breaks: int) -> None:
        assert violations(problem, slot_of) == [] and sum(count_breaks(problem, slot_of)) == breaks
        found.append(breaks)

    witness.search(problem, floor=0, on_schedule=keep, on_ask=asked.append, on_no=noes.append, solver="g3")
    assert asked[0] is None  # any fair schedule first
    assert found == sorted(found, reverse=True) and found[-1] == 2  # better and better, down to the optimum
    assert noes and max(noes) == 1  # "at most 1?" is the no that proves it
    # with a live bound of 1 (RC2's), the question "at most 1?" is never asked: it stops at 2
    asked.clear(), found.clear(), noes.clear()
    witness.search(problem, floor=0, on_schedule=keep, on_ask=asked.append, on_no=noes.append, solver="g3",
                  bound=lambda: 1)
    assert found[-1] == 2 and noes == [] and all(k is None or k >= 2 for k in asked)


def test_best_prefers_a_fair_schedule_then_fewer_breaks():
    # participant 0 meets 1, 2, 3 (slots 0..4, one table): spread 1 (one break vs none) at most
    problem = Problem(n_participants=5, n_slots=5, tables=1, fairness=0,
                      meetings=[Meeting(a=0, b=1), Meeting(a=0, b=2), Meeting(a=3, b=4)])
    best = portfolio.Best(problem)
    assert best.offer({0: 0}, "cp-sat") is None  # incomplete: ignored
    assert best.offer({0: 0, 1: 2, 2: 4}, "cp-sat") == (1, 1)  # participant 0: a break, the others none
    assert best.offer({0: 0, 1: 1, 2: 4}, "witness") == (0, 0)
    assert best.offer({0: 0, 1: 2, 2: 3}, "cp-sat") == (1, 1)  # unfair again: not kept
    assert (best.key, best.source, best.fair_breaks) == ((0, 0), "witness", 0)


def test_portfolio_returns_the_best_schedule_any_process_saw(monkeypatch):
    monkeypatch.setattr(portfolio, "GRACE", 0.0)
    problem = dzn.read(Path(__file__).parent / "data" / "tic-12.original.dzn")
    seen: list[tuple[str, int, int]] = []
    result = portfolio.solve(problem, time_limit=1.0, workers=2,
                             on_seen=lambda source, breaks, over: seen.append((source, breaks, over)))
    assert solver_processes() == []
    if not seen:  # nothing reported within the tiny limit (a very busy machine): nothing to choose
        assert result.status == "unknown" and not result.placements
        return
    over, breaks = min((o, b) for _s, b, o in seen)
    assert (result.fairness_excess, result.total_breaks) == (over, breaks)
    assert violations(problem, {p.meeting: p.slot for p in result.placements}) == []
    assert result.status in (("optimal", "feasible") if over == 0 else ("feasible",))


@pytest.mark.parametrize("soft", ["counter", "gaps"])
@pytest.mark.parametrize("seed", [0, 2, 3, 5, 7, 9, 11, 32, 37])  # 3, 32, 37: fairness 1 with a break to pay
def test_maxsat_with_implied_constraints_matches_brute_force(seed, soft):
    rng = random.Random(seed)
    n, slots = rng.randint(4, 6), rng.randint(3, 5)
    pairs = rng.sample([(a, b) for a in range(n - 1) for b in range(a + 1, n - 1)], k=min(4, (n - 1) * (n - 2) // 2))
    meetings = [Meeting(a=a, b=b, fixed=rng.choice([None, None, None, rng.randrange(slots)])) for a, b in pairs]
    problem = Problem(n_participants=n, n_slots=slots, tables=rng.randint(1, 2), meetings=meetings,
                      unavailable=[frozenset(rng.sample(range(slots), k=rng.randint(0, 1))) for _ in range(n)],
                      fairness=rng.choice([None, 0, 1]))  # participant n has no meeting: in scope
    expected = brute_force(problem)
    found = maxsat.solve(problem, time_limit=10, soft=soft)
    if expected is None:
        assert found.status == "infeasible"
        assert witness.witness(problem, at_most=len(meetings) * slots, solver="g3") is None
        return
    assert (found.status, found.total_breaks) == ("optimal", expected[2])
    assert violations(problem, found.slot_of) == []
    # "a schedule with at most k breaks?": yes at the optimum (a valid one), no below it
    at_optimum = witness.witness(problem, at_most=expected[2], solver="g3")
    assert at_optimum is not None and violations(problem, at_optimum) == []
    assert sum(count_breaks(problem, at_optimum)) <= expected[2]
    if expected[2] > 0:
        assert witness.witness(problem, at_most=expected[2] - 1, solver="g3") is None
    groups = maxsat.clusters(problem)
    assert sorted(m for group in groups for m in group) == list(range(len(meetings)))
    for group in groups:  # a cluster's meetings share a participant: at most one per slot
        assert len(group) == 1 or set.intersection(*({meetings[m].a, meetings[m].b} for m in group))


@pytest.mark.parametrize("limit", [0, 1, 2, 3])
def test_sorted_break_counter_costs_each_break_and_caps_them(limit):
    # the unary counter of a participant's breaks: for every set of breaks, the cheapest
    # completion costs exactly their number, and more than `limit` of them cannot hold
    from itertools import product

    from pysat.examples.rc2 import RC2
    from pysat.formula import WCNF, IDPool

    pool = IDPool()
    gaps = [pool.id(("g", i)) for i in range(4)]
    clauses = maxsat._counted(gaps, limit, pool)
    for values in product([False, True], repeat=len(gaps)):
        wcnf = WCNF()
        for clause, weight in clauses:
            if weight:
                wcnf.append(clause, weight=weight)
            else:
                wcnf.append(clause)
        for gap, value in zip(gaps, values, strict=True):
            wcnf.append([gap if value else -gap])
        with RC2(wcnf) as rc2:
            model = rc2.compute()
            if sum(values) > limit:
                assert model is None
            else:
                assert model is not None and rc2.cost == sum(values)


def test_relaxation_bound_counts_the_break_forced_once_the_most_meetings_are_held():
    # participant 0 is away in slot 1 and has 3 meetings for 2 slots: one is left out (N = 1), and
    # whichever it is, 0 meets in slots 0 and 2: one break in every schedule holding 3 meetings
    meetings = [Meeting(a=0, b=1), Meeting(a=0, b=2), Meeting(a=0, b=3), Meeting(a=3, b=4)]
    unavailable = [frozenset({1}), frozenset({2}), frozenset({0}), frozenset(), frozenset()]
    problem = Problem(n_participants=5, n_slots=3, tables=2, meetings=meetings, unavailable=unavailable,
                      require_all=False, fairness=2)
    assert relaxation.deficits(problem) == {0: 1}
    relaxed = relaxation.relax(problem)
    assert (relaxed.left_out, relaxed.optional) == (1, frozenset({0, 1, 2}))
    bound, _ = relaxation.lower_bound(problem, seconds=10)
    assert bound == 1
    result = solver.solve(problem, time_limit=10)
    assert relaxed.applies(len(result.placements)) and result.total_breaks == 1
    assert not relaxed.applies(len(result.placements) - 1)


def test_witness_questions_follow_the_bound():
    ask = portfolio.next_question
    assert ask(None, 0, 0.0) == (1, None)  # no fair schedule yet: any, at once
    assert ask(90, 3, 0.5) is None  # the bound is still rising
    assert ask(90, 3, portfolio.WITNESS_DELAY) == (4, 4)  # one above the bound, never at it
    assert ask(5, 4, portfolio.WITNESS_DELAY) is None  # only "at most 4?" is left: RC2's question...
    assert ask(5, 4, portfolio.DECIDE_DELAY) == (4, 4)  # ...asked here too once the bound has stayed
    assert ask(4, 4, 100.0) is None  # proven

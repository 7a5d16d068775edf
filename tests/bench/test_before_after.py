"""bench/before_after.py: the same actors on both sides (by name, whatever their ids), and the
profile's top lines name the work, not the frames that only pass the request on."""

import sqlite3

import pytest

from bench.before_after import MISS_LINE, subjects, top_lines


def _atlas(path, rows, relations):
    with sqlite3.connect(path) as c:
        c.execute("CREATE TABLE actors (id INTEGER PRIMARY KEY, name TEXT, status TEXT)")
        c.execute("CREATE TABLE actor_relations (id INTEGER PRIMARY KEY, actor_id INT, relation TEXT, target_id INT)")
        c.executemany("INSERT INTO actors VALUES (?, ?, ?)", rows)
        c.executemany("INSERT INTO actor_relations (actor_id, relation, target_id) VALUES (?, 'member_of', ?)", relations)
    return path


def test_same_actors_by_name_on_both_sides(tmp_path):
    names = [f"Actor {i}" for i in range(12)]
    before = _atlas(tmp_path / "b.sqlite3", [(i + 1, n, "active") for i, n in enumerate(names)]
                    + [(50, "Only before", "active"), (51, "Twice", "active"), (52, "Twice", "active")],
                    [(i, 3) for i in range(4, 10)] + [(1, 2)])
    # other ids after, one more member of the cluster, an actor merged away (inactive)
    after = _atlas(tmp_path / "a.sqlite3", [(100 + i, n, "active" if i != 5 else "merged") for i, n in enumerate(names)]
                   + [(150, "Only after", "active"), (151, "Twice", "active"), (152, "Twice", "active")],
                   [(100 + i, 102) for i in range(3, 11)] + [(100, 101)])
    ids, actors, searched = subjects({"before": before, "after": after}, seed=1, k=3)
    assert actors[0] == "Actor 2"  # the largest cluster on both sides
    assert ids["before"][0] == 3 and ids["after"][0] == 102
    for before_id, after_id, name in zip(ids["before"], ids["after"], actors):
        assert names[before_id - 1] == name == names[after_id - 100]
    chosen = set(actors) | set(searched)
    assert len(chosen) == 7 and not chosen & {"Only before", "Only after", "Twice", "Actor 5"}


def test_different_clusters_refused(tmp_path):
    before = _atlas(tmp_path / "b.sqlite3", [(1, "A", "active"), (2, "B", "active")], [(1, 2)])
    after = _atlas(tmp_path / "a.sqlite3", [(1, "A", "active"), (2, "B", "active")], [(2, 1)])
    with pytest.raises(SystemExit, match="largest clusters differ"):
        subjects({"before": before, "after": after}, seed=1, k=0)


def test_top_lines_leave_out_the_plumbing():
    site = "/venv/lib/python3.11/site-packages"
    result = {"n": 10, "cumulative": [
        ("/usr/lib/python3.11/asyncio/base_events.py:617(run_until_complete)", 10, 0.0, 50.0),
        (f"{site}/starlette/routing.py:154(app)", 10, 0.0, 48.0),
        ("/w/src/bioatlas/accounts/middleware.py:40(__call__)", 10, 0.1, 47.0),
        ("/w/src/bioatlas/atlas/api.py:20(get_actor)", 10, 0.1, 40.0),
        (f"{site}/sqlalchemy/engine/base.py:1636(_execute_clauseelement)", 90, 5.0, 20.0),
        (f"{site}/fastapi/concurrency.py:32(run_in_threadpool)", 20, 0.0, 41.0),
    ]}
    lines = top_lines(result, 5)
    assert [line.split("calls  ")[1] for line in lines] == [
        "bioatlas/atlas/api.py:20(get_actor)", "sqlalchemy/engine/base.py:1636(_execute_clauseelement)"]
    assert "9.0 calls" in lines[1]  # calls per request


def test_miss_lines_read_from_profile_misses_output():
    out = ["search page     8 misses  wall mean  32.59 ms  p50  25.12  p95  62.64   CPU mean  21.58 ms",
           "search: the 5 slowest by CPU (ms; phases nested, over 0.5 ms):",
           "page            5 misses  wall mean 195.07 ms  p50 183.26  p95 596.62   CPU mean 120.96 ms"]
    found = {m["kind"]: (int(m["n"]), float(m["cpu"])) for m in map(MISS_LINE.match, out) if m}
    assert found == {"search page": (8, 21.58), "page": (5, 120.96)}

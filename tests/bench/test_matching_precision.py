"""The precision@10 scoring of bench/matching.py --precision, on a tiny hand-made fixture (the
figure itself comes from the gold set against the demo, not from here)."""

from bench.matching_precision import load_gold, partner_kinds, precision_at, summarise


def test_precision_at_k_counts_relevant_in_the_first_k_over_k():
    s = precision_at("a", ["X", "Y", "X", "Z", "W"], {"X", "Z", "Q"}, k=3)
    assert (s.shown, s.hits, s.gold) == (3, 2, 3)  # X counted once: X, Y, Z
    assert s.precision == 2 / 3 and s.shown_precision == 2 / 3 and s.ceiling == 1.0
    short = precision_at("b", ["X"], {"X", "Y"}, k=10)
    assert short.precision == 0.1 and short.shown_precision == 1.0 and short.ceiling == 0.2


def test_summary_leaves_out_requests_without_a_relevant_actor():
    scores = [precision_at("a", ["X", "Y"], {"X"}, k=2), precision_at("b", [], {"Y"}, k=2),
              precision_at("c", ["X"], set(), k=2)]
    out = summarise(scores)
    assert out["n"] == 2 and out["left_out"] == ["c"] and out["empty"] == ["b"]
    assert out["precision_at_k"] == 0.25 and out["shown_precision"] == 0.5 and out["n_shown"] == 1


def test_the_gold_set_is_whole():
    requests, gold = load_gold()
    assert len(requests) >= 40 and {r["id"] for r in requests} == set(gold)
    assert sum(1 for r in requests if gold[r["id"]]) >= 40
    assert partner_kinds(["research_unit", "university"]) == ["academia"]
    assert partner_kinds(["startup", "research_unit"]) == []

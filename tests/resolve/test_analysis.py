"""The error analysis sorts each miss and each wrong choice into one kind."""

from __future__ import annotations

from bioatlas.resolve.analysis import MISSED, WRONG, analyse, relatives
from bioatlas.resolve.gold import GoldItem
from bioatlas.resolve.index import build_index

from .conftest import ror


def test_each_error_is_sorted_into_one_kind(registry):
    with registry() as session:
        index = build_index(session)
    cas, sibs = index.by_public_id[ror("034t30j35")], index.by_public_id[ror("011rf9d86")]
    assert cas in relatives(index, sibs), "the Shanghai Institutes for Biological Sciences are part of the CAS in ROR"
    inserm, pasteur, cnrs = ror("02vjkv261"), ror("0495fxg12"), ror("02feahw73")
    results = [
        (GoldItem("Inserm", frozenset({inserm}), "train"), [inserm], [inserm]),                  # right
        (GoldItem("x", frozenset({inserm}), "train"), [], []),                                   # no candidate
        (GoldItem("x", frozenset({inserm}), "train"), [], [pasteur, inserm]),                    # below threshold
        (GoldItem("x", frozenset({inserm}), "train"), [pasteur], [pasteur, inserm]),             # wrong first
        (GoldItem("x", frozenset({ror("034t30j35")}), "train"), [ror("011rf9d86")], [ror("011rf9d86"), ror("034t30j35")]),
        (GoldItem("x", frozenset({inserm}), "train"), [inserm, cnrs], [inserm, cnrs]),           # extra id
        (GoldItem("x", frozenset({inserm, cnrs}), "train"), [inserm], [inserm, cnrs]),           # multi-org
    ]
    s = analyse(index, results)
    assert (s.items, s.exact, s.gold_ids, s.chosen_ids) == (7, 1, 8, 6)
    assert s.missed == {MISSED[0]: 1, MISSED[3]: 1, MISSED[2]: 1, MISSED[1]: 1, MISSED[4]: 1}
    assert s.wrong == {WRONG[2]: 1, WRONG[0]: 1, WRONG[1]: 1}
    assert (s.multi_items, s.multi_exact) == (1, 0)
    assert any("no candidate: 1" in line for line in s.lines())

"""The signatures' counts expanded to codes (`tantivy_facets._expand`): each bucket's count added
to each code of its signature, as the per-code loop it replaces did (the reference below), for
every facet or one (`only`), with empty signatures, codes repeated across columns and buckets,
and a cache of parsed signatures cleared in between."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest

from bioatlas.search import tantivy_facets
from bioatlas.search.tantivy_documents import NONE, codes_of


def reference(found: dict, only: str | None) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for part in found.values():
        for bucket in part["buckets"]:
            for facet, code in codes_of(bucket["key"]):
                if only is None or facet == only:
                    out[facet][code] += int(bucket["doc_count"])
    return {facet: dict(codes) for facet, codes in out.items()}


def found_at_random(rng: random.Random) -> dict:
    codes = [("kind", f"k{i}") for i in range(6)] + [("region", str(r)) for r in (11, 84, 76)] + [
        ("modality", f"m{i}") for i in range(9)]
    columns = {}
    for column in ("sig_a", "sig_b", "slot_0"):
        buckets = []
        for _ in range(rng.randrange(0, 40)):
            picked = rng.sample(codes, rng.randrange(0, 5))
            key = "|".join(f"{facet}:{code}" for facet, code in picked) or NONE
            buckets.append({"key": key, "doc_count": rng.randrange(1, 10**6)})
        columns[column] = {"buckets": buckets, "sum_other_doc_count": 0}
    return columns


@pytest.mark.parametrize("seed", range(20))
def test_expand_adds_each_bucket_to_each_of_its_codes(seed, monkeypatch):
    rng = random.Random(seed)
    if seed % 5 == 0:
        monkeypatch.setattr(tantivy_facets, "PARSED_MAX", 3)  # the parsed signatures dropped on the way
    for _ in range(5):
        found = found_at_random(rng)
        for only in (None, "kind", "region", "scale"):
            assert tantivy_facets._expand(found, only) == reference(found, only)


def test_expand_of_nothing():
    assert tantivy_facets._expand({}, None) == {}
    assert tantivy_facets._expand({"sig_a": {"buckets": [{"key": NONE, "doc_count": 7}]}}, None) == {}
    assert tantivy_facets._expand({"sig_a": {"buckets": [{"key": "kind:a|kind:a", "doc_count": 2}]}}, None) == {
        "kind": {"a": 4}}

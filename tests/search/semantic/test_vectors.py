"""The in-memory index. SYNTHETIC vectors (random unit vectors around random centres) test the
algorithm only: the inverted-file path against exact search, overrides and removals."""

import numpy as np
import pytest

from bioatlas.search.semantic import vectors as vmod
from bioatlas.search.semantic.vectors import VectorIndex


def clustered(n, dim=64, centres=200, noise=0.35, seed=0):
    rng = np.random.default_rng(seed)
    c = rng.standard_normal((centres, dim)).astype(np.float32)
    v = c[rng.integers(0, centres, n)] + noise * rng.standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture
def small_exact_limit(monkeypatch):
    monkeypatch.setattr(vmod, "EXACT_LIMIT", 2_000)
    monkeypatch.setattr(vmod, "TRAIN_SAMPLE", 5_000)


def test_ivf_recall_against_exact(small_exact_limit):
    data = clustered(20_000)
    ids = np.arange(1, 20_001) * 3
    index = VectorIndex(ids, data)
    assert index.centroids is not None
    rng = np.random.default_rng(1)
    queries = data[rng.integers(0, len(data), 50)] + 0.3 * rng.standard_normal((50, 64)).astype(np.float32)
    recalls = []
    for q in queries:
        exact = set(ids[np.argsort(-(data @ q))[:20]])
        got, scores = index.search(q, 20)
        assert list(scores) == sorted(scores, reverse=True)
        recalls.append(len(exact & set(got)) / 20)
    assert np.mean(recalls) >= 0.95


def test_filter_upsert_remove(small_exact_limit):
    data = clustered(5_000, seed=2)
    ids = np.arange(10, 5_010)
    index = VectorIndex(ids, data)
    q = data[123]
    got, _ = index.search(q, 5)
    assert got[0] == ids[123]
    index.remove(ids[123])
    assert ids[123] not in index.search(q, 50)[0]
    index.upsert(ids[123], -q)  # moved far away
    assert ids[123] not in index.search(q, 50)[0]
    index.upsert(77_777, q)  # a new one, in the delta part
    assert index.search(q, 1)[0][0] == 77_777
    allowed = np.array(sorted(ids[4000:4100]), dtype=np.int64)
    got, _ = index.search(q, 10, allowed)
    assert set(got) <= set(allowed) and len(got) == 10
    # a large filter goes through the probed groups, topping up with exact search when short
    big = np.array(sorted(ids[::2]), dtype=np.int64)
    got, _ = index.search(q, 10, big)
    assert set(got) <= set(big) and len(got) == 10


def test_empty_index():
    index = VectorIndex(np.array([], dtype=np.int64), np.zeros((0, 8), dtype=np.float32))
    got, scores = index.search(np.ones(8, dtype=np.float32), 5)
    assert len(got) == 0 and len(scores) == 0

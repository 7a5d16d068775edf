"""The other selected facets' passes run beside the matches' count (`search/tantivy_parallel.py`):
on a pool thread, or in the search's own thread when none started them; the same totals, counts and
pages either way, and as the numpy path."""

from __future__ import annotations

import threading

import pytest

from bioatlas.atlas.filters import ActorFilter
from bioatlas.search import tantivy_parallel, tantivy_search
from tests.search.engine_pages import pages

CASES = [("synthétique", ActorFilter(kind=("company", "cdmo"), region=("84", "76"), status="")),
         ("vaccins", ActorFilter(modality=("car_t", "aav"), departement=("21", "31"))),
         ("bioprod", ActorFilter(kind=("company",), modality=("cell_therapy",), region=("84",)))]


@pytest.mark.parametrize("threads", [2, 0])
def test_selected_facets_counted_beside_the_matches_agree(db, synthetic, taxonomies, engine_on_tantivy, monkeypatch,
                                                         threads):
    monkeypatch.setattr(tantivy_parallel, "THREADS", threads)
    handed = []
    real_ahead = tantivy_parallel.ahead
    monkeypatch.setattr(tantivy_parallel, "ahead", lambda calls: handed.append(len(calls)) or real_ahead(calls))
    where = []
    real = tantivy_search.Answer._without_pass
    monkeypatch.setattr(tantivy_search.Answer, "_without_pass",
                        lambda *a: where.append(threading.current_thread().name) or real(*a))
    with db() as s:
        engine_side = [pages(s, taxonomies, q, f, limit=4) for q, f in CASES]
        monkeypatch.setattr(tantivy_search, "supports", lambda *a: False)
        numpy_side = [pages(s, taxonomies, q, f, limit=4) for q, f in CASES]
    assert engine_side == numpy_side
    assert len(where) >= len(CASES) and sum(handed) == len(where)  # every facet's pass handed over first
    assert handed == [1, 2, 2]  # besides the facet split on (kind), or all (no facet splits: several codes)
    if not threads:
        assert not [name for name in where if name.startswith("tantivy-pass")]

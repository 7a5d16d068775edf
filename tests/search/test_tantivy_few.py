"""A text matching few actors read once (`search/tantivy_few.py`): the first read's top
FEW_MAX + 1 with the count gives every match when there are at most FEW_MAX, and the search goes
on the numpy path with them (no aggregation, no second read for the page or the fusion, no check
of the exact names); more, and that read is the page's first read. Either way Tantivy's own
answers (the one read off), page after page, ties and the id order included; and a short head
has no tail to read."""

from __future__ import annotations

import pytest

from bioatlas.atlas.filters import ActorFilter
from bioatlas.search import service, tantivy_few, tantivy_index, tantivy_search
from bioatlas.search.text import parse_query
from tests.search.engine_pages import pages

QUERIES = ["vaccins", "bioprod", "anticorps thérapie", "synthétique", "Acteur synthétique 12", "vaccins zzzzqx"]
FILTERS = [ActorFilter(status=""), ActorFilter(scope="sector")]
READS_FIRST = tantivy_few.reads_first  # the fixture `engine_on_tantivy` turns it off


def _answers(s, taxonomies, mode="fulltext"):
    return [pages(s, taxonomies, q, f, limit=4, mode=mode) for q in QUERIES for f in FILTERS]


@pytest.mark.parametrize("few_max, ordered", [(1000, False), (5, True), (5, False)])
def test_one_read_answers_like_tantivy_alone(db, synthetic, taxonomies, engine_on_tantivy, monkeypatch, few_max, ordered):
    """FEW_MAX 1000: every match in the read (the numpy path); 5: broad texts read their first 6
    by score (ties at the page's edge read on: TIE_READ_MAX 1 makes any of them a crowd)."""
    monkeypatch.setattr(tantivy_search, "TIE_READ_MAX", 1)
    with db() as s:
        engine = tantivy_index.current(s, taxonomies)
        if not ordered:
            engine.ordered = None
        alone = _answers(s, taxonomies)
        engine.memo = None  # nothing kept from the other way
        monkeypatch.setattr(tantivy_few, "reads_first", READS_FIRST)
        monkeypatch.setattr(tantivy_few, "FEW_MAX", few_max)
        read = []
        real = tantivy_few.read
        monkeypatch.setattr(tantivy_few, "read", lambda *a: read.append(1) or real(*a))
        once = _answers(s, taxonomies)
    assert read  # the one read was taken
    assert once == alone
    assert alone[FILTERS.index(ActorFilter(status="")) + len(FILTERS) * QUERIES.index("synthétique")][0] == 60


def test_a_miss_of_a_text_matching_few_evaluates_it_once(db, synthetic, taxonomies, engine_on_tantivy, monkeypatch):
    """Hybrid (a fusion of no neighbours), an exact name: one Tantivy read, no aggregation, no
    page or fusion read, no check of the exact names; the same answer as Tantivy alone."""
    monkeypatch.setattr(service, "semantic_function", lambda: lambda *a, **k: [])
    calls = []
    for name in ("_top", "contains", "_counts"):
        real = getattr(tantivy_search.Answer, name)
        monkeypatch.setattr(tantivy_search.Answer, name, lambda *a, __n=name, __r=real, **k: calls.append(__n) or __r(*a, **k))
    q = "Acteur synthétique 12"
    with db() as s:
        engine = tantivy_index.current(s, taxonomies)
        alone = service.search(s, q=q, f=ActorFilter(), taxonomies=taxonomies, mode="hybrid")
        assert "_counts" in calls and "contains" in calls  # Tantivy alone: the counts and the exact name checked
        engine.memo, calls[:] = None, []
        monkeypatch.setattr(tantivy_few, "reads_first", READS_FIRST)
        once = service.search(s, q=q, f=ActorFilter(), taxonomies=taxonomies, mode="hybrid")
    assert calls == []
    assert (once.total, once.ids, once.scores, once.facets, once.exact) == (alone.total, alone.ids, alone.scores,
                                                                         alone.facets, alone.exact)
    assert once.semantic and once.ids[0] == synthetic[12]


def test_a_head_shorter_than_its_length_reads_no_tail(db, synthetic, taxonomies, engine_on_tantivy, monkeypatch):
    """Fewer eligible matches than the fusion's head: the page past the head is empty, unread."""
    monkeypatch.setattr(service, "semantic_function", lambda: lambda *a, **k: [])
    tops = []
    real = tantivy_search.Answer.top
    monkeypatch.setattr(tantivy_search.Answer, "top", lambda self, n, offset, *rest: tops.append((n, offset))
                        or real(self, n, offset, *rest))
    with db() as s:
        r = service.search(s, q="synthétique", f=ActorFilter(status=""), taxonomies=taxonomies, mode="hybrid", limit=100)
    assert r.total == 60 and len(r.ids) == 60
    assert tops == [(service.HEAD, 0)]


def test_the_bound_is_never_under_the_matches(db, synthetic, taxonomies, engine_on_tantivy):
    with db() as s:
        engine = tantivy_index.current(s, taxonomies)
        for text in [*QUERIES, "plasmide contrôle cellulaire", "synth", "vacc bioprod", "zzzzqx"]:
            q = tantivy_index.Query.of(parse_query(text, as_you_type=True))
            matches = len(engine.all_matches(q)[0])
            n = tantivy_few.bound(engine.searcher, q)
            assert n is not None and n >= matches, text
        assert tantivy_few.bound(engine.searcher, tantivy_index.Query.of(parse_query("vaccins synth"), any_=True)) is None


@pytest.mark.parametrize("ordered", [True, False])
def test_the_first_read_serves_a_page_without_the_exact_names(db, synthetic, taxonomies, engine_on_tantivy,
                                                              monkeypatch, ordered):
    """More matches than FEW_MAX: the first read (made with the exact names) is the page's, those
    names dropped from it (in id order; otherwise read again), as Tantivy alone reads it."""
    q, f = tantivy_index.Query.of(parse_query("synthétique", as_you_type=True)), ActorFilter(status="")
    exclude = [synthetic[3], synthetic[40]]
    with db() as s:
        engine = tantivy_index.current(s, taxonomies)
        if not ordered:
            engine.ordered = None
        alone = [tantivy_search.answer(engine, q, f, taxonomies, with_counts=True).top(n, o, exclude)
                 for n, o in ((4, 0), (10, 4), (58, 0))]
        engine.memo = None
        monkeypatch.setattr(tantivy_few, "reads_first", READS_FIRST)
        monkeypatch.setattr(tantivy_few, "FEW_MAX", 20)
        pages_ = []
        for n, o in ((4, 0), (10, 4), (58, 0)):
            engine.memo = None
            found = tantivy_search.answer(engine, q, f, taxonomies, with_counts=True)
            assert found.every is None and found.first is not None and found.total == 60
            pages_.append(found.top(n, o, exclude))
    assert pages_ == alone
    assert len(alone[2]) == 58 and not set(exclude) & {i for i, _ in alone[2]}

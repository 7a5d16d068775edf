"""Counts kept under what they count (`search/tantivy_memo.py`): a selected facet's counts
without its own clause are those of the same text under the other filters, whichever search
counted them. A text in a region after the same text alone, or in another region, makes no pass
for the regions' counts and no split on the region: one aggregation of its own matches. The
answers (pages, totals, every facet's counts) equal those of a fresh engine and of the numpy
path; an edit starts from nothing kept."""

from __future__ import annotations

from bioatlas.atlas.filters import ActorFilter
from bioatlas.search import tantivy_facets, tantivy_index, tantivy_search
from tests.search.engine_pages import pages

# one text, its views in the order a visitor might ask them (region 84: Lyon, 76: Toulouse)
VIEWS = [ActorFilter(), ActorFilter(region=("84",)), ActorFilter(region=("76",)),
         ActorFilter(kind=("company", "cdmo"), region=("84",)), ActorFilter(kind=("company", "cdmo"), region=("76",)),
         ActorFilter(kind=("company", "cdmo")), ActorFilter(status="", region=("84",))]


def _spy(monkeypatch):
    """The engine's passes: each split (its facet) and each selected facet's own pass."""
    seen = []
    real_split, real_pass = tantivy_facets.split, tantivy_search.Answer._without_pass
    monkeypatch.setattr(tantivy_search, "_split", lambda *a: seen.append(("split", *a[2])) or real_split(*a))
    monkeypatch.setattr(tantivy_search.Answer, "_without_pass",
                        lambda self, searcher, facet: seen.append(("pass", facet)) or real_pass(self, searcher, facet))
    return seen


def _asked(s, taxonomies, q, views):
    return [pages(s, taxonomies, q, f, limit=4) for f in views]


def test_a_facets_counts_without_its_clause_are_counted_once_per_text_and_other_filters(
        db, synthetic, taxonomies, engine_on_tantivy, monkeypatch):
    seen = _spy(monkeypatch)
    for q in ("synthétique", "bioprod"):  # whole word, prefix
        with db() as s:
            tantivy_index.forget(tantivy_index.index_dir(s))  # a new engine: nothing kept
            seen.clear()
            in_order = _asked(s, taxonomies, q, VIEWS)
            # the text alone holds the regions' counts (84, 76: nothing to count but their matches);
            # kind + 84: the kind's counts are 84's matches' (kept), the region's not yet: split on
            # it; kind + 76: both kept (76's matches, the split's); the kind alone: the text alone's;
            # any status + 84: other filters (no status clause), counted anew
            assert seen == [("split", "region"), ("split", "region")], q
            each_fresh = []
            for f in VIEWS:
                tantivy_index.forget(tantivy_index.index_dir(s))
                each_fresh += _asked(s, taxonomies, q, [f])
            with monkeypatch.context() as m:
                m.setattr(tantivy_search, "supports", lambda *a: False)
                numpy_side = _asked(s, taxonomies, q, VIEWS)
        assert in_order == each_fresh == numpy_side, q
        assert in_order[1][0] > 0 and in_order[2][0] > 0 and in_order[1][2]["region"] == in_order[2][2]["region"]


def test_a_filtered_page_from_the_texts_wide_read_equals_its_own(db, synthetic, taxonomies, engine_on_tantivy, monkeypatch):
    """`tantivy_wide`: the text alone read WIDE deep (thresholds lowered for 60 actors), then the
    filtered views' pages taken from that read where enough of its hits pass (exact names left
    out), read by Tantivy where too few do: every page equal to a fresh engine's and the numpy
    path's; the filtered pages served from the read make no Tantivy read of their own."""
    from bioatlas.search import tantivy_wide

    monkeypatch.setattr(tantivy_wide, "WIDE_OVER", 0)
    monkeypatch.setattr(tantivy_wide, "WIDE", 12)
    served, own_reads = [], []
    real_page, real_ranked = tantivy_wide.page, tantivy_search.Answer._ranked
    monkeypatch.setattr(tantivy_wide, "page", lambda answer, *a: served.append(
        (bool(set(answer.filters) - {""}), real_page(answer, *a))) or served[-1][1])
    monkeypatch.setattr(tantivy_search.Answer, "_ranked", lambda self, *a: own_reads.append(set(self.filters) - {""})
                        or real_ranked(self, *a))
    views = [ActorFilter(region=("84",)), ActorFilter(kind=("company", "cdmo")), ActorFilter(modality=("cell_therapy",)),
             ActorFilter(region=("76",), kind=("cdmo",))]
    seen: list = []
    for q in ("synthétique", "Acteur synthétique 12", "bioprod"):
        with db() as s:
            engine = tantivy_index.current(s, taxonomies)
            assert engine.ordered is engine.searcher  # a fresh build: documents in actor id order
            tantivy_index.forget(tantivy_index.index_dir(s))
            served.clear(), own_reads.clear()
            in_order = _asked(s, taxonomies, q, [ActorFilter(), *views])
            filtered = [page for view, page in served if view]
            seen += filtered
            assert sum(1 for f in own_reads if f) == filtered.count(None), q  # a filtered read only when not served
            each_fresh = []
            for f in [ActorFilter(), *views]:
                tantivy_index.forget(tantivy_index.index_dir(s))
                each_fresh += _asked(s, taxonomies, q, [f])
            with monkeypatch.context() as m:
                m.setattr(tantivy_search, "supports", lambda *a: False)
                numpy_side = _asked(s, taxonomies, q, [ActorFilter(), *views])
        assert in_order == each_fresh == numpy_side, q
    assert sum(1 for page in seen if page) >= 5 and None in seen  # pages from the read; some with too few passing

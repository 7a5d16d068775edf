"""The page of a broad text read among its names' matches first (`search/tantivy_names_first.py`):
the same pages, totals and counts as the numpy path, whether the bound holds or not."""

from __future__ import annotations

from bioatlas.atlas.filters import ActorFilter
from bioatlas.search import tantivy_index, tantivy_names_first, tantivy_search
from tests.search.engine_pages import pages


def test_page_read_among_the_names_matches_first_agrees_with_the_numpy_path(db, synthetic, taxonomies,
                                                                           engine_on_tantivy, monkeypatch):
    """The page read among the matches holding a word in their names (when the k-th of them
    scores more than any match without one can) is the page of every match: kept when the bound
    holds, read again in full when it does not (too few names' matches, or a word found in names
    only below the page), ties walked in id order among them; pages, totals, counts unchanged."""
    from bioatlas.atlas.records import ActorRecord, SourceRecord
    from bioatlas.atlas.writer import get_or_create_source, upsert_actor
    from tests.atlas.ecosystem import site

    with db() as s:
        src = get_or_create_source(s, SourceRecord(key="test:synthetic", title="Synthetic test actors", kind="article"))
        for n, words in enumerate(["Vaccins Bioproduction", "Atelier Vaccins", "Plasmide Anticorps", "Contrôle Vaccins"]):
            upsert_actor(s, ActorRecord(name=f"{words} {n}", kind="company", description_fr="vaccins plasmide " + " ".join(f"mot{i}" for i in range(200)),
                                        sites=[site("69001")]), source=src)
        s.commit()
    monkeypatch.setattr(tantivy_names_first, "NAMES_FIRST_OVER", 0)
    monkeypatch.setattr(tantivy_names_first, "NAMES_FIRST_SHARE", 1e9)
    monkeypatch.setattr(tantivy_names_first, "stats", {"kept": 0, "read_again": 0})
    cases = [(q, f, limit) for q in ["vaccins", "vaccin", "vaccins plasmide", "anticorps vacc", "synthétique", "plasmide 1",
                                     "bioproduction"]
             for f in (ActorFilter(), ActorFilter(region=("84",)), ActorFilter(status=""))
             for limit in (2, 5)]
    with db() as s:
        engine_side = [pages(s, taxonomies, q, f, limit=limit) for q, f, limit in cases]
        hybrid = [pages(s, taxonomies, q, ActorFilter(), mode="hybrid") for q in ("vaccins", "anticorps vacc")]
        stats = dict(tantivy_names_first.stats)
        monkeypatch.setattr(tantivy_index, "NAME_WEIGHT", 0.01)  # names no longer outweigh the body: bound rarely met
        tantivy_index.forget(tantivy_index.index_dir(s))  # a new engine: its text queries built again
        light = [pages(s, taxonomies, q, f, limit=limit) for q, f, limit in cases]
        monkeypatch.setattr(tantivy_search, "supports", lambda *a: False)
        light_numpy = [pages(s, taxonomies, q, f, limit=limit) for q, f, limit in cases]
        monkeypatch.setattr(tantivy_index, "NAME_WEIGHT", 10.0)
        tantivy_index.forget(tantivy_index.index_dir(s))
        numpy_side = [pages(s, taxonomies, q, f, limit=limit) for q, f, limit in cases]
        assert hybrid == [pages(s, taxonomies, q, ActorFilter(), mode="hybrid") for q in ("vaccins", "anticorps vacc")]
    assert stats["kept"] > 10 and stats["read_again"] > 4, stats
    for case, found, expected in zip(cases, light, light_numpy):
        assert found == expected, case
    with db() as s:  # a prefix clause scores its boost (the bound counts it so)
        engine = tantivy_index.current(s, taxonomies)
        (prefix,) = engine._clause("body", [], "vacc")
        assert engine.searcher.search(prefix, limit=1).hits[0][0] == tantivy_names_first.PREFIX_SCORE
    for case, found, expected in zip(cases, engine_side, numpy_side):
        assert found == expected, case
    assert engine_side[0][1][0][0] != engine_side[0][1][-1][0] and engine_side[0][0] > 4


def test_a_page_read_among_the_names_matches_is_the_texts_wide_read_for_its_views(db, synthetic, taxonomies,
                                                                                   engine_on_tantivy, monkeypatch):
    """`tantivy_wide.names_page`: a text alone whose page is read among its names' matches first
    keeps that read (its hits above the bound) as its wide read, and its views in a region or of a
    kind take their pages from it when enough of its hits pass; every page equal to a fresh
    engine's and the numpy path's. On the old code no wide read was kept after a names-first page:
    every view read its own page."""
    from bioatlas.atlas.records import ActorRecord, SourceRecord
    from bioatlas.atlas.writer import get_or_create_source, upsert_actor
    from bioatlas.search import tantivy_wide
    from tests.atlas.ecosystem import site

    with db() as s:
        src = get_or_create_source(s, SourceRecord(key="test:synthetic", title="Synthetic test actors", kind="article"))
        for n in range(12):
            upsert_actor(s, ActorRecord(name=f"Vaccins Atelier {n}", kind=["company", "cdmo"][n % 2],
                                        description_fr="plasmide " + " ".join(f"mot{i}" for i in range(n * 20)),
                                        sites=[site(["69001", "31000", "91000"][n % 3])]), source=src)
        s.commit()
    monkeypatch.setattr(tantivy_names_first, "NAMES_FIRST_OVER", 0)
    monkeypatch.setattr(tantivy_names_first, "NAMES_FIRST_SHARE", 1e9)
    monkeypatch.setattr(tantivy_wide, "WIDE_OVER", 0)
    monkeypatch.setattr(tantivy_wide, "WIDE", 30)
    served, names_reads = [], []
    real_page, real_ranked = tantivy_wide.page, tantivy_search.Answer._ranked
    monkeypatch.setattr(tantivy_wide, "page", lambda answer, *a: served.append(real_page(answer, *a)) or served[-1])
    monkeypatch.setattr(tantivy_search.Answer, "_ranked", lambda self, searcher, k, exclude, narrow, first: (
        names_reads.append(k) if narrow is not None else None) or real_ranked(self, searcher, k, exclude, narrow, first))
    monkeypatch.setattr(tantivy_wide, "WIDEN", 0.1)  # the names' read replaced by the full one for pages of 7
    widened = []
    real_widened = tantivy_wide._widened
    monkeypatch.setattr(tantivy_wide, "_widened", lambda *a: widened.append(1) or real_widened(*a))
    views = [ActorFilter(), ActorFilter(region=("84",)), ActorFilter(kind=("cdmo",)), ActorFilter(region=("76",))]
    for q, limit in (("vaccins", 2), ("vaccins atel", 2), ("vaccins atel", 7)):
        with db() as s:
            engine = tantivy_index.current(s, taxonomies)
            assert engine.ordered is engine.searcher
            tantivy_index.forget(tantivy_index.index_dir(s))
            served.clear(), names_reads.clear()
            in_order = [pages(s, taxonomies, q, f, limit=limit) for f in views]
            assert names_reads and names_reads[0] == tantivy_wide.WIDE, q  # the text alone: its names' read, WIDE deep
            assert limit > 2 or sum(1 for p in served if p) >= 2, (q, served)  # views' pages from that read
            each_fresh = []
            for f in views:
                tantivy_index.forget(tantivy_index.index_dir(s))
                each_fresh.append(pages(s, taxonomies, q, f, limit=limit))
            with monkeypatch.context() as m:
                m.setattr(tantivy_search, "supports", lambda *a: False)
                numpy_side = [pages(s, taxonomies, q, f, limit=limit) for f in views]
        assert in_order == each_fresh == numpy_side, q
        assert all(found[0] >= 4 for found in in_order), q
    assert widened  # pages of 7: the names' read holds too few in a region, the text's full read serves

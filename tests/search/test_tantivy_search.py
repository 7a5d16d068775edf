"""Tantivy answering a search alone (issue 19, `search/tantivy_search.py`): its top-k, total and
facet counts are those of the numpy path (every match read into numpy), page after page, with and
without filters, ties in the score included; the searches it does not take still answer."""

from __future__ import annotations

import pytest

from bioatlas.atlas.filters import ActorFilter
from bioatlas.search import tantivy_facets, tantivy_index, tantivy_search
from bioatlas.search.params import Geo
from bioatlas.search.service import search
from tests.search.engine_pages import pages


FILTERS = [  # region 84: Auvergne-Rhône-Alpes (Lyon), 76: Occitanie (Toulouse)
    ActorFilter(), ActorFilter(status=""), ActorFilter(kind=("company",)), ActorFilter(modality=("cell_therapy",)),
    ActorFilter(region=("84",)), ActorFilter(departement=("21", "31")), ActorFilter(scope="sector"),
    ActorFilter(kind=("company", "cdmo"), modality=("car_t", "aav"), region=("84", "76"), status="", scope="sector"),
    ActorFilter(gmp=("gmp_clinical",)),
]
SCALES = [("lt10",), ("10-200", "gte2000")]
QUERIES = ["vaccins", "bioproduction", "bioprod", "anticorps thérapie", "synthétique", "Acteur synthétique 12",
           "plasmide contrôle cellulaire"]


def test_tantivy_answers_like_the_numpy_path(db, synthetic, taxonomies, engine_on_tantivy, monkeypatch):
    calls = []
    real_answer = tantivy_search.answer
    monkeypatch.setattr(tantivy_search, "answer", lambda *a, **k: calls.append(1) or real_answer(*a, **k))
    with db() as s:
        cases = [(q, f, ()) for q in QUERIES for f in FILTERS]
        cases += [(q, f, sc) for q in QUERIES[:3] for f in (ActorFilter(), ActorFilter(kind=("company",))) for sc in SCALES]
        engine_side = {case: pages(s, taxonomies, case[0], case[1], scale=case[2]) for case in cases}
        assert len(calls) >= len(cases)  # Tantivy answered every one
        monkeypatch.setattr(tantivy_search, "supports", lambda *a: False)
        calls.clear()
        numpy_side = {case: pages(s, taxonomies, case[0], case[1], scale=case[2]) for case in cases}
        assert not calls
    broad = engine_side[("synthétique", ActorFilter(status=""), ())]
    assert broad[0] == 60 and len({score for _, score in broad[1]}) < 20  # ties: the id order decides
    for key, expected in numpy_side.items():
        total, ranked, facets, match = engine_side[key]
        assert (total, match) == (expected[0], expected[3]), key
        assert ranked == expected[1], key
        assert facets == expected[2], key
    assert engine_side[("Acteur synthétique 12", ActorFilter(), ())][1][0] == (synthetic[12], float("inf"))
    assert engine_side[("vaccins", ActorFilter(), ("lt10",))][0] > 0


def test_hybrid_and_partial_answers_agree_too(db, synthetic, taxonomies, engine_on_tantivy, monkeypatch):
    with db() as s:
        engine_side = [pages(s, taxonomies, q, ActorFilter(), mode="hybrid") for q in ("vaccins", "vaccins zzzzqx")]
        monkeypatch.setattr(tantivy_search, "supports", lambda *a: False)
        numpy_side = [pages(s, taxonomies, q, ActorFilter(), mode="hybrid") for q in ("vaccins", "vaccins zzzzqx")]
    assert engine_side == numpy_side
    assert engine_side[1][3] == "any"


def test_searches_tantivy_does_not_take_still_answer(db, synthetic, taxonomies, engine_on_tantivy):
    assert tantivy_search.supports(ActorFilter(), Geo(near=(47.3, 5.0), radius_km=20), (), taxonomies)
    assert not tantivy_search.supports(ActorFilter(region=("84",), departement=("21",)), Geo(), (), taxonomies)
    assert tantivy_search.supports(ActorFilter(gmp=("gmp_clinical",)), Geo(), ("lt10",), taxonomies)
    with db() as s:
        r = search(s, q="vaccins", f=ActorFilter(), taxonomies=taxonomies, geo=Geo(near=(47.32, 5.04), radius_km=30),
                   scale=("lt10",), mode="fulltext")
        assert r.total > 0 and r.facets["scale"]["lt10"] == r.total


def test_an_index_of_an_older_schema_is_rebuilt(db, synthetic, taxonomies, engine_on_tantivy):
    with db() as s:
        search(s, q="vaccins", f=ActorFilter(), taxonomies=taxonomies, mode="fulltext")
        path = tantivy_index.index_dir(s)
    state = path / "state.json"
    state.write_text(state.read_text().replace(f'"schema": {tantivy_index.SCHEMA_VERSION}', '"schema": 1'))
    tantivy_index.forget(path)
    with db() as s:
        r = search(s, q="vaccins", f=ActorFilter(scope="sector"), taxonomies=taxonomies, mode="fulltext")
    assert r.total > 0
    assert f'"schema": {tantivy_index.SCHEMA_VERSION}' in state.read_text()


def test_counts_memo_answers_again_and_is_never_stale(db, synthetic, taxonomies, engine_on_tantivy, monkeypatch):
    """Totals and facet counts are kept per query and per searcher: the same search again is a
    memo hit; another filter is another entry; a committed edit is seen by the next search."""
    from bioatlas.atlas.models import Actor

    def run(s, f):
        return search(s, q="synthétique", f=f, taxonomies=taxonomies, mode="fulltext", limit=5)

    with db() as s:
        first = run(s, ActorFilter())
        hits = tantivy_search.memo_stats["hits"]
        again = run(s, ActorFilter())
        assert tantivy_search.memo_stats["hits"] >= hits + 3  # the total, the counts and the page
        assert (again.total, again.facets, again.ids) == (first.total, first.facets, first.ids)
        again.facets["kind"].clear()  # a caller's copy: the memo keeps its own
        assert run(s, ActorFilter()).facets == first.facets
        every = run(s, ActorFilter(status=""))
        assert every.total == 60 and first.total == 51  # 9 of the 60 are closed
        kinds = dict(first.facets["kind"])
        startup, cdmo = s.get(Actor, synthetic[1]), s.get(Actor, synthetic[2])
        assert (startup.kind, cdmo.kind) == ("sme", "cdmo")
        startup.kind = "cdmo"
        s.get(Actor, synthetic[3]).status = "closed"
        s.commit()
        after = run(s, ActorFilter())
        assert after.total == 50 and run(s, ActorFilter(status="")).total == 60
        assert after.facets["kind"]["sme"] == kinds["sme"] - 1
        monkeypatch.setattr(tantivy_search, "supports", lambda *a: False)
        expected = run(s, ActorFilter())
    assert (after.total, after.facets, after.ids) == (expected.total, expected.facets, expected.ids)


def test_counts_memo_is_the_same_for_every_reader(app, db, synthetic, engine_on_tantivy):
    """Two signed-in users and an anonymous visitor asking the same search get the same counts
    (nothing private is counted); after an edit, all three get the new counts."""
    from fastapi.testclient import TestClient

    from bioatlas.atlas.models import Actor
    from tests.accounts.fixtures import PASSWORD, login, make_user

    make_user(db, "alice@example.org", name="Alice Synthétique")
    make_user(db, "bruno@example.org", name="Bruno Synthétique")
    with TestClient(app) as anon, TestClient(app) as alice, TestClient(app) as bruno:
        assert login(alice, "alice@example.org", PASSWORD).status_code == 303
        assert login(bruno, "bruno@example.org", PASSWORD).status_code == 303
        readers = (anon, alice, bruno, anon)

        def answers():
            out = []
            for reader in readers:
                r = reader.get("/api/v1/search", params={"q": "synthétique", "mode": "fulltext"})
                assert r.status_code == 200, r.text[:300]
                out.append((r.json()["total"], r.json()["facets"]))
            return out

        before = answers()
        assert all(a == before[0] for a in before) and before[0][0] == 51
        with db() as s:
            s.get(Actor, synthetic[4]).status = "closed"
            s.commit()
        after = answers()
        assert all(a == after[0] for a in after) and after[0][0] == 50 and after[0][1] != before[0][1]


@pytest.mark.parametrize("tie_read_max, complement_over", [(1, 0.0), (4096, 2.0)])
def test_ties_walked_by_id_and_counts_by_complement_agree(db, synthetic, taxonomies, engine_on_tantivy, monkeypatch,
                                                        tie_read_max, complement_over):
    """A crowd of ties at the page's edge walked in actor id order (instead of read by score), and
    facet counts taken as the filters' counts minus the text's complement (instead of aggregated
    over the matches), give the numpy path's pages and counts exactly."""
    cases = [("synthétique", ActorFilter(status="")), ("bioprod", ActorFilter(kind=("company", "cdmo"))),
             ("synthétique", ActorFilter(modality=("cell_therapy",), region=("84", "76"))),
             ("vaccins", ActorFilter(scope="sector"))]
    with db() as s:
        monkeypatch.setattr(tantivy_search, "TIE_READ_MAX", tie_read_max)
        monkeypatch.setattr(tantivy_search, "COMPLEMENT_OVER", complement_over)
        engine_side = [pages(s, taxonomies, q, f, limit=4) for q, f in cases]
        engine_side.append(pages(s, taxonomies, "synthétique", ActorFilter(), limit=4, scale=("10-200", "gte2000")))
        monkeypatch.setattr(tantivy_search, "supports", lambda *a: False)
        numpy_side = [pages(s, taxonomies, q, f, limit=4) for q, f in cases]
        numpy_side.append(pages(s, taxonomies, "synthétique", ActorFilter(), limit=4, scale=("10-200", "gte2000")))
    assert engine_side[0][0] == 60 and len({score for _, score in engine_side[0][1]}) < 20  # ties
    assert engine_side == numpy_side


def test_box_and_radius_through_the_engine_agree_with_the_numpy_path(db, synthetic, taxonomies, engine_on_tantivy,
                                                                     monkeypatch):
    """A bounding box or radius is a clause of the engine's query (map cells of the area, the
    actors on its edge tested on their coordinates): the same totals, pages and facet counts as
    the numpy path, which tests every match's sites; boxes whose edge passes through a site
    (inclusive, as in SQL) or just beside it included."""
    from bioatlas.search import tantivy_geo
    from tests.atlas.ecosystem import site

    lyon, dijon = site("69001"), site("21000")
    la, lo = lyon.latitude, lyon.longitude
    geos = [Geo(bbox=(lo - 0.5, la - 0.5, lo + 0.5, la + 0.5)), Geo(bbox=(lo, la - 1, lo + 1, la + 1)),
            Geo(bbox=(lo + 1e-9, la - 1, lo + 1, la + 1)), Geo(bbox=(lo - 1, la - 1, lo, la)),
            Geo(bbox=(-5.0, 41.0, 10.0, 51.0)), Geo(bbox=(-30.0, 30.0, -20.0, 40.0)),
            Geo(near=(dijon.latitude, dijon.longitude), radius_km=20), Geo(near=(la, lo), radius_km=300),
            Geo(near=(la, lo), radius_km=300, bbox=(lo - 3, la - 3, lo, la + 3))]
    inner, border = tantivy_geo.cover(geos[1])
    assert inner and border
    with db() as s:  # 60 actors: a text matching so few reads their sites (numpy path) by default
        engine = tantivy_index.current(s, taxonomies)
    assert not tantivy_search.area_as_clause(engine, tantivy_index.Query([(["vaccin"], None)]), ActorFilter(),
                                             taxonomies, ())
    monkeypatch.setattr(tantivy_search, "GEO_READ_UNDER", 0)
    calls = []
    real_answer = tantivy_search.answer
    monkeypatch.setattr(tantivy_search, "answer", lambda *a, **k: calls.append(1) or real_answer(*a, **k))
    cases = [(q, f, g) for g in geos for q, f in (("synthétique", ActorFilter(status="")),
                                                   ("vaccins", ActorFilter(kind=("company", "cdmo"))))]
    with db() as s:
        engine_side = [pages_geo(s, taxonomies, q, f, g) for q, f, g in cases]
        assert len(calls) >= len(cases)
        monkeypatch.setattr(tantivy_search, "supports", lambda *a: False)
        numpy_side = [pages_geo(s, taxonomies, q, f, g) for q, f, g in cases]
    assert engine_side == numpy_side
    totals = [found[0] for found in engine_side]
    assert totals[0] == totals[2] == totals[6] > 0 == totals[4] == totals[10]  # edges inclusive, 1e-9 beside: out
    assert totals[0] < totals[14] < totals[8] == 60


def pages_geo(session, taxonomies, q, f, geo):
    first = search(session, q=q, f=f, taxonomies=taxonomies, mode="fulltext", limit=7, geo=geo)
    found, result = [], first
    while True:
        found += [(i, result.scores.get(i)) for i in result.ids]
        if result.next_cursor is None:
            break
        result = search(session, q=q, f=f, taxonomies=taxonomies, mode="fulltext", limit=7, geo=geo,
                        cursor=result.next_cursor)
    return first.total, found, first.facets, first.match


@pytest.mark.parametrize("tie_read_max", [4096, 1])
def test_closest_few_through_the_engine_agree_with_the_numpy_path(db, synthetic, taxonomies, engine_on_tantivy, monkeypatch,
                                                                  tie_read_max):
    """No actor matches every word: Tantivy ranks the closest few itself (words matched, then the
    best score of one word, then id), with the same pages, scores, total and facets as the numpy
    path, which reads every match of every word; a crowd of ties past TIE_READ_MAX (here 1) hands
    the search to the numpy path."""
    from bioatlas.search import tantivy_closest

    answered = []
    real = tantivy_closest.closest
    monkeypatch.setattr(tantivy_closest, "closest", lambda *a, **k: answered.append(real(*a, **k)) or answered[-1])
    monkeypatch.setattr(tantivy_search, "TIE_READ_MAX", tie_read_max)
    cases = [("vaccins zzzzqx", ActorFilter(), ()), ("synthétique plasmide zzzzqx", ActorFilter(status=""), ()),
             ("Acteur synthétique 12 zzzzqx", ActorFilter(kind=("company", "cdmo")), ()),
             ("anticorps plasmide contrôle cellulaire", ActorFilter(region=("84",)), ()),
             ("bioprod zzzzqx", ActorFilter(), ("10-200", "gte2000")), ("synthétique zzzzqx", ActorFilter(status=""), ()),
             ("zzzzqx yyyyqx", ActorFilter(), ())]
    with db() as s:
        engine_side = [pages(s, taxonomies, q, f, limit=4, scale=sc) for q, f, sc in cases]
        monkeypatch.setattr(tantivy_search, "supports", lambda *a: False)
        calls = len(answered)
        numpy_side = [pages(s, taxonomies, q, f, limit=4, scale=sc) for q, f, sc in cases]
        assert len(answered) == calls  # the numpy path alone
    assert engine_side == numpy_side
    assert [found[3] for found in engine_side] == ["any"] * len(cases)
    assert engine_side[0][0] == 10 and engine_side[-1][0] == 0
    assert any(answered)  # the engine answered
    assert (None in answered) == (tie_read_max == 1)  # a crowd of ties past TIE_READ_MAX: the numpy path


def test_one_read_of_the_change_log_per_search_and_edits_still_seen(db, synthetic, taxonomies, engine_on_tantivy, monkeypatch):
    """Both indexes (facets, Tantivy) check their freshness with one read of the log's position
    per search (`search.log_position`: the latest seq and its row in one statement, no other read
    of the log when nothing changed), and an edit committed between two searches is seen."""
    from bioatlas.atlas import service as atlas
    from bioatlas.atlas.models import Actor
    from bioatlas.search import log_position

    reads, marks = [], []
    real, real_mark = atlas.change_position, atlas.change_mark
    monkeypatch.setattr(atlas, "change_position", lambda session: reads.append(1) or real(session))
    monkeypatch.setattr(atlas, "change_mark", lambda session, seq: marks.append(seq) or real_mark(session, seq=seq))
    with db() as s:
        first = search(s, q="synthétique", f=ActorFilter(), taxonomies=taxonomies, mode="fulltext", limit=5)
        assert len(reads) == 1 and log_position.KEY not in s.info
        marks.clear()  # the first search may have checked an index held from before against the log
        search(s, q="synthétique", f=ActorFilter(), taxonomies=taxonomies, mode="fulltext", limit=5)
        assert len(reads) == 2 and not marks
        s.get(Actor, synthetic[5]).status = "closed"
        s.commit()
        after = search(s, q="synthétique", f=ActorFilter(), taxonomies=taxonomies, mode="fulltext", limit=5)
    assert len(reads) == 3
    assert after.total == first.total - 1 and after.facets != first.facets


def test_signature_counts_equal_the_facet_columns_and_the_numpy_path(db, synthetic, taxonomies, engine_on_tantivy, monkeypatch):
    """Facet counts from one signature per document and group of facets (expanded to codes in
    Python) equal those of each facet's own column (the fallback when a group has more signatures
    than an aggregation returns) and the numpy path's, with and without selected facets."""
    import tantivy

    from bioatlas.search.tantivy_documents import SITE_MORE, codes_of, signatures

    assert signatures({"kind": ["cdmo", "company"], "region": ["84"], "departement": ["01", "21", "31", "69"]}) == {
        "sig_actor": "kind:cdmo|kind:company", "sig_modality": "-", "sig_step": "-", "sig_expression": "-",
        "region_1": "region:84", "region_2": "-", "region_3": "-", "departement_1": "departement:01",
        "departement_2": "departement:21", "departement_3": "departement:31", SITE_MORE: ["departement:69"]}
    assert codes_of("kind:cdmo|scale:10-200") == [("kind", "cdmo"), ("scale", "10-200")] and codes_of("-") == []
    fallback = []
    real = tantivy_facets._by_facet_columns
    monkeypatch.setattr(tantivy_facets, "_by_facet_columns", lambda *a: fallback.append(a[2]) or real(*a))
    cases = [("synthétique ", ActorFilter()), ("vaccins", ActorFilter(departement=("21", "31"))),
             ("bioprod", ActorFilter(kind=("company", "cdmo"), modality=("car_t", "aav"), region=("84", "76")))]
    counted = []
    real_count = tantivy_search._count
    monkeypatch.setattr(tantivy_search, "_count", lambda *a: counted.append(1) or real_count(*a))
    with db() as s:
        tantivy_index.forget(tantivy_index.index_dir(s))  # a new engine: no counts kept
        signed = [pages(s, taxonomies, cases[0][0], cases[0][1], limit=50)]
        assert not counted  # the total counted with its matches' counts, in one aggregation (a whole word)
        signed += [pages(s, taxonomies, q, f, limit=50) for q, f in cases[1:]]
        assert not fallback
        before = len(counted)
        search(s, q="vaccins ", f=ActorFilter(), taxonomies=taxonomies, mode="fulltext", with_facets=False)
        assert len(counted) == before + 1  # no facets asked: a plain count
        engine = tantivy_index.current(s, taxonomies)
        more = engine.searcher.aggregate(tantivy.Query.all_query(), {"m": {"terms": {"field": "departement_2"}}})
        assert len(more["m"]["buckets"]) > 1  # actors with sites in several départements
        monkeypatch.setattr(tantivy_facets, "MAX_SIGNATURES", 1)  # every group has more signatures than that
        tantivy_index.forget(tantivy_index.index_dir(s))  # a new engine: no counts kept
        by_columns = [pages(s, taxonomies, q, f, limit=50) for q, f in cases]
        assert None in fallback and "departement" in fallback
        monkeypatch.setattr(tantivy_search, "supports", lambda *a: False)
        numpy_side = [pages(s, taxonomies, q, f, limit=50) for q, f in cases]
    assert signed == by_columns == numpy_side
    assert all(found[2]["departement"] for found in signed)


def test_one_pass_split_on_a_selected_facet_agrees_with_the_passes_and_the_numpy_path(db, synthetic, taxonomies,
                                                                                     engine_on_tantivy, monkeypatch):
    """A view selecting facets: the total, the matches' counts and one selected facet's counts
    without its own clause come from one aggregation split on that facet's column (several kind
    or scale codes, one code of another facet), prefix or whole word; the pages, totals and facet
    counts equal those counted pass by pass and the numpy path's. A facet with several codes a
    document may hold together (two départements) is not split on."""
    split = []
    real = tantivy_facets.split
    monkeypatch.setattr(tantivy_facets, "split", lambda *a: split.append((list(a[2]), real(*a))) or split[-1][1])
    monkeypatch.setattr(tantivy_search, "_split", tantivy_facets.split)
    cases = [("bioprod", ActorFilter(kind=("company", "cdmo")), ()), ("vaccins ", ActorFilter(modality=("cell_therapy",)), ()),
             ("synthétique", ActorFilter(region=("84",)), ()), ("synthétique ", ActorFilter(status="", gmp=("gmp_clinical",)), ()),
             ("bioprod", ActorFilter(kind=("company", "cdmo"), region=("84",)), ()),
             ("synthétique", ActorFilter(modality=("cell_therapy",)), ("200-2000", "gte2000")),
             ("synthétique", ActorFilter(departement=("21", "31")), ())]
    with db() as s:
        tantivy_index.forget(tantivy_index.index_dir(s))  # a new engine: no counts kept
        one_pass = [pages(s, taxonomies, q, f, limit=4, scale=sc) for q, f, sc in cases]
        assert [chosen for chosen, found in split] == [["kind"], ["modality"], ["region"], ["gmp"], ["kind"], ["scale"]]
        assert all(found is not None for _, found in split)
        monkeypatch.setattr(tantivy_search.Answer, "split", lambda self, searcher, chosen: None)
        tantivy_index.forget(tantivy_index.index_dir(s))
        passes = [pages(s, taxonomies, q, f, limit=4, scale=sc) for q, f, sc in cases]
        monkeypatch.setattr(tantivy_search, "supports", lambda *a: False)
        numpy_side = [pages(s, taxonomies, q, f, limit=4, scale=sc) for q, f, sc in cases]
    assert one_pass == passes == numpy_side
    assert all(found[0] > 0 for found in one_pass[:-1])
    assert one_pass[4][2]["kind"] != one_pass[0][2]["kind"]  # the region narrows the kinds' counts

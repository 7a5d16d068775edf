"""Tantivy answering a search alone (issue 19, `search/tantivy_search.py`): its top-k, total and
facet counts are those of the numpy path (every match read into numpy), page after page, with and
without filters, ties in the score included; the searches it does not take still answer."""

from __future__ import annotations

import pytest

from bioatlas.atlas.filters import ActorFilter
from bioatlas.search import backends, tantivy_index, tantivy_search
from bioatlas.search.params import Geo
from bioatlas.search.service import search

@pytest.fixture
def on_tantivy(db):
    previous = backends.use_engine("tantivy")
    with db() as s:
        if tantivy_index.index_dir(s) is None:
            backends.use_engine(previous)
            pytest.skip("Tantivy is the engine of SQLite database files (PostgreSQL keeps its own full text)")
    yield
    backends.use_engine(previous)


def pages(session, taxonomies, q, f, mode="fulltext", limit=7, scale=()):
    """Every page of a search, followed by its cursor: (total, [(id, score)], facets of page 1)."""
    first = search(session, q=q, f=f, taxonomies=taxonomies, mode=mode, limit=limit, scale=scale)
    found, result = [], first
    while True:
        found += [(i, result.scores.get(i)) for i in result.ids]
        if result.next_cursor is None:
            break
        result = search(session, q=q, f=f, taxonomies=taxonomies, mode=mode, limit=limit, cursor=result.next_cursor,
                        scale=scale)
    return first.total, found, first.facets, first.match


FILTERS = [  # region 84: Auvergne-Rhône-Alpes (Lyon), 76: Occitanie (Toulouse)
    ActorFilter(), ActorFilter(status=""), ActorFilter(kind=("company",)), ActorFilter(modality=("cell_therapy",)),
    ActorFilter(region=("84",)), ActorFilter(departement=("21", "31")), ActorFilter(scope="sector"),
    ActorFilter(kind=("company", "cdmo"), modality=("car_t", "aav"), region=("84", "76"), status="", scope="sector"),
    ActorFilter(gmp=("gmp_clinical",)),
]
SCALES = [("lt10",), ("10-200", "gte2000")]
QUERIES = ["vaccins", "bioproduction", "bioprod", "anticorps thérapie", "synthétique", "Acteur synthétique 12",
           "plasmide contrôle cellulaire"]


def test_tantivy_answers_like_the_numpy_path(db, synthetic, taxonomies, on_tantivy, monkeypatch):
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


def test_hybrid_and_partial_answers_agree_too(db, synthetic, taxonomies, on_tantivy, monkeypatch):
    with db() as s:
        engine_side = [pages(s, taxonomies, q, ActorFilter(), mode="hybrid") for q in ("vaccins", "vaccins zzzzqx")]
        monkeypatch.setattr(tantivy_search, "supports", lambda *a: False)
        numpy_side = [pages(s, taxonomies, q, ActorFilter(), mode="hybrid") for q in ("vaccins", "vaccins zzzzqx")]
    assert engine_side == numpy_side
    assert engine_side[1][3] == "any"


def test_searches_tantivy_does_not_take_still_answer(db, synthetic, taxonomies, on_tantivy):
    assert not tantivy_search.supports(ActorFilter(), Geo(near=(47.3, 5.0), radius_km=20), (), taxonomies)
    assert not tantivy_search.supports(ActorFilter(region=("84",), departement=("21",)), Geo(), (), taxonomies)
    assert tantivy_search.supports(ActorFilter(gmp=("gmp_clinical",)), Geo(), ("lt10",), taxonomies)
    with db() as s:
        r = search(s, q="vaccins", f=ActorFilter(), taxonomies=taxonomies, geo=Geo(near=(47.32, 5.04), radius_km=30),
                   scale=("lt10",), mode="fulltext")
        assert r.total > 0 and r.facets["scale"]["lt10"] == r.total


def test_an_index_of_an_older_schema_is_rebuilt(db, synthetic, taxonomies, on_tantivy):
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


def test_counts_memo_answers_again_and_is_never_stale(db, synthetic, taxonomies, on_tantivy, monkeypatch):
    """Totals and facet counts are kept per query and per searcher: the same search again is a
    memo hit; another filter is another entry; a committed edit is seen by the next search."""
    from bioatlas.atlas.models import Actor

    def run(s, f):
        return search(s, q="synthétique", f=f, taxonomies=taxonomies, mode="fulltext", limit=5)

    with db() as s:
        first = run(s, ActorFilter())
        hits = tantivy_search.memo_stats["hits"]
        again = run(s, ActorFilter())
        assert tantivy_search.memo_stats["hits"] >= hits + 2  # the total and the counts
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


def test_counts_memo_is_the_same_for_every_reader(app, db, synthetic, on_tantivy):
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

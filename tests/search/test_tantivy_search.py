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

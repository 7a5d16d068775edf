"""The directory's facet counts from the search's in-memory index (issue 19, hook
`bioatlas_view_counts`): the same total and counts as the atlas's SQL (the reference), on
both backends, for the filters of the /actors page; a name filter is left to SQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bioatlas.atlas import queries
from bioatlas.atlas.filters import ActorFilter
from bioatlas.search import facets

VIEWS = [
    ActorFilter(), ActorFilter(status=""), ActorFilter(scope="sector"), ActorFilter(kind=("company",)),
    ActorFilter(modality=("cell_therapy",), step=()), ActorFilter(region=("84",)), ActorFilter(departement=("21", "31")),
    ActorFilter(region=("84", "27"), departement=("21",)), ActorFilter(gmp=("gmp_clinical", "none")),
    ActorFilter(kind=("company", "cdmo"), modality=("car_t", "aav"), region=("84", "76"), status="", scope="sector"),
]


def sql(session, f, taxonomies) -> dict:
    counts = queries.facet_counts(session, f=f, taxonomies=taxonomies)
    total = queries.count_actors(session, f=f, taxonomies=taxonomies)
    return {"total": total, "facets": {k: {c: n for c, n in v.items() if n} for k, v in counts.items()}}


def test_in_memory_counts_equal_the_sql_counts(db, synthetic, taxonomies):
    with db() as s:
        for f in VIEWS:
            assert facets.view_counts(s, view=f, taxonomies=taxonomies) == sql(s, f, taxonomies), f
        assert facets.view_counts(s, view=ActorFilter(q="synthétique"), taxonomies=taxonomies) is None


def test_the_directory_counts_through_the_hook(app, db, synthetic, taxonomies, monkeypatch):
    calls = []
    real = facets.view_counts
    monkeypatch.setattr(facets, "view_counts", lambda *a, **k: calls.append(k["view"]) or real(*a, **k))
    with TestClient(app) as client:
        r = client.get("/api/v1/facets", params={"kind": "company", "region": "84"})
        assert r.status_code == 200 and calls[-1].kind == ("company",) and calls[-1].region == ("84",)
        with db() as s:
            expected = sql(s, calls[-1], taxonomies)
        body = r.json()
        assert body["total"] == expected["total"]
        assert {i["code"]: i["count"] for i in body["facets"]["region"] if i["count"]} == expected["facets"]["region"]
        assert {i["code"]: i["count"] for i in body["facets"]["kind"] if i["count"]} == expected["facets"]["kind"]
        named = client.get("/api/v1/facets", params={"q": "synthétique 1"})  # SQL answers the name filter
        assert named.status_code == 200 and named.json()["total"] > 0


def test_the_api_list_counts_a_capability_filter_through_the_index(app, db, synthetic, taxonomies, monkeypatch):
    """/api/v1/actors with a capability filter takes its total from the facet index (hook
    `bioatlas_view_total`): the SQL count, on both backends; other filters are counted in SQL."""
    calls = []
    real = facets.view_total
    monkeypatch.setattr(facets, "view_total", lambda *a, **k: calls.append(k["view"]) or real(*a, **k))
    views = [{"modality": "car_t"}, {"modality": "cell_therapy", "region": "84"}, {"step": "fill_finish", "kind": "cdmo"},
             {"expression": "cho"}]
    with TestClient(app) as client:
        for params in views:
            r = client.get("/api/v1/actors", params={**params, "limit": 2})
            assert r.status_code == 200, r.text[:300]
            with db() as s:
                expected = queries.count_actors(s, f=calls[-1], taxonomies=taxonomies)
            assert r.json()["total"] == expected, params
        assert len(calls) == len(views)
        assert client.get("/api/v1/actors", params=views[0]).json()["total"] > 0
        assert client.get("/api/v1/actors", params={"kind": "company"}).status_code == 200
        assert len(calls) == len(views) + 1  # views[0] again; a kind alone is counted in SQL

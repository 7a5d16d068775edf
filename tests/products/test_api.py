"""The products JSON API on the real 29/01/2026 EMA list."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def api(app, load, report_2026):
    load(report_2026)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def page(api, **params) -> dict:
    r = api.get("/api/v1/products", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_list_and_filters(api):
    everything = page(api, limit=1)
    assert everything["total"] == 2650 and len(everything["items"]) == 1
    assert page(api, atmp="true", limit=1)["total"] == 32
    assert page(api, biologic="true", atmp="true", limit=1)["total"] == 32
    assert page(api, biologic="true", category="human", limit=1)["total"] == 727
    assert page(api, biosimilar="true", limit=1)["total"] == 181
    assert page(api, orphan="true", limit=1)["total"] == 239
    assert page(api, status="authorised", category="human", limit=1)["total"] == 1537
    both = page(api, status=["withdrawn", "lapsed"], limit=1)["total"]
    assert both == 394 + 28
    assert page(api, year=2025, category="human", limit=1)["total"] == 106
    assert page(api, year=2025, category="human", biologic="true", limit=1)["total"] == 67


def test_text_search_on_name_inn_and_number(api):
    golimumab = {i["name"]: i for i in page(api, q="Golimumab")["items"]}
    assert "Simponi" in golimumab and len(golimumab) > 1  # the reference medicine and its biosimilars
    item = golimumab.pop("Simponi")
    assert item["product_number"] == "EMEA/H/C/000992" and item["is_biologic"] is True
    assert item["biologic_rule"] == "atc:L04AB" and item["category"] == "human"
    assert {i["biologic_rule"] for i in golimumab.values()} == {"biosimilar"}
    assert page(api, q="emea/h/c/000992")["total"] == 1
    assert page(api, q="Heplisav")["items"][0]["atc_code"] == "J07BC01"


def test_pagination_is_stable(api):
    first = page(api, limit=10, offset=0)["items"]
    second = page(api, limit=10, offset=10)["items"]
    assert len({i["id"] for i in first + second}) == 20
    assert [i["name"] for i in first] == sorted(i["name"] for i in first)


BAD = [
    {"biologic": "maybe"}, {"atmp": "2"}, {"year": "abc"}, {"year": "1850"}, {"status": "sold"},
    {"category": "plant"}, {"limit": "0"}, {"limit": "100000"}, {"offset": "-1"}, {"q": "x" * 201},
]


def test_bad_values_are_422(api):
    for params in BAD:
        r = api.get("/api/v1/products", params=params)
        assert r.status_code == 422, params
        assert r.json()["detail"][0]["field"].split(".")[0] == next(iter(params))


def test_detail_and_404(api, load, report_2018):
    load(report_2018)  # an older list: only first_seen moves
    simponi_id = page(api, q="simponi")["items"][0]["id"]
    r = api.get(f"/api/v1/products/{simponi_id}")
    assert r.status_code == 200
    body = r.json()
    assert body["name"] == "Simponi" and body["authorisation_date"] == "2009-10-01"
    assert body["biologic_rule_description"].startswith("ATC L04AB")
    assert body["source"]["title"] == "EMA – Medicines for human use: European public assessment reports (2026-01-29)"
    assert body["source"]["licence"] == "EMA: reuse with acknowledgement"
    assert (body["first_seen"], body["last_seen"]) == ("2018-12-23", "2026-01-29")
    assert body["manufacturing"] == [] and body["mah_actor"] is None
    assert api.get("/api/v1/products/99999999").status_code == 404
    assert api.get("/api/v1/products/abc").status_code == 422


def test_stats_by_year(api):
    r = api.get("/api/v1/products/stats/by-year", params={"category": "human"})
    assert r.status_code == 200
    years = {row["year"]: row for row in r.json()}
    assert years[2025] == {"year": 2025, "all": 106, "biologics": 67, "atmps": 1}
    assert years[2022] == {"year": 2022, "all": 103, "biologics": 40, "atmps": 5}
    every = api.get("/api/v1/products/stats/by-year").json()
    assert sum(row["all"] for row in every) > sum(row["all"] for row in years.values())
    assert api.get("/api/v1/products/stats/by-year", params={"category": "x"}).status_code == 422

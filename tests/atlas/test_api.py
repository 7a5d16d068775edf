import csv
import io
import json

import pytest
from openpyxl import load_workbook

from tests.atlas.ecosystem import load


@pytest.fixture
def ids(db):
    with db.begin() as s:
        return load(s)


def test_list_filter_and_paginate(client, ids):
    r = client.get("/api/v1/actors", params={"kind": "public_agency"})
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 2
    assert {a["name"] for a in body["items"]} == {"Région Île-de-France", "Région Bourgogne-Franche-Comté"}
    page = client.get("/api/v1/actors", params={"limit": 2, "offset": 2}).json()
    assert page["total"] == 7 and len(page["items"]) == 2


def test_actor_detail_has_facts_and_sources(client, ids):
    body = client.get(f"/api/v1/actors/{ids['CHU Dijon Bourgogne']}").json()
    assert body["name"] == "CHU Dijon Bourgogne"
    assert body["sites"][0]["region_name"] == "Bourgogne-Franche-Comté"
    assert [c["code"] for c in body["capabilities"]["modalities"]] == ["car_t"]
    assert body["sources"][0]["title"].startswith("Assises des Biothérapies")
    source_ids = {s["id"] for s in body["sources"]}
    assert body["provenance"]["kind"]["source_id"] in source_ids
    assert body["capabilities"]["modalities"][0]["source_id"] in source_ids


def test_facets_counts_and_labels(client, ids):
    body = client.get("/api/v1/facets", params={"region": "27"}).json()
    assert body["total"] == 2
    kinds = {v["code"]: v for v in body["facets"]["kind"]}
    assert kinds["hospital"]["count"] == 1 and kinds["hospital"]["label"] == "Hôpital"
    en = client.get("/api/v1/facets", params={"region": "27", "lang": "en"}).json()
    assert {v["code"]: v["label"] for v in en["facets"]["kind"]}["hospital"] == "Hospital"


def test_map_geojson(client, ids):
    r = client.get("/api/v1/map", params={"departement": "21"})
    assert r.headers["content-type"].startswith("application/geo+json")
    feats = r.json()["features"]
    assert {f["properties"]["name"] for f in feats} == {"Région Bourgogne-Franche-Comté", "CHU Dijon Bourgogne"}
    lon, lat = feats[0]["geometry"]["coordinates"]
    assert 4.9 < lon < 5.2 and 47.2 < lat < 47.4


@pytest.mark.parametrize("fmt, ctype", [("csv", "text/csv"), ("xlsx", "application/vnd.openxml"),
                                        ("json", "application/json"), ("geojson", "application/geo+json")])
def test_export_every_format_of_a_filtered_view(client, ids, fmt, ctype):
    r = client.get("/api/v1/export", params={"format": fmt, "kind": "public_agency"})
    assert r.status_code == 200 and r.headers["content-type"].startswith(ctype)
    assert "attachment" in r.headers["content-disposition"]
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))  # French Excel
        assert {row["name"] for row in rows} == {"Région Île-de-France", "Région Bourgogne-Franche-Comté"}
    elif fmt == "xlsx":
        ws = load_workbook(io.BytesIO(r.content)).active
        assert ws.max_row == 3
    elif fmt == "json":
        assert len(json.loads(r.content)) == 2
    else:
        assert len(json.loads(r.content)["features"]) == 2


@pytest.mark.parametrize("url", [
    "/api/v1/actors?kind=spaceship", "/api/v1/actors?limit=0", "/api/v1/actors?limit=abc",
    "/api/v1/actors?offset=-1", "/api/v1/facets?region=999", "/api/v1/map?departement=%3Cscript%3E",
    "/api/v1/export?format=pdf", "/api/v1/actors?q=" + "x" * 300,
])
def test_bad_parameters_are_clear_422(client, ids, url):
    r = client.get(url)
    assert r.status_code == 422, r.text
    assert "detail" in r.json()


def test_unknown_actor_is_404_json(client):
    r = client.get("/api/v1/actors/424242")
    assert r.status_code == 404 and "424242" in r.json()["detail"]


def test_geocode_endpoint(client):
    assert client.get("/api/v1/geocode", params={"postcode": "21000"}).json()["insee"] == "21231"
    amb = client.get("/api/v1/geocode", params={"commune": "Paris"})
    assert amb.status_code == 409 and amb.json()["reason"] == "ambiguous" and len(amb.json()["candidates"]) == 20
    assert client.get("/api/v1/geocode", params={"postcode": "00000"}).status_code == 404


def test_taxonomies_endpoint(client):
    body = client.get("/api/v1/taxonomies", params={"lang": "en"}).json()
    assert {"kinds", "modalities", "value_chain"} <= set(body)
    assert any(t["code"] == "aav" and t["label"] == "AAV vectors" for t in body["modalities"])


def test_openapi_lists_the_atlas_endpoints(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/actors", "/api/v1/actors/{actor_id}", "/api/v1/facets", "/api/v1/map", "/api/v1/export"} <= set(paths)


def test_security_headers(client):
    r = client.get("/api/v1/actors")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "unsafe-inline" not in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_actor_history_endpoint(client, ids, db):
    from bioatlas.atlas.records import ActorRecord, SourceRecord
    from bioatlas.atlas.writer import get_or_create_source, upsert_actor

    with db.begin() as s:
        src = get_or_create_source(s, SourceRecord(key="t:edit", title="Member edit", kind="user"))
        upsert_actor(s, ActorRecord(name="Genopole", description_fr="Biocluster à Évry"), source=src)
    body = client.get(f"/api/v1/actors/{ids['Genopole']}/history").json()
    assert [c["action"] for c in body] == ["updated", "created"]
    assert body[0]["field"] == "description_fr" and body[0]["source"]["title"] == "Member edit"
    assert client.get("/api/v1/actors/999999/history").status_code == 404

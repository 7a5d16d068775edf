"""The observatory API: indicators, one indicator with targets and series, CSV, roadmaps, errors."""

from __future__ import annotations

import csv
import io
from datetime import date

from bioatlas.observatory import compute


def test_list_indicators(obs_client, loaded):
    r = obs_client.get("/api/v1/indicators?lang=en")
    assert r.status_code == 200
    body = {i["code"]: i for i in r.json()}
    assert len(body) == loaded.counts["indicators"]
    share = body["imported_innovative_biologics_share"]
    assert share["label"] == "Imported share of innovative biological medicines"
    assert [(v["value"], v["comparator"], v["source"]["published"]) for v in share["latest"]] == [(85, ">", "2021-06-30")]


def test_indicator_detail_with_targets_series_and_conflicts(obs_client, loaded):
    r = obs_client.get("/api/v1/indicators/eu_biologics_made_in_country")
    assert r.status_code == 200
    body = r.json()
    assert body["indicator"]["label"] == "Biomédicaments autorisés en Europe produits dans le pays"
    fr = [v for v in body["series"] if v["scope"] == "FR"]
    assert [v["value_text"] for v in fr] == ["2 sur 76", "5 sur 76"]
    assert {v["source"]["kind"] for v in fr} == {"article"}
    assert len(body["conflicts"]) == 1
    detail = obs_client.get("/api/v1/indicators/share_eu_biologics_produced").json()
    (target,) = detail["targets"]
    assert (target["value"], target["horizon_year"], target["progress"]) == (20, 2030, 0)
    only_de = obs_client.get("/api/v1/indicators/eu_biologics_made_in_country?scope=DE").json()["series"]
    assert [v["value"] for v in only_de] == [21]


def test_series_csv(obs_client, session, eco, loaded):
    compute.snapshot(session, at=date(2026, 3, 1))
    session.commit()
    r = obs_client.get("/api/v1/indicators/actors_region_share/series.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(x["scope"], x["value"], x["kind"]) for x in rows if x["scope"] == "11"] == [
        ("11", "40", "recorded"), ("11", "50", "computed")]
    assert rows[0]["source_title"].startswith("1res Assises régionales")


def test_roadmaps(obs_client, loaded):
    listing = obs_client.get("/api/v1/roadmaps").json()
    assert [r["code"] for r in listing] == ["bfc-assises-2024", "idf-assises-2021"]
    assert listing[1]["axes"][0]["actions"] == [] and listing[1]["progress"]["actions"] == 11
    idf = obs_client.get("/api/v1/roadmaps/idf-assises-2021?lang=en").json()
    assert idf["title"] == "Recommendations of the 1st regional conference on biotherapies and bioproduction"
    assert idf["axes"][2]["actions"][0]["title_fr"].startswith("Promouvoir l’offre du Venture Center of Excellence")


def test_errors(obs_client, loaded):
    assert obs_client.get("/api/v1/indicators/nope").status_code == 404
    assert "no indicator" in obs_client.get("/api/v1/indicators/nope").json()["detail"]
    assert obs_client.get("/api/v1/indicators/nope/series.csv").status_code == 404
    assert obs_client.get("/api/v1/roadmaps/nope").status_code == 404
    assert obs_client.get("/api/v1/indicators/BAD%20CODE").status_code == 422
    assert obs_client.get("/api/v1/indicators/cluster_members?scope=%3Cscript%3E").status_code == 422
    assert obs_client.get("/api/v1/roadmaps/" + "x" * 100).status_code == 422

"""The observatory's HTML pages: dashboard (key figures, charts with source and CSV), indicator,
region, roadmaps; empty states and errors. The factsheet and the status API have their own files."""

from __future__ import annotations

import csv
import html
import io
import json
import re

from bioatlas.products import queries as pq


def _specs(text: str) -> dict[str, dict]:
    """Chart id -> the Vega-Lite spec of its data-spec attribute (as the browser would read it)."""
    out = {}
    for m in re.finditer(r'<figure class="obs-chart" id="chart-([a-z-]+)">(.*?)</figure>', text, re.S):
        spec = re.search(r"data-spec='([^']*)'", m.group(2))
        out[m.group(1)] = json.loads(html.unescape(spec.group(1))) if spec else None
    return out


def test_dashboard_without_any_data_shows_empty_states(obs_client):
    r = obs_client.get("/observatory")
    assert r.status_code == 200
    assert "Chiffres clés face aux objectifs 2030" in r.text
    assert "Aucun objectif enregistré pour l’instant." in r.text
    specs = _specs(r.text)
    assert set(specs) == {"ema-per-year", "ema-lists", "actors-by-kind", "actors-by-region", "made-in-country"}
    assert all(spec is None for spec in specs.values())  # nothing drawn, never a chart of zeros
    assert "no EMA list imported yet (bioatlas import ema)" in r.text
    assert "<script>" not in r.text and " style=" not in r.text and "onclick" not in r.text


def test_dashboard_charts_targets_and_conflicts(obs_client, eco, loaded):
    r = obs_client.get("/observatory")
    assert r.status_code == 200
    specs = _specs(r.text)
    kinds = {row["kind"]: row["actors"] for row in specs["actors-by-kind"]["data"]["values"]}
    # 7 actors: Cellectis + Sensorion (a start-up counts in company), 2 agencies, 2 clusters, 1 hospital
    assert kinds == {"company": 2, "public_agency": 2, "cluster": 2, "hospital": 1}
    regions = {row["label"]: row["actors"] for row in specs["actors-by-region"]["data"]["values"]}
    assert regions == {"Île-de-France": 2, "Bourgogne-Franche-Comté": 2}
    made_in = specs["made-in-country"]["data"]["values"]
    fr = sorted((row["value"], row["source_published"]) for row in made_in if row["country"] == "FR")
    assert fr == [(2, ""), (5, "2021-06-30")]  # two articles, side by side, not merged
    assert specs["made-in-country"]["encoding"]["yOffset"] == {"field": "source"}
    # each chart names its source and links its CSV
    for key in specs:
        block = r.text.split(f'id="chart-{key}"', 1)[1].split("</figure>", 1)[0]
        assert "Source\u202f:" in block and f"/observatory/charts/{key}.csv" in block
    assert "requête <code>actors_by:kind</code>" in r.text
    # key figures against the targets
    assert "Part des produits biologiques" in r.text or "share_eu_biologics_produced" in r.text
    assert "objectif 20\u202f% en 2030" in r.text and "Progression depuis la valeur de départ\u202f: 0\u202f%" in r.text
    assert "Progression inconnue" in r.text  # jobs and productivity have no value yet
    assert "Chiffres divergents, côte à côte" in r.text and "2 sur 76" in r.text and "5 sur 76" in r.text


def test_chart_csv(obs_client, eco, loaded):
    r = obs_client.get("/observatory/charts/made-in-country.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="observatory-made-in-country.csv"' in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert sorted((row["country"], row["value_text"]) for row in rows) == [
        ("DE", "21 sur 76"), ("FR", "2 sur 76"), ("FR", "5 sur 76"), ("IT", "12 sur 76")]
    r = obs_client.get("/observatory/charts/actors-by-region.csv?lang=en")
    assert list(csv.reader(io.StringIO(r.text)))[0] == ["region", "label", "actors"]
    assert obs_client.get("/observatory/charts/nope.csv").status_code == 404


def test_ema_charts_on_the_real_lists(obs_client, session, ema):
    specs = _specs(obs_client.get("/observatory?lang=en").text)
    per_year = {(row["year"], row["series"]): row["count"] for row in specs["ema-per-year"]["data"]["values"]}
    expected = pq.per_year(session, category="human")
    assert {y: n for (y, s), n in per_year.items() if s == "Biologics"} == {str(r["year"]): r["biologics"] for r in expected}
    assert {y: n for (y, s), n in per_year.items() if s == "Advanced therapies (ATMP)"} == {
        str(r["year"]): r["atmps"] for r in expected}
    lists = {(row["list"], row["measure"]): row["count"] for row in specs["ema-lists"]["data"]["values"]}
    d18, d26 = (r.report_date.isoformat() for r in ema)
    assert 0 < lists[(d18, "named in the list")] < lists[(d26, "named in the list")]
    assert lists[(d26, "new since the previous list")] > 0


def test_indicator_page(obs_client, loaded):
    r = obs_client.get("/observatory/indicators/eu_biologics_made_in_country")
    assert r.status_code == 200
    assert "Biomédicaments autorisés en Europe produits dans le pays" in r.text
    assert "Chiffres divergents, côte à côte" in r.text
    conflict = r.text.split('<table class="conflict stack">', 1)[1].split("</table>", 1)[0]
    assert "2 sur 76" in conflict and "5 sur 76" in conflict and "2021-06-30" in conflict
    assert "/api/v1/indicators/eu_biologics_made_in_country/series.csv" in r.text
    spec = json.loads(html.unescape(re.search(r"data-spec='([^']*)'", r.text).group(1)))
    assert {row["series"] for row in spec["data"]["values"]} == {"FR", "DE", "IT"}  # dated values only
    target = obs_client.get("/observatory/indicators/share_eu_biologics_produced?lang=en").text
    assert "France: 20\u202f% in 2030 (baseline 5\u202f%)" in target
    empty = obs_client.get("/observatory/indicators/actors_by_kind?lang=fr").text
    assert "pas encore de valeur\u202f: le dernier calcul (bioatlas observatory compute)" in empty
    assert obs_client.get("/observatory/indicators/nope").status_code == 404


def test_region_page(obs_client, eco, loaded):
    r = obs_client.get("/observatory/regions/27")
    assert r.status_code == 200
    assert "Bourgogne-Franche-Comté" in r.text
    # Région BFC and CHU Dijon have a site in 27; Genopole and Région IDF in 11; three others have none
    assert "2 sur 4 acteurs localisés dans une région française" in r.text
    assert "50\u202f%" in r.text
    assert "CAR-T" in r.text  # the CHU's modality
    assert 'data-empty="capacity"' in r.text and 'data-empty="gmp"' in r.text  # explicit, not "0 L"
    assert "/observatory/roadmaps/bfc-assises-2024" in r.text
    assert "/observatory/regions/27/factsheet?lang=fr" in r.text
    idf = obs_client.get("/observatory/regions/11").text
    assert "Chiffres relevés dans les articles" in idf and "40\u202f%" in idf and "135" in idf


def test_region_without_actors_and_unknown_region(obs_client, eco):
    r = obs_client.get("/observatory/regions/94")
    assert r.status_code == 200 and "Corse" in r.text
    assert 'data-empty="actors"' in r.text
    assert "Part du pays" not in r.text  # no share, no count: nothing measured
    assert obs_client.get("/observatory/regions/99").status_code == 404
    # a code that is no INSEE region names no page: 404, whatever its length or form (not 422:
    # the request is well formed, the region does not exist)
    for code in ("abcd", "1", "11x"):
        r = obs_client.get(f"/observatory/regions/{code}")
        assert r.status_code == 404, code
        assert "Aucune région avec ce code." in r.text  # the page says why, in French by default
    assert obs_client.get("/observatory/regions/abcd/factsheet").status_code == 404


def test_roadmap_pages(obs_client, loaded):
    r = obs_client.get("/observatory/roadmaps")
    assert r.status_code == 200
    assert "/observatory/roadmaps/idf-assises-2021" in r.text and "/observatory/roadmaps/bfc-assises-2024" in r.text
    assert "Statut inconnu pour les 11 actions" in r.text
    assert "la source annonce 4 axes" in r.text  # BFC: 4 axes declared, none listed
    idf = obs_client.get("/observatory/roadmaps/idf-assises-2021")
    assert idf.status_code == 200
    assert idf.text.count('<section class="axis"') == 3 and idf.text.count("data-action-id=") == 11
    assert "Créer un guichet unique" in idf.text
    assert '/observatory/indicators/industrial_investments_eur' in idf.text
    assert "Statut inconnu pour les 3 actions" in idf.text
    en = obs_client.get("/observatory/roadmaps/idf-assises-2021?lang=en").text
    assert "Create a one-stop shop" in en and "Axis 2" in en
    bfc = obs_client.get("/observatory/roadmaps/bfc-assises-2024?lang=fr").text
    assert "rien n’est inventé" in bfc
    assert obs_client.get("/observatory/roadmaps/nope").status_code == 404

"""/api/v1/search, /api/v1/search/suggest and the /search page, including bad input."""

import re

import pytest


def get(client, **params):
    params.setdefault("mode", "fulltext")
    return client.get("/api/v1/search", params=params)


def test_search_api_ranks_filters_and_counts_facets(client, eco):
    r = get(client, q="region", kind="public_agency", lang="en")
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 2 and body["match"] == "all" and body["next_cursor"] is None
    assert {i["name"] for i in body["items"]} == {"Région Île-de-France", "Région Bourgogne-Franche-Comté"}
    kinds = {v["code"]: v for v in body["facets"]["kind"]}
    assert kinds["public_agency"]["count"] == 2 and kinds["public_agency"]["selected"]
    assert kinds["cluster"]["count"] == 1  # Medicen Paris Region: a kind not chosen, counted
    hl = body["items"][0]["highlight"]["name"]
    assert [s["text"] for s in hl if s["match"]] == ["Région"]


def test_cursor_pagination_and_foreign_cursor(client, eco):
    first = get(client, q="region", limit=1).json()
    assert first["total"] == 3 and first["match"] == "all" and first["next_cursor"]
    second = get(client, q="region", limit=1, cursor=first["next_cursor"]).json()
    assert second["items"][0]["id"] != first["items"][0]["id"]
    other = get(client, q="genopole", cursor=first["next_cursor"])
    assert other.status_code == 422 and other.json()["detail"]["field"] == "cursor"
    assert get(client, q="genopole", cursor="not-a-cursor!").status_code == 422


def test_geo_filters(client, eco):
    body = get(client, near="Dijon", radius_km=15).json()
    assert {i["name"] for i in body["items"]} == {"Région Bourgogne-Franche-Comté", "CHU Dijon Bourgogne"}
    body = get(client, near="21231", radius_km=15, q="chu").json()  # INSEE code of Dijon
    assert [i["name"] for i in body["items"]] == ["CHU Dijon Bourgogne"]
    assert get(client, bbox="4.9,47.2,5.2,47.4").json()["total"] == 2


@pytest.mark.parametrize("params, field", [
    ({"bbox": "1,2,3"}, "bbox"),
    ({"bbox": "5,40,2,45"}, "bbox"),
    ({"bbox": "a,b,c,d"}, "bbox"),
    ({"bbox": "nan,1,2,3"}, "bbox"),
    ({"bbox": "-200,40,2,45"}, "bbox"),
    ({"near": "Nulle-Part-sur-Mer"}, "near"),
    ({"near": "Dijon", "radius_km": 0}, "radius_km"),
    ({"near": "Dijon", "radius_km": 5000}, "radius_km"),
    ({"radius_km": 10}, "radius_km"),
    ({"scale": "huge"}, "scale"),
    ({"kind": "spaceship"}, "kind"),
    ({"q": "x" * 5000}, "q"),
])
def test_bad_parameters_are_422_naming_the_parameter(client, eco, params, field):
    r = get(client, **params)
    assert r.status_code == 422, r.text
    assert field in str(r.json()["detail"])


@pytest.mark.parametrize("q", [
    '"', "'", '"genopole', "genopole*", "NEAR(genopole medicen)", "genopole OR 1=1", "names : genopole",
    "'; DROP TABLE actors; --", "a & b | !c", "(((", "-genopole", "^genopole", "genopole:*A", "\\", "%_%", "?", "🧬",
])
def test_query_syntax_characters_are_plain_text(client, eco, q):
    r = get(client, q=q)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] <= 2  # never the whole table (7 actors)
    if "genopole" in q.lower():
        assert "Genopole" in [i["name"] for i in body["items"]]
    else:
        assert body["total"] == 0
    assert client.get("/api/v1/search/suggest", params={"q": q}).status_code == 200
    assert client.get("/search", params={"q": q}).status_code == 200


def test_empty_query_browses_and_limits(client, eco):
    body = get(client, q="").json()
    assert body["total"] == 7 and body["match"] == "browse"
    assert get(client, q="", limit=0).status_code == 422
    assert get(client, q="", limit=101).status_code == 422
    assert client.get("/api/v1/search/suggest", params={"q": "x" * 5000}).status_code == 422
    assert client.get("/api/v1/search/suggest", params={"q": ""}).json()["items"] == []


def test_hybrid_mode_answers_without_or_with_the_encoder(client, eco):
    r = client.get("/api/v1/search", params={"q": "genopole"})  # default mode: hybrid
    assert r.status_code == 200
    assert r.json()["items"][0]["name"] == "Genopole"


def test_suggest_api(client, eco):
    items = client.get("/api/v1/search/suggest", params={"q": "cellec"}).json()["items"]
    assert [i["name"] for i in items] == ["Cellectis"] and items[0]["url"].startswith("/actors/")


def test_result_page_highlights_escaped_text(client, eco, db):
    from bioatlas.atlas.models import Actor

    with db() as s:
        s.get(Actor, eco["Sensorion"]).description_fr = "Thérapies <script>alert(1)</script> de l'audition"
        s.commit()
    page = client.get("/search", params={"q": "audition", "mode": "fulltext"})
    assert page.status_code == 200
    html = page.text
    assert "<mark>audition</mark>" in html and "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'class="search-box"' in html and "/static/js/search-box.js" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # no inline script (CSP)
    assert " style=" not in html
    en = client.get("/search", params={"q": "zzqqxw", "lang": "en"}).text
    assert "No actor matches this search." in en
    fr = client.get("/search", params={"q": "zzqqxw", "lang": "fr"}).text
    assert "No actor matches this search." not in fr


def test_every_page_has_the_search_box(client, eco):
    for path in ("/", "/actors", f"/actors/{eco['Genopole']}"):
        assert 'action="/search"' in client.get(path).text

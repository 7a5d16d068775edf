"""The occupations JSON API on the real ROME v4.60 files."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bioatlas.core.config import load_settings


@pytest.fixture(scope="class")
def api(rome_db, database_url, tmp_path_factory):
    from bioatlas.app import create_app

    settings = load_settings(database_url=database_url, environment="test", data_dir=tmp_path_factory.mktemp("api"))
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


class TestOccupationsApi:
    def test_list_and_page(self, api):
        body = api.get("/api/v1/occupations", params={"limit": 5}).json()
        assert body["total"] == 1584 and (body["limit"], body["offset"]) == (5, 0)
        assert [o["code"] for o in body["items"]] == ["A1101", "A1102", "A1201", "A1202", "A1203"]
        item = body["items"][0]
        assert set(item) == {"code", "label", "domain", "subdomain", "parent_code", "bioproduction",
                             "bioproduction_reason", "url"}
        assert item["url"] == "/api/v1/occupations/A1101"
        nxt = api.get("/api/v1/occupations", params={"limit": 5, "offset": 5}).json()
        assert nxt["items"][0]["code"] == "A1204"

    def test_search_and_bioproduction_filter(self, api):
        body = api.get("/api/v1/occupations", params={"q": "Biotéchnologue"}).json()
        assert [o["code"] for o in body["items"]] == ["K2402"]
        bio = api.get("/api/v1/occupations", params={"bioproduction": "true", "limit": 200}).json()
        codes = [o["code"] for o in bio["items"]]
        assert bio["total"] == len(codes) and "H2302" in codes and "A1101" not in codes
        assert all(o["bioproduction"] and o["bioproduction_reason"] for o in bio["items"])
        rest = api.get("/api/v1/occupations", params={"bioproduction": "false", "limit": 1}).json()
        assert rest["total"] == 1584 - bio["total"]
        both = api.get("/api/v1/occupations", params={"bioproduction": "true", "q": "pharmaceutique"}).json()
        assert "H2303" in [o["code"] for o in both["items"]]
        industry = api.get("/api/v1/occupations", params={"domain": "H", "limit": 1}).json()
        assert industry["items"][0]["code"] == "H1101"

    def test_detail_with_titles(self, api):
        r = api.get("/api/v1/occupations/h2302")
        assert r.status_code == 200
        body = r.json()
        assert body["code"] == "H2302" and body["subdomain"] == "H23" and body["bioproduction"] is True
        assert body["parent"] == {"code": "H2301", "label": "Conducteur / Conductrice de ligne en industrie chimique"}
        assert body["children"] == []
        assert len(body["titles"]) == 9
        by_code = {t["code"]: t for t in body["titles"]}
        assert by_code["405496"]["main"] is True and by_code["405496"]["bioproduction_basis"] == "keyword"
        cosmetics = [t for t in body["titles"] if "cosmétoparfumerie" in t["label"]]
        assert len(cosmetics) == 2 and not any(t["bioproduction"] for t in cosmetics)
        assert body["source"]["key"] == "rome:v460" and body["source"]["licence"].startswith("Licence Ouverte")
        fiche = api.get("/api/v1/occupations/H2301").json()
        assert fiche["parent"] is None and [c["code"] for c in fiche["children"]] == ["H2302", "H2303", "H2304"]

    def test_k2402_lists_biotechnologue(self, api):
        body = api.get("/api/v1/occupations/K2402").json()
        bio = next(t for t in body["titles"] if t["label"] == "Biotechnologue")
        assert bio["code"] == "11528" and bio["bioproduction"] is True

    def test_unknown_code_is_404(self, api):
        r = api.get("/api/v1/occupations/Z9999")
        assert r.status_code == 422  # Z is not a ROME letter
        r = api.get("/api/v1/occupations/A9999")
        assert r.status_code == 404 and "A9999" in r.json()["detail"]

    @pytest.mark.parametrize(
        "path, params",
        [
            ("/api/v1/occupations", {"limit": 0}),
            ("/api/v1/occupations", {"limit": 201}),
            ("/api/v1/occupations", {"offset": -1}),
            ("/api/v1/occupations", {"bioproduction": "maybe"}),
            ("/api/v1/occupations", {"domain": "HH"}),
            ("/api/v1/occupations", {"q": "x" * 201}),
            ("/api/v1/occupations/H23", {}),
            ("/api/v1/occupations/H23020", {}),
            ("/api/v1/job-titles", {"occupation": "bad"}),
        ],
    )
    def test_bad_params_are_422(self, api, path, params):
        r = api.get(path, params=params)
        assert r.status_code == 422
        assert isinstance(r.json()["detail"], list)

    def test_job_titles(self, api):
        body = api.get("/api/v1/job-titles", params={"q": "biotechnologie", "bioproduction": "true"}).json()
        assert body["total"] == 3
        assert {t["occupation_code"] for t in body["items"]} == {"H1206", "H1503"}
        under = api.get("/api/v1/job-titles", params={"occupation": "h2303"}).json()
        assert under["total"] == 6 and all(t["bioproduction"] for t in under["items"])

    def test_openapi_documents_the_routes(self, api):
        paths = api.get("/openapi.json").json()["paths"]
        assert {"/api/v1/occupations", "/api/v1/occupations/{code}", "/api/v1/job-titles"} <= set(paths)
        assert paths["/api/v1/occupations"]["get"]["tags"] == ["occupations"]

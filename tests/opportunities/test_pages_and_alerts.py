"""Partner search: the pages (listing, matches, the members' form re-shown with the field named),
saved-search alerts, and the map layer without confidential opportunities. Synthetic test actors."""

from __future__ import annotations

from sqlalchemy import select

from bioatlas.notifications.models import Notification
from tests.accounts.fixtures import csrf_of
from tests.opportunities.world import (
    count_rows,
    doc,
    login_as,
    publish_via_api,
    world,  # noqa: F401  (fixture)
)


def test_pages(client, db, world):
    a = world["actors"]
    oid = publish_via_api(client, a["cdmo"], doc())
    request = publish_via_api(client, a["startup"], doc(direction="request", title_fr="Besoin AAV (test)"))
    page = client.get("/opportunities")
    assert page.status_code == 200 and 'data-total="2"' in page.text and "Recherche de partenaires" in page.text
    assert client.get("/opportunities", params={"lang": "en"}).text.count("Partner search") >= 1
    assert client.get("/opportunities", params={"modality": "unicorn"}).status_code == 422
    assert client.get("/opportunities", params={"direction": "request"}).text.count("data-opportunity=") == 1
    r = client.get(f"/opportunities/{request}/matches")
    assert r.status_code == 200 and f'data-actor="{a["cdmo"]}"' in r.text and 'data-criterion="scale" data-met="true"' in r.text
    assert client.get(f"/opportunities/{oid}").status_code == 200
    # the members' form: refused input re-shown with the field named (422), nothing stored
    login_as(client, "cdmo@test.invalid")
    token = csrf_of(client, f"/opportunities/actors/{a['cdmo']}/new")
    before = count_rows(db)
    r = client.post(f"/opportunities/actors/{a['cdmo']}/new", data={
        "csrf_token": token, "direction": "offer", "kind": "capacity", "title_fr": "Offre (test)",
        "capacity_scale_min_l": "500", "capacity_scale_max_l": "100", "capacity_gmp": "none"})
    assert r.status_code == 422 and 'data-field="capacity.scale_min_l"' in r.text and count_rows(db) == before
    r = client.post(f"/opportunities/actors/{a['cdmo']}/new", data={
        "csrf_token": token, "direction": "offer", "kind": "technology", "title_fr": "Offre techno (test)",
        "modalities": ["aav"], "capacity_gmp": "none"}, follow_redirects=False)
    assert r.status_code == 303 and count_rows(db) == before + 1
    page = client.get(r.headers["location"])
    assert page.status_code == 200 and 'data-met="false"' in page.text  # the quality rules shown to the author
    assert "Offre techno (test)" in client.get("/opportunities/mine").text


def test_saved_search_alerts(client, db, world):
    a, u = world["actors"], world["users"]
    headers = login_as(client, "someone@test.invalid")
    r = client.post("/api/v1/opportunities/alerts", json={"modalities": ["unicorn"]}, headers=headers)
    assert r.status_code == 422 and r.json()["detail"]["field"] == "modalities"
    r = client.post("/api/v1/opportunities/alerts", json={"regions": ["99"]}, headers=headers)
    assert r.status_code == 422 and r.json()["detail"]["field"] == "regions"
    r = client.post("/api/v1/opportunities/alerts", json={"direction": "offer", "modalities": ["aav"], "regions": ["11"]},
                    headers=headers)
    assert r.status_code == 201
    alert = r.json()["id"]
    publish_via_api(client, a["cdmo"], doc())                                   # AAV offer in Île-de-France: told
    publish_via_api(client, a["cdmo"], doc(modalities=["mab"], title_fr="Anticorps (test)"))  # another modality: not
    publish_via_api(client, a["startup"], doc(direction="request"))           # a request: not
    with db() as s:
        told = s.scalars(select(Notification).where(Notification.user_id == u["someone"],
                                                    Notification.kind == "opportunities.alert")).all()
    assert len(told) == 1
    assert client.get("/api/v1/opportunities/alerts", headers=headers).json()["alerts"][0]["id"] == alert
    headers = login_as(client, "startup@test.invalid")  # someone else's alert: 404
    assert client.delete(f"/api/v1/opportunities/alerts/{alert}", headers=headers).status_code == 404
    headers = login_as(client, "someone@test.invalid")
    assert client.delete(f"/api/v1/opportunities/alerts/{alert}", headers=headers).status_code == 200
    assert client.get("/api/v1/opportunities/alerts", headers=headers).json()["alerts"] == []


def test_map_layer_leaves_confidential_out(client, db, world):
    a = world["actors"]
    publish_via_api(client, a["cdmo"], doc())
    publish_via_api(client, a["startup"], doc(direction="request", confidential=True))
    assert "opportunities" in {x["name"] for x in client.get("/api/v1/map/layers").json()["layers"]}
    features = client.get("/api/v1/map/layers/opportunities", params={"bbox": "-5.5,41.0,10.0,51.5"}).json()["features"]
    assert [f["properties"]["title"] for f in features] == ["CDMO test A (synthétique)"]
    only_requests = client.get("/api/v1/map/layers/opportunities",
                               params={"bbox": "-5.5,41.0,10.0,51.5", "direction": "request"}).json()["features"]
    assert only_requests == []
    assert client.get("/api/v1/map/layers/opportunities", params={"bbox": "-5.5,41.0,10.0,51.5",
                                                                  "kind": "x"}).status_code == 422

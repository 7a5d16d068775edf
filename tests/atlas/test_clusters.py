"""Viewport clusters (/api/v1/map/clusters): exact counts against a Python reference on real
organisations (the first 800 French ROR records of the demo data, plus the seed ecosystem),
every filter applied, boxes across zooms, bad boxes and zooms refused with a 422."""

from __future__ import annotations

import gzip
import json
from collections import defaultdict

import pytest

from bioatlas.atlas import clusters
from bioatlas.atlas.cells import cell_of
from bioatlas.demo.files import ROR_FILE
from bioatlas.atlas.filters import ActorFilter, conditions, site_condition
from bioatlas.atlas.models import Actor, Site
from bioatlas.sources import ror_load
from tests.atlas.ecosystem import load as load_ecosystem

FRANCE = "-5.5,41.0,10.0,51.5"
PARIS = "2.0,48.6,2.7,49.0"


@pytest.fixture(scope="module")
def atlas(engine, tmp_path_factory):
    """Loaded once for the module (the load is the slow part); the tests only read."""
    from bioatlas.core.db import make_sessionmaker
    from tests.conftest import _wipe

    subset = tmp_path_factory.mktemp("ror") / "ror-subset.jsonl.gz"
    with gzip.open(ROR_FILE, "rt", encoding="utf-8") as src, gzip.open(subset, "wt", encoding="utf-8") as out:
        for n, line in enumerate(src):
            if n >= 600:
                break
            out.write(line)
    _wipe(engine)
    factory = make_sessionmaker(engine)
    with factory() as session:
        ror_load.load(session, subset, countries={"FR"})
        load_ecosystem(session)
        session.commit()
    yield factory
    _wipe(engine)


@pytest.fixture(scope="module")
def client(atlas, database_url, tmp_path_factory):
    from fastapi.testclient import TestClient

    from bioatlas.app import create_app
    from bioatlas.core.config import load_settings

    settings = load_settings(database_url=database_url, environment="test",
                             data_dir=tmp_path_factory.mktemp("data"), admin_token="t" * 32)
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


def reference(session, taxonomies, bbox: str, zoom: float, f: ActorFilter | None = None):
    """The same clustering in Python: every site of the view read back, grouped by its cell."""
    from sqlalchemy import select

    f = f or ActorFilter()
    west, south, east, north = map(float, bbox.split(","))
    grid = clusters.grid_for(zoom)
    rows = session.execute(
        select(Site.latitude, Site.longitude).join(Actor, Actor.id == Site.actor_id).where(
            *conditions(f.without("region").without("departement"), taxonomies), site_condition(f),
            Site.latitude.isnot(None), Site.longitude.isnot(None))
    ).all()
    cells: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for lat, lon in rows:
        if south <= lat <= north and west <= lon <= east:
            cells[cell_of(lat, lon, grid)].append((lat, lon))
    return {cell: (len(pts), sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))
            for cell, pts in cells.items()}


def fetch(client, bbox, zoom, **params):
    r = client.get("/api/v1/map/clusters", params={"bbox": bbox, "zoom": zoom, **params})
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("bbox,zoom", [(FRANCE, 5), (FRANCE, 4.6), ("-1.0,43.0,7.0,49.0", 7), (PARIS, 10), (PARIS, 11)])
def test_counts_and_positions_match_the_reference(atlas, client, taxonomies, monkeypatch, bbox, zoom):
    monkeypatch.setattr(clusters, "POINTS_MAX", 10)  # force clusters on this small atlas
    body = fetch(client, bbox, zoom)
    assert body["mode"] == "clusters" and body["grid"] == clusters.grid_for(zoom)
    with atlas() as session:
        expected = reference(session, taxonomies, bbox, zoom)
    got = {f["properties"]["cell"]: f for f in body["features"]}
    assert set(got) == set(expected)
    assert body["total"] == sum(c for c, _, _ in expected.values()) > 10
    for cell, (count, lat, lon) in expected.items():
        feature = got[cell]
        assert feature["properties"]["count"] == count
        assert feature["geometry"]["coordinates"] == pytest.approx([lon, lat], abs=1e-5)


def test_small_views_come_back_as_points(atlas, client):
    body = fetch(client, PARIS, 11)
    assert body["mode"] == "points"
    assert len(body["features"]) == body["total"] > 0
    props = body["features"][0]["properties"]
    assert {"actor", "name", "kind", "kind_label", "commune"} <= set(props)
    assert len({f["id"] for f in body["features"]}) == body["total"]  # one feature per site


def test_zooming_in_keeps_the_counts_of_the_box(atlas, client, monkeypatch):
    monkeypatch.setattr(clusters, "POINTS_MAX", 0)
    totals = {z: fetch(client, PARIS, z)["total"] for z in (9, 10, 11, 12)}
    assert len(set(totals.values())) == 1 and totals[11] > 0
    assert len(fetch(client, PARIS, 12)["features"]) >= len(fetch(client, PARIS, 9)["features"])


@pytest.mark.parametrize("params", [
    {"kind": "cluster"}, {"kind": "company"}, {"region": "11"}, {"departement": "21"}, {"modality": "car_t"},
    {"q": "genopole"}, {"region": "11", "kind": "university"},
])
def test_filters_apply_to_clusters(atlas, client, taxonomies, monkeypatch, params):
    from bioatlas.atlas.filters import parse_filter
    from bioatlas.atlas.geocode import gazetteer

    monkeypatch.setattr(clusters, "POINTS_MAX", 0)
    f = parse_filter({k: [v] for k, v in params.items()}, taxonomies, gazetteer())
    body = fetch(client, FRANCE, 5, **params)
    unfiltered = fetch(client, FRANCE, 5)["total"]
    with atlas() as session:
        expected = reference(session, taxonomies, FRANCE, 5, f)
    assert body["total"] == sum(c for c, _, _ in expected.values()) < unfiltered
    assert {x["properties"]["cell"]: x["properties"]["count"] for x in body["features"]} == {
        cell: c for cell, (c, _, _) in expected.items()}
    # the same view with the classic endpoint holds the same number of sites
    classic = client.get("/api/v1/map", params=params).json()
    assert body["total"] == len(classic["features"])


def test_an_empty_box_is_empty(atlas, client):
    body = fetch(client, "-30.0,10.0,-29.0,11.0", 8)
    assert body["total"] == 0 and body["features"] == []


def test_payload_stays_bounded(atlas, client, monkeypatch):
    monkeypatch.setattr(clusters, "POINTS_MAX", 0)
    body = fetch(client, FRANCE, 5)
    assert len(body["features"]) <= (clusters.MAX_VIEW_PX // 64) ** 2
    assert len(json.dumps(body)) < 100_000


@pytest.mark.parametrize("params,field", [
    ({"zoom": 5}, "bbox"),
    ({"bbox": FRANCE}, "zoom"),
    ({"bbox": "1,2,3", "zoom": 5}, "bbox"),
    ({"bbox": "a,b,c,d", "zoom": 5}, "bbox"),
    ({"bbox": "nan,41,10,51", "zoom": 5}, "bbox"),
    ({"bbox": "10,41,-5,51", "zoom": 5}, "bbox"),
    ({"bbox": "-5,51,10,41", "zoom": 5}, "bbox"),
    ({"bbox": "-200,41,10,51", "zoom": 5}, "bbox"),
    ({"bbox": "-5,-95,10,51", "zoom": 5}, "bbox"),
    ({"bbox": FRANCE, "zoom": "x"}, "zoom"),
    ({"bbox": FRANCE, "zoom": -1}, "zoom"),
    ({"bbox": FRANCE, "zoom": 23}, "zoom"),
    ({"bbox": FRANCE, "zoom": "inf"}, "zoom"),
    ({"bbox": FRANCE, "zoom": 12}, "bbox"),  # all of France at street level: too many pixels
    ({"bbox": "-180,-85,180,85", "zoom": 4}, "bbox"),
    ({"bbox": "1" * 300, "zoom": 5}, "bbox"),
])
def test_bad_box_or_zoom_is_a_clear_422(client, params, field):
    r = client.get("/api/v1/map/clusters", params=params)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    text = json.dumps(detail)
    assert field in text


def test_bad_filter_is_a_422(client):
    r = client.get("/api/v1/map/clusters", params={"bbox": FRANCE, "zoom": 5, "kind": "nope"})
    assert r.status_code == 422 and "kind" in r.text


def test_cells_follow_the_coordinates_on_edit(atlas):
    from sqlalchemy import select

    with atlas() as session:
        site = session.scalars(select(Site).where(Site.latitude.isnot(None)).order_by(Site.id).limit(1)).one()
        before = (site.latitude, site.longitude)
        assert site.cell_g16 == cell_of(*before, 16)
        site.latitude, site.longitude = 47.3220, 5.0415  # Dijon
        session.flush()
        session.expire(site)
        assert (site.cell_g10, site.cell_g16) == (cell_of(47.3220, 5.0415, 10), cell_of(47.3220, 5.0415, 16))
        session.rollback()
        assert session.get(Site, site.id).cell_g16 == cell_of(*before, 16)


def test_a_site_without_coordinates_has_no_cell(atlas):
    """A site may have no point (an unlocated registry record): it has no cell, and moving a
    located site to no point clears its cells instead of failing."""
    from sqlalchemy import select

    with atlas() as session:
        site = session.scalars(select(Site).where(Site.latitude.isnot(None)).order_by(Site.id).limit(1)).one()
        session.add(Site(actor_id=site.actor_id, role="other", country="FR", source_id=site.source_id))
        site.latitude = site.longitude = None
        session.flush()
        session.expire_all()
        cells = session.execute(select(Site.cell_g8, Site.cell_g16).where(Site.actor_id == site.actor_id,
                                                                          Site.latitude.is_(None))).all()
        assert len(cells) == 2 and all(c == (None, None) for c in cells)
        session.rollback()

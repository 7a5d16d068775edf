"""How precise a site's position is (sites.precision): set by the writer, the bulk loader and the
ROR connector, filled in for existing rows by migration 0017, exposed by the API and the actor
page; and the Paris stack of the demo's ROR dump (every ROR record whose city is Paris sits at
one point) can be read to its last actor at the map's highest zoom."""

from __future__ import annotations

import gzip
import json

import pytest
from sqlalchemy import select, text

from bioatlas.atlas import clusters
from bioatlas.atlas.bulk import bulk_upsert
from bioatlas.atlas.geocode import gazetteer
from bioatlas.atlas.models import Actor, Site
from bioatlas.atlas.records import ActorRecord, SiteRecord, SourceRecord, site_precision
from bioatlas.atlas.writer import get_or_create_source, upsert_actor
from bioatlas.core import migrate
from bioatlas.demo.files import ROR_FILE
from bioatlas.sources import ror, ror_load

PARIS_POINT = (48.85341, 2.3488)  # where ROR places the organisations whose city is Paris
MAX_ZOOM = 16  # the map page's maxZoom (map.js)


def _place(postcode: str):
    return gazetteer().geocode(postcode=postcode)


def _site(place, **extra) -> SiteRecord:
    return SiteRecord(postcode=place.postcode, commune_insee=place.insee, commune_name=place.name,
                      departement=place.departement, region=place.region, **extra)


def _ror_records(wanted) -> list[dict]:
    with gzip.open(ROR_FILE, "rt", encoding="utf-8") as fh:
        return [r for r in map(json.loads, fh) if wanted(ror.parse(r))]


# -- records and the writer ------------------------------------------------------------------------


def test_precision_is_derived_or_stated_and_checked():
    place = _place("91000")
    assert site_precision(_site(place)) is None  # no coordinates: not located
    assert site_precision(_site(place, latitude=place.latitude, longitude=place.longitude)) == "commune"
    assert site_precision(_site(place, address="2 rue Gaston Crémieux", latitude=48.62,
                                longitude=2.44)) == "address"
    assert site_precision(_site(place, latitude=48.6, longitude=2.4, precision="city_registry")) == "city_registry"
    assert site_precision(_site(place, precision="address")) is None  # a precision without a position
    with pytest.raises(ValueError, match="precision 'street'"):
        SiteRecord(precision="street")


def test_writer_stores_precision_and_a_rerun_changes_nothing(session):
    source = get_or_create_source(session, SourceRecord(key="test:precision", title="test"))
    evry, lyon = _place("91000"), _place("69007")
    record = ActorRecord(name="Précision test", kind="company", sites=[
        _site(evry, latitude=evry.latitude, longitude=evry.longitude),
        _site(lyon, address="14 Espace Henry Vallée", latitude=45.7289, longitude=4.8327),
        _site(evry, role="other"),
    ])
    outcome = upsert_actor(session, record, source=source, match_by_name=False)
    rows = session.scalars(select(Site).where(Site.actor_id == outcome.actor_id).order_by(Site.id)).all()
    assert [s.precision for s in rows] == ["commune", "address", None]
    record.actor_id = outcome.actor_id
    assert upsert_actor(session, record, source=source, match_by_name=False).status == "unchanged"
    # the same place stated with another precision is a change of the site
    record.sites[0] = _site(evry, latitude=evry.latitude, longitude=evry.longitude, precision="city_registry")
    assert upsert_actor(session, record, source=source, match_by_name=False).status == "updated"
    session.expire_all()
    precisions = sorted(str(s.precision) for s in session.get(Actor, outcome.actor_id).sites)
    assert precisions == ["None", "address", "city_registry"]


def test_bulk_loader_stores_what_the_writer_stores(session):
    source = get_or_create_source(session, SourceRecord(key="test:bulk-precision", title="test", kind="open_data"))
    evry = _place("91000")

    def records():
        return [
            ActorRecord(name="Bulk A", identifiers={"siret": ["35600000000048"]},
                        sites=[_site(evry, latitude=evry.latitude, longitude=evry.longitude)]),
            ActorRecord(name="Bulk B", identifiers={"siret": ["73282932000074"]},
                        sites=[_site(evry, address="1 rue X", latitude=48.63, longitude=2.44)]),
            ActorRecord(name="Bulk C", identifiers={"siret": ["55208131766522"]},
                        sites=[_site(evry, address="1 rue Y", latitude=48.62, longitude=2.43, precision="commune")]),
        ]

    assert bulk_upsert(session, records(), source=source, scheme="siret") == {"created": 3, "updated": 0, "unchanged": 0}
    got = dict(session.execute(select(Actor.name, Site.precision).join(Site, Site.actor_id == Actor.id)).all())
    assert got == {"Bulk A": "commune", "Bulk B": "address", "Bulk C": "commune"}
    assert bulk_upsert(session, records(), source=source, scheme="siret") == {"created": 0, "updated": 0, "unchanged": 3}


def test_ror_sites_are_city_level_registry_places(session):
    records = _ror_records(lambda o: o.country == "FR" and o.latitude is not None)[:5]
    source = get_or_create_source(session, ror_load.ror_source())
    for rec in records:
        upsert_actor(session, ror.to_actor_record(ror.parse(rec)), source=source, match_by_name=False, schemes=("ror",))
    sites = session.scalars(select(Site)).all()
    assert len(sites) == 5 and {s.precision for s in sites} == {"city_registry"}
    assert all(not s.address for s in sites)


# -- migration 0017 fills in existing rows ------------------------------------------------------------


def test_migration_fills_in_existing_sites(engine):
    """Down to 0016 (no column), rows as the earlier code wrote them, up again: each site gets the
    precision of what is known about it. On the test database's backend (SQLite or PostgreSQL)."""
    from tests.conftest import _wipe

    _wipe(engine)
    migrate.downgrade(engine, "0016_jobs")
    try:
        with engine.begin() as conn:
            for sid, key in ((1, "ror"), (2, "sirene:StockEtablissement:2025-03-01"), (3, "import:test.csv")):
                conn.execute(text("INSERT INTO sources (id, key, title, kind, created_at) "
                                  "VALUES (:id, :key, 'x', 'file', CURRENT_TIMESTAMP)"), {"id": sid, "key": key})
            conn.execute(text("INSERT INTO actors (id, name, name_key, kind, status, created_at, updated_at) "
                              "VALUES (1, 'a', 'a', 'other', 'active', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
            rows = [  # (site id, source, address, latitude)
                (1, 1, None, 48.85), (2, 2, "3 rue A", 48.6), (3, 3, "4 rue B", 45.7), (4, 3, "  ", 45.7),
                (5, 3, None, 45.7), (6, 3, "5 rue C", None), (7, 1, None, None),
            ]
            for site_id, source_id, address, lat in rows:
                conn.execute(text(
                    "INSERT INTO sites (id, actor_id, role, address, country, latitude, longitude, source_id) "
                    "VALUES (:id, 1, 'hq', :address, 'FR', :lat, :lon, :source)"
                ), {"id": site_id, "address": address, "lat": lat, "lon": None if lat is None else 2.3,
                    "source": source_id})
    finally:
        migrate.upgrade(engine)
    with engine.connect() as conn:
        got = dict(conn.execute(text('SELECT id, "precision" FROM sites')).all())
    _wipe(engine)
    assert got == {1: "city_registry", 2: "commune", 3: "address", 4: "commune", 5: "commune", 6: None, 7: None}
    assert migrate.pending_model_changes(engine) == []


# -- API and page ------------------------------------------------------------------------------------------


def test_api_and_actor_page_say_how_precise_a_site_is(db, client):
    record = _ror_records(lambda o: o.country == "FR" and o.latitude is not None and o.city == "Paris")[0]
    evry = _place("91000")
    with db() as s:
        source = get_or_create_source(s, ror_load.ror_source())
        ror_id = upsert_actor(s, ror.to_actor_record(ror.parse(record)), source=source, match_by_name=False,
                              schemes=("ror",)).actor_id
        own = get_or_create_source(s, SourceRecord(key="test:page", title="test"))
        street_id = upsert_actor(s, ActorRecord(name="Adresse test", kind="company", sites=[
            _site(evry, address="2 rue Gaston Crémieux", latitude=48.6265, longitude=2.4418)]),
            source=own, match_by_name=False).actor_id
        s.commit()
    site = client.get(f"/api/v1/actors/{ror_id}").json()["sites"][0]
    assert (site["precision"], site["approximate"]) == ("city_registry", True)
    site = client.get(f"/api/v1/actors/{street_id}").json()["sites"][0]
    assert (site["precision"], site["approximate"]) == ("address", False)

    page = client.get(f"/actors/{ror_id}").text
    assert 'data-precision="city_registry"' in page and "position approximative (ville indiquée par le registre)" in page
    assert "48.8534" not in page  # the town hall's coordinates are not shown as the organisation's
    page = client.get(f"/actors/{street_id}?lang=en").text
    assert "2 rue Gaston Crémieux" in page and "data-precision" not in page

    body = client.get("/api/v1/map/clusters", params={"bbox": "2.0,48.5,2.7,49.0", "zoom": 9}).json()
    props = {f["properties"]["actor"]: f["properties"] for f in body["features"]}
    assert body["mode"] == "points"
    assert (props[ror_id]["precision"], props[ror_id]["approximate"]) == ("city_registry", True)
    assert (props[street_id]["precision"], props[street_id]["approximate"]) == ("address", False)
    classic = {f["properties"]["actor"]: f["properties"] for f in client.get("/api/v1/map").json()["features"]}
    assert classic[ror_id]["approximate"] is True and classic[street_id]["approximate"] is False


# -- the Paris stack ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def paris_stack(engine, tmp_path_factory):
    """Every French ROR record of the demo dump placed at Paris's town hall (real records)."""
    from bioatlas.core.db import make_sessionmaker
    from tests.conftest import _wipe

    subset = tmp_path_factory.mktemp("ror") / "paris.jsonl.gz"
    records = _ror_records(lambda o: o.country == "FR" and (o.latitude, o.longitude) == PARIS_POINT)
    with gzip.open(subset, "wt", encoding="utf-8") as out:
        out.writelines(json.dumps(r) + "\n" for r in records)
    _wipe(engine)
    factory = make_sessionmaker(engine)
    with factory() as session:
        ror_load.load(session, subset, countries={"FR"})
        session.commit()
        active = set(session.scalars(select(Actor.id).where(Actor.status == "active")))
    yield factory, active
    _wipe(engine)


@pytest.fixture(scope="module")
def stack_client(paris_stack, database_url, tmp_path_factory):
    from fastapi.testclient import TestClient

    from bioatlas.app import create_app
    from bioatlas.core.config import load_settings

    settings = load_settings(database_url=database_url, environment="test", data_dir=tmp_path_factory.mktemp("data"))
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


def _box(zoom: float) -> str:
    """A box of about 1,000 × 800 px around the Paris point at this zoom."""
    lat, lon = PARIS_POINT
    half = 1000 / (512 * 2 ** zoom) * 180
    return f"{lon - half},{lat - half * 0.55},{lon + half},{lat + half * 0.55}"


def test_the_paris_stack_is_listed_to_its_last_actor_at_max_zoom(paris_stack, stack_client):
    _, active = paris_stack
    assert len(active) > clusters.POINTS_MAX  # a stack the points mode cannot answer
    body = stack_client.get("/api/v1/map/clusters", params={"bbox": _box(MAX_ZOOM), "zoom": MAX_ZOOM}).json()
    assert body["mode"] == "clusters" and body["total"] == len(active)
    [feature] = body["features"]  # one cell, which no zoom splits
    props = feature["properties"]
    assert props["stack"] is True and props["count"] == len(active)
    assert (props["latitude"], props["longitude"]) == pytest.approx(PARIS_POINT, abs=1e-7)
    assert len(props["items"]) == clusters.STACK_PAGE
    assert all(item["precision"] == "city_registry" and item["approximate"] for item in props["items"])

    # page through the stack as the popup does: every active actor once
    seen: list[int] = []
    offset = 0
    while True:
        page = stack_client.get("/api/v1/map/stack", params={
            "latitude": props["latitude"], "longitude": props["longitude"], "offset": offset, "limit": 200}).json()
        assert page["total"] == len(active)
        if not page["items"]:
            break
        seen += [item["actor"] for item in page["items"]]
        offset += len(page["items"])
    assert len(seen) == len(set(seen)) == len(active) and set(seen) == active
    first = stack_client.get("/api/v1/map/stack", params={"latitude": props["latitude"],
                                                          "longitude": props["longitude"]}).json()
    assert [i["actor"] for i in first["items"]] == [i["actor"] for i in props["items"]]  # the same first page


def test_stacks_follow_the_filters_and_only_at_the_finest_grid(paris_stack, stack_client):
    _, active = paris_stack
    body = stack_client.get("/api/v1/map/clusters", params={"bbox": _box(11), "zoom": 11}).json()
    assert body["mode"] == "clusters" and not any(f["properties"].get("stack") for f in body["features"])
    kind = stack_client.get("/api/v1/map/stack", params={"latitude": PARIS_POINT[0], "longitude": PARIS_POINT[1],
                                                         "kind": "company"}).json()
    assert 0 < kind["total"] < len(active)
    assert {i["kind"] for i in kind["items"]} == {"company"}
    away = stack_client.get("/api/v1/map/stack", params={"latitude": 48.86, "longitude": 2.35}).json()
    assert away["total"] == 0 and away["items"] == []


@pytest.mark.parametrize("params,field", [
    ({"longitude": 2.35}, "latitude"), ({"latitude": 91, "longitude": 2.35}, "latitude"),
    ({"latitude": 48.8, "longitude": "east"}, "longitude"), ({"latitude": 48.8, "longitude": 2.3, "limit": 0}, "limit"),
])
def test_bad_stack_requests_name_the_field(stack_client, params, field):
    r = stack_client.get("/api/v1/map/stack", params=params)
    assert r.status_code == 422 and field in r.text

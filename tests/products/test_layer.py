"""The products room's map layer on the real 29/01/2026 EMA list: the sites of the actors holding
a marketing authorisation, served by the atlas's map-layer API through the plug-in contract,
with their popup lines, the "biologics only" and status filters, and the box."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bioatlas.atlas.geocode import gazetteer
from bioatlas.atlas.records import ActorRecord, SiteRecord, SourceRecord
from bioatlas.atlas.writer import get_or_create_source, upsert_actor
from bioatlas.products.models import Product

from .test_service import NICOX, SANOFI, THERAVIA

FRANCE = "-5.5,41,10,51.5"
LYON = "4.7,45.6,5.0,45.9"
URL = "/api/v1/map/layers/ema-holders"


@pytest.fixture
def holders(db, load, report_2026, load_ror):
    """Three ROR records (placed at their city) and Sanofi Pasteur at its street address in Lyon
    (the holder named "Sanofi Pasteur" and "Sanofi Pasteur S.A." in the list), then the list."""
    ids = load_ror(SANOFI, THERAVIA, NICOX)
    place = gazetteer().geocode(postcode="69007")
    with db() as s:
        source = get_or_create_source(s, SourceRecord(key="test:holders", title="test", kind="file"))
        site = SiteRecord(address="14 Espace Henry Vallée", postcode="69007", commune_insee=place.insee,
                          commune_name=place.name, departement=place.departement, region=place.region,
                          latitude=45.7289, longitude=4.8327)
        ids["pasteur"] = upsert_actor(s, ActorRecord(name="Sanofi Pasteur", kind="company", sites=[site]),
                                      source=source, match_by_name=False).actor_id
        s.commit()
    load(report_2026)
    return ids


def _held(db, actor_id: int, *conds) -> int:
    with db() as s:
        return s.scalar(select(func.count()).select_from(Product).where(Product.mah_actor_id == actor_id, *conds))


def _features(client, **params) -> dict[str, dict]:
    r = client.get(URL, params={"lang": "en", **params})
    assert r.status_code == 200, r.text
    return {f["properties"]["title"]: f["properties"] for f in r.json()["features"]}


def test_the_layer_is_listed_with_its_source_and_filters(client, holders):
    layers = {x["name"]: x for x in client.get("/api/v1/map/layers", params={"lang": "fr"}).json()["layers"]}
    layer = layers["ema-holders"]
    assert layer["label"] == "Titulaires d'AMM européennes (EMA)" and layer["source"].startswith("EMA")
    assert [f["name"] for f in layer["filters"]] == ["biologic", "status"]
    assert {"value": "authorised", "label": "Autorisé"} in layer["filters"][1]["options"]


def test_holders_sites_with_counts_from_the_real_list(client, db, holders):
    found = _features(client, bbox=FRANCE)
    # MSD (France) is not loaded, CSL/IDEA hold nothing: only holders with a located site
    assert set(found) == {"Sanofi (France)", "Theravia (France)", "Nicox SA (France)", "Sanofi Pasteur"}
    theravia = found["Theravia (France)"]
    assert theravia["lines"] == ["Medicines: 3 (authorised: 3)", "Biologics: 0",
                                 "Including: Neofordex, Orphacol, Siklos", "Neuilly-sur-Seine"]
    assert theravia["precision"] == "commune" and theravia["url"] == f"/actors/{holders[THERAVIA]}"
    pasteur = found["Sanofi Pasteur"]
    total = _held(db, holders["pasteur"])
    biologics = _held(db, holders["pasteur"], Product.is_biologic.is_(True))
    assert total >= 2 and biologics == total  # vaccines
    assert pasteur["lines"][0].startswith(f"Medicines: {total} ") and pasteur["lines"][1] == f"Biologics: {biologics}"
    assert pasteur["precision"] == "exact"  # a street address
    sanofi = found["Sanofi (France)"]
    assert sanofi["lines"][0] == f"Medicines: {_held(db, holders[SANOFI])} (authorised: 0)"
    fr = client.get(URL, params={"bbox": FRANCE, "lang": "fr"}).json()["features"]
    assert any(line.startswith("Médicaments\u202f: 3 (autorisés\u202f: 3)") for f in fr for line in f["properties"]["lines"])


def test_filters_and_box(client, db, holders):
    assert set(_features(client, bbox=FRANCE, biologic="true")) == {"Sanofi Pasteur"}
    authorised = _features(client, bbox=FRANCE, status="authorised")
    assert "Theravia (France)" in authorised and "Sanofi (France)" not in authorised  # its 5 are withdrawn
    withdrawn = _features(client, bbox=FRANCE, status="withdrawn,application_withdrawn")
    assert withdrawn["Sanofi (France)"]["lines"][0] == f"Medicines: {_held(db, holders[SANOFI])} (authorised: 0)"
    assert "Theravia (France)" not in withdrawn
    assert set(_features(client, bbox=LYON)) == {"Sanofi Pasteur"}
    r = client.get(URL, params={"bbox": FRANCE, "status": "approved"})
    assert r.status_code == 422 and r.json()["detail"]["field"] == "status"

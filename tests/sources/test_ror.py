"""ROR parsing on real records of the shipped French subset (schema v1 and v2)."""

import gzip
import json

import pytest

from bioatlas.demo.files import ROR_FILE
from bioatlas.atlas.geocode import gazetteer
from bioatlas.sources import ror


@pytest.fixture(scope="module")
def records():
    with gzip.open(ROR_FILE, "rt", encoding="utf-8") as fh:
        return {r["id"]: r for r in map(json.loads, fh)}


def test_both_schemas_present_and_parsed(records):
    v1 = [r for r in records.values() if "names" not in r]
    v2 = [r for r in records.values() if "names" in r]
    assert len(v1) > 100 and len(v2) > 1000
    for rec in v1[:50] + v2[:50]:
        org = ror.parse(rec)
        assert org.id.startswith("https://ror.org/") and org.name
        assert org.country == "FR"


def test_v2_record_fields(records):
    org = ror.parse(records["https://ror.org/000063q30"])  # TIMA, Grenoble (v2)
    assert org.name == "Techniques of Informatics and Microelectronics for Integrated Systems Architecture"
    assert "TIMA" in org.acronyms
    assert org.city == "Grenoble" and org.types == ["facility"]
    assert org.external["wikidata"] == ["Q30262448"]
    assert "https://ror.org/02rx3b187" in org.parents  # Université Grenoble Alpes


def test_v1_record_fields(records):
    org = ror.parse(records["https://ror.org/0001d8q22"])  # CEDETE, Orléans (v1)
    assert org.acronyms == ["CEDETE"] and org.city == "Orléans"
    assert org.external["isni"] == ["0000 0001 0669 0098"]
    assert org.parents == ["https://ror.org/014zrew76"]


def test_actor_record_prefers_french_label_and_locates_commune(records):
    org = ror.parse(records["https://ror.org/000063q30"])
    rec = ror.to_actor_record(org, locate=gazetteer().nearest)
    assert rec.name.startswith("Techniques de l'Informatique")
    assert ("label_en", org.name, None) in rec.names or any(n[1] == org.name for n in rec.names)
    assert rec.kind == "research_unit"
    site = rec.sites[0]
    assert site.departement == "38" and site.region == "84"


def test_kind_mapping_priority():
    org = ror.RorOrg(id="x", name="x", status="active", types=["funder", "healthcare"])
    assert ror.kind_of(org) == "hospital"
    assert ror.kind_of(ror.RorOrg(id="x", name="x", status="active", types=[])) == "other"

"""Exports: CSV/XLSX that import back unchanged, formula-safe; JSON with provenance; GeoJSON points."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from sqlalchemy import func, select

from bioatlas.atlas import exporter
from bioatlas.atlas.exporter import COLUMNS, export_actors, stream_export
from bioatlas.atlas.filters import ActorFilter
from bioatlas.atlas.importer import import_actors
from bioatlas.atlas.importer.headers import FIELDS
from bioatlas.atlas.models import Actor, ActorName, Capability, FieldSource, Identifier, Relation, Site, Source
from bioatlas.atlas.queries import get_actor
from bioatlas.atlas.records import ActorRecord, SiteRecord, SourceRecord
from bioatlas.atlas.serialize import actor_to_dict
from bioatlas.atlas.writer import get_or_create_source, upsert_actor

# Real organisations and places; the membership link and the formula-like texts are test data.
SEED = (
    "Nom;Raison sociale;Sigle;Type;CP;Ville;Latitude;Longitude;Technologies;Étapes;BPF;Capacité (L);ROR;Wikidata;"
    "Site web;Pôles;Description;Description (EN)\n"
    "Medicen Paris Region;;;Pôle de compétitivité;;;;;;;;;;;;;"
    "Pôle de compétitivité régional consacré aux innovations en matière de santé;\n"
    "Genopole;;;Incubateur;91000;Évry-Courcouronnes;;;Thérapie génique;Recherche, Formation;;;0380k9k47;;"
    "www.genopole.fr;Medicen Paris Region;\"<b>Biocluster</b>, Évry\";Biocluster\n"
    "CHU Dijon Bourgogne;Centre Hospitalier Régional Universitaire de Dijon;CHU Dijon;CHU;21000;Dijon;47.3236;5.0745;;;"
    "BPF clinique;200;0377z4z10;Q2945762;;;=1+2;@SUM(A1)\n"
    "Sanofi;Sanofi-Aventis;;Grand groupe;;;;;\"Anticorps monoclonaux; vaccins\";;;;02n6c9837;Q158205;;;"
    "-moins;+plus\n"
    "Université de Bourgogne;;uB;Université;;;;;;;;;03k1bsr36;;;;;\n"
)
TABLES = (Actor, ActorName, Identifier, Site, Capability, Relation, FieldSource, Source)


def counts(db) -> dict[str, int]:
    with db() as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m)) for m in TABLES}


@pytest.fixture
def seeded(db, taxonomies, tmp_path):
    path = tmp_path / "acteurs.csv"
    path.write_text(SEED, encoding="utf-8")
    report = import_actors(db, path, taxonomies=taxonomies)
    assert report.errors == [] and report.created == 5
    return db


def export(db, taxonomies, fmt, f=ActorFilter(), lang="fr") -> bytes:
    with db() as s:
        return export_actors(s, f=f, taxonomies=taxonomies, fmt=fmt, lang=lang)


def csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_csv_has_the_importer_fields_and_readable_values(seeded, taxonomies):
    data = export(seeded, taxonomies, "csv")
    header = data.decode("utf-8-sig").splitlines()[0].split(";")
    assert header == list(COLUMNS)
    assert set(COLUMNS) - {"sources"} <= set(FIELDS)
    rows = {r["name"]: r for r in csv_rows(data)}
    assert list(rows) == sorted(rows, key=str.lower)  # name order
    genopole = rows["Genopole"]
    assert genopole["kind"] == "Incubateur / accélérateur"
    assert (genopole["postcode"], genopole["commune"], genopole["insee"]) == ("91000", "Evry Courcouronnes", "91228")
    assert float(genopole["latitude"]) == pytest.approx(48.6295, abs=1e-3)
    assert genopole["value_chain"] == "Recherche; Formation"
    assert genopole["ror"] == "https://ror.org/0380k9k47"
    assert genopole["website"] == "https://www.genopole.fr"
    assert genopole["clusters"] == "Medicen Paris Region"
    assert genopole["description_fr"] == "<b>Biocluster</b>, Évry"  # raw text, one value with a comma
    assert genopole["sources"] == "acteurs.csv"
    assert rows["Sanofi"]["modalities"] == "Anticorps monoclonaux; Vaccins"
    chu = rows["CHU Dijon Bourgogne"]
    assert (chu["legal_name"], chu["acronym"], chu["gmp"], chu["scale_litres"]) == (
        "Centre Hospitalier Régional Universitaire de Dijon", "CHU Dijon", "BPF (lots cliniques)", "200"
    )
    assert (chu["latitude"], chu["longitude"], chu["site_role"]) == ("47.3236", "5.0745", "Siège")
    english = {r["name"]: r for r in csv_rows(export(seeded, taxonomies, "csv", lang="en"))}
    assert english["Sanofi"]["modalities"] == "Monoclonal antibodies; Vaccines"


def test_csv_neutralises_formulas(seeded, taxonomies):
    raw = export(seeded, taxonomies, "csv").decode("utf-8-sig")
    cells = {r["name"]: r for r in csv.DictReader(io.StringIO(raw, newline=""), delimiter=";")}
    assert cells["CHU Dijon Bourgogne"]["description_fr"] == "'=1+2"
    assert cells["CHU Dijon Bourgogne"]["description_en"] == "'@SUM(A1)"
    assert cells["Sanofi"]["description_fr"] == "'-moins"
    assert cells["Sanofi"]["description_en"] == "'+plus"
    for row in cells.values():
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), value


def test_csv_round_trip_changes_nothing(seeded, taxonomies, tmp_path):
    before = counts(seeded)
    path = tmp_path / "bioatlas-actors.csv"
    path.write_bytes(export(seeded, taxonomies, "csv"))
    report = import_actors(seeded, path, taxonomies=taxonomies)
    assert report.errors == []
    assert (report.read, report.created, report.updated, report.unchanged) == (5, 0, 0, 5)
    after = counts(seeded)
    assert after["sites"] == before["sites"] and after["actor_names"] == before["actor_names"]
    assert after["actor_capabilities"] == before["actor_capabilities"]
    with seeded() as s:  # the formula-like texts came back exactly
        chu = s.scalar(select(Actor).where(Actor.name == "CHU Dijon Bourgogne"))
        assert (chu.description_fr, chu.description_en) == ("=1+2", "@SUM(A1)")


def test_xlsx_round_trip_changes_nothing_and_never_writes_formulas(seeded, taxonomies, tmp_path):
    path = tmp_path / "bioatlas-actors.xlsx"
    path.write_bytes(export(seeded, taxonomies, "xlsx"))
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    assert header == list(COLUMNS)
    rows = {r[1]: dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
    chu_row = next(r for r in ws.iter_rows(min_row=2) if r[1].value == "CHU Dijon Bourgogne")
    formula_cell = chu_row[header.index("description_fr")]
    assert formula_cell.value == "=1+2" and formula_cell.data_type == "s"
    assert rows["CHU Dijon Bourgogne"]["latitude"] == 47.3236  # numbers stay numbers
    assert rows["CHU Dijon Bourgogne"]["scale_litres"] == 200
    before = counts(seeded)
    report = import_actors(seeded, path, taxonomies=taxonomies)
    assert (report.created, report.updated, report.unchanged, report.errors) == (0, 0, 5, [])
    assert counts(seeded)["sites"] == before["sites"]


def test_round_trip_after_editing_a_cell_updates_one_actor(seeded, taxonomies, tmp_path):
    rows = csv_rows(export(seeded, taxonomies, "csv"))
    for row in rows:
        if row["name"] == "Genopole":
            row["description_fr"] = "Biocluster dédié à la génomique"
    path = tmp_path / "edited.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(COLUMNS), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    report = import_actors(seeded, path, taxonomies=taxonomies)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 4)


def test_json_export_has_every_fact_with_its_source(seeded, taxonomies):
    data = json.loads(export(seeded, taxonomies, "json"))
    assert [a["name"] for a in data] == sorted((a["name"] for a in data), key=str.lower)
    genopole = next(a for a in data if a["name"] == "Genopole")
    assert genopole["url"] == f"/actors/{genopole['id']}"
    assert (genopole["kind"], genopole["kind_label"]) == ("incubator", "Incubateur / accélérateur")
    (site,) = genopole["sites"]
    assert (site["departement"], site["departement_name"], site["region"], site["region_name"]) == (
        "91", "Essonne", "11", "Île-de-France"
    )
    assert genopole["capabilities"]["modalities"][0]["code"] == "viral_vector"
    assert [c["code"] for c in genopole["capabilities"]["value_chain"]] == ["research", "training"]
    assert genopole["capabilities"]["expression_systems"] == []
    (relation,) = genopole["relations"]
    assert (relation["relation"], relation["target_name"]) == ("member_of", "Medicen Paris Region")
    (source,) = genopole["sources"]
    assert source["title"] == "acteurs.csv" and set(source) >= {"title", "url", "licence", "published"}
    assert genopole["provenance"]["description_fr"]["source_id"] == source["id"]
    assert {i["scheme"]: i["value"] for i in genopole["identifiers"]} == {
        "ror": "https://ror.org/0380k9k47", "website": "https://www.genopole.fr"
    }
    chu = next(a for a in data if a["name"] == "CHU Dijon Bourgogne")
    assert {(n["type"], n["value"]) for n in chu["names"]} == {
        ("legal", "Centre Hospitalier Régional Universitaire de Dijon"), ("acronym", "CHU Dijon")
    }
    assert chu["gmp"] == "gmp_clinical" and chu["scale_litres"] == 200


def test_geojson_export(seeded, taxonomies):
    data = json.loads(export(seeded, taxonomies, "geojson"))
    assert data["type"] == "FeatureCollection"
    names = sorted(f["properties"]["name"] for f in data["features"])
    assert names == ["CHU Dijon Bourgogne", "Genopole"]  # the others have no located site
    chu = next(f for f in data["features"] if f["properties"]["name"] == "CHU Dijon Bourgogne")
    assert chu["type"] == "Feature"
    assert chu["geometry"] == {"type": "Point", "coordinates": [5.0745, 47.3236]}  # [lon, lat]
    props = chu["properties"]
    assert props["url"] == f"/actors/{props['id']}"
    assert (props["kind"], props["site_role"], props["commune"]) == ("hospital", "hq", "Dijon")
    only_idf = json.loads(export(seeded, taxonomies, "geojson", f=ActorFilter(region=("11",))))
    assert [f["properties"]["name"] for f in only_idf["features"]] == ["Genopole"]


def test_every_located_site_is_a_feature(seeded, taxonomies):
    with seeded() as s:
        source = get_or_create_source(s, SourceRecord(key="file:sites", title="sites"))
        upsert_actor(
            s,
            ActorRecord(name="Genopole", sites=[SiteRecord(role="rd", postcode="93400", commune_insee="93070",
                                                         commune_name="St Ouen sur Seine", departement="93",
                                                         region="11", latitude=48.9098, longitude=2.3326)]),
            source=source,
        )
        s.commit()
    data = json.loads(export(seeded, taxonomies, "geojson"))
    roles = sorted(f["properties"]["site_role"] for f in data["features"] if f["properties"]["name"] == "Genopole")
    assert roles == ["hq", "rd"]
    genopole = next(r for r in csv_rows(export(seeded, taxonomies, "csv")) if r["name"] == "Genopole")
    assert genopole["insee"] == "91228"  # the head office is the site of the spreadsheet row


def test_filters_apply_to_exports(seeded, taxonomies):
    rows = csv_rows(export(seeded, taxonomies, "csv", f=ActorFilter(kind=("hospital",))))
    assert [r["name"] for r in rows] == ["CHU Dijon Bourgogne"]
    companies = json.loads(export(seeded, taxonomies, "json", f=ActorFilter(kind=("company",))))
    assert [a["name"] for a in companies] == ["Sanofi"]  # large_group is under company


def test_empty_view(db, taxonomies):
    assert csv_rows(export(db, taxonomies, "csv")) == []
    assert json.loads(export(db, taxonomies, "json")) == []
    assert json.loads(export(db, taxonomies, "geojson")) == {"type": "FeatureCollection", "features": []}


def test_unknown_format(db, taxonomies):
    with db() as s, pytest.raises(ValueError, match="unknown export format 'pdf'"):
        export_actors(s, f=ActorFilter(), taxonomies=taxonomies, fmt="pdf")


def test_csv_streams_row_by_row(seeded, taxonomies):
    with seeded() as s:
        chunks = list(stream_export(s, f=ActorFilter(), taxonomies=taxonomies, fmt="csv"))
    assert len(chunks) == 6  # header + one per actor


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_exported_label_reads_back_as_its_code(taxonomies, lang):
    for name in ("kinds", "site_roles", "gmp_status", "modalities", "value_chain", "expression_systems"):
        tax = taxonomies[name]
        for code in tax.terms:
            assert tax.resolve(exporter._label(tax, code, lang)) == code


def test_actor_to_dict_in_english(seeded, taxonomies):
    with seeded() as s:
        actor_id = s.scalar(select(Actor.id).where(Actor.name == "Sanofi"))
        data = actor_to_dict(get_actor(s, actor_id=actor_id), "en")
    assert data["kind_label"] == "Large group"
    assert [c["label"] for c in data["capabilities"]["modalities"]] == ["Monoclonal antibodies", "Vaccines"]
    assert data["description"] == "+plus"  # the English description when there is one
    assert {i["value"] for i in data["identifiers"]} == {"https://ror.org/02n6c9837", "Q158205"}
    assert data["sites"] == [] and data["relations"] == []

"""The set-based export reading (issue 19): the plain rows give exactly what the ORM actor gives,
in batches of any size; XLSX cells that openpyxl would type as formula or error stay text."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from sqlalchemy import select

from bioatlas.atlas import export_rows
from bioatlas.atlas.exporter import COLUMNS, export_actors
from bioatlas.atlas.filters import ActorFilter
from bioatlas.atlas.importer import import_actors
from bioatlas.atlas.models import Actor
from bioatlas.atlas.queries import get_actor
from bioatlas.atlas.serialize import actor_to_dict

# Real organisations and places; the membership links, '#N/A' and formula-like texts are test data.
SEED = (
    "Nom;Raison sociale;Sigle;Type;CP;Ville;Technologies;Étapes;ROR;Site web;Pôles;Description;Description (EN)\n"
    "Medicen Paris Region;;;Pôle de compétitivité;;;;;;;;#N/A;\n"
    "Genopole;;;Incubateur;91000;Évry-Courcouronnes;Thérapie génique;Recherche, Formation;0380k9k47;"
    "www.genopole.fr;Medicen Paris Region;=SUM(A1);Biocluster\n"
    "Sanofi;Sanofi-Aventis;;Grand groupe;;;\"Anticorps monoclonaux; vaccins\";;02n6c9837;;Medicen Paris Region;;\n"
    "Université de Bourgogne;;uB;Université;21000;Dijon;;;03k1bsr36;;;;\n"
)


@pytest.fixture
def seeded(db, taxonomies, tmp_path):
    path = tmp_path / "acteurs.csv"
    path.write_text(SEED, encoding="utf-8")
    report = import_actors(db, path, taxonomies=taxonomies)
    assert report.errors == [] and report.created == 4
    return db


@pytest.mark.parametrize("batch", [1, 3, 5000])
def test_plain_actors_serialise_as_the_orm_actors(seeded, taxonomies, batch):
    with seeded() as s:
        plain = list(export_rows.iter_plain_actors(s, f=ActorFilter(), taxonomies=taxonomies, batch=batch))
        ids = s.scalars(select(Actor.id)).all()
        orm = {i: actor_to_dict(get_actor(s, actor_id=i), "en", taxonomies=taxonomies) for i in ids}
    assert len(plain) == 4
    for actor in plain:
        assert actor_to_dict(actor, "en", taxonomies=taxonomies) == orm[actor.id]


@pytest.mark.parametrize("batch", [1, 3, 5000])
def test_sheet_facts_in_name_order_whatever_the_batch(seeded, taxonomies, batch):
    with seeded() as s:
        facts = list(export_rows.iter_sheet_facts(s, f=ActorFilter(), taxonomies=taxonomies, batch=batch))
    names = [f.actor[1] for f in facts]
    assert names == sorted(names, key=str.lower)
    sanofi = next(f for f in facts if f.actor[1] == "Sanofi")
    assert sanofi.members == ["Medicen Paris Region"] and sanofi.sources == ["acteurs.csv"]
    assert sorted(code for facet, code, _ in sanofi.capabilities if facet == "modalities") == ["mab", "vaccine"]


def test_csv_and_json_agree_on_every_actor(seeded, taxonomies):
    with seeded() as s:
        rows = list(csv.DictReader(io.StringIO(export_actors(s, f=ActorFilter(), taxonomies=taxonomies, fmt="csv")
                                               .decode("utf-8-sig"), newline=""), delimiter=";"))
        data = json.loads(export_actors(s, f=ActorFilter(), taxonomies=taxonomies, fmt="json"))
    assert [int(r["id"]) for r in rows] == [a["id"] for a in data]
    for row, actor in zip(rows, data):
        assert row["name"] == actor["name"]
        sites = actor["sites"]
        assert row["insee"] == (sites[0]["commune_insee"] or "" if sites else "")
        assert row["sources"] == "; ".join(s["title"] for s in actor["sources"])


def test_xlsx_keeps_error_and_formula_looking_texts_as_text(seeded, taxonomies, tmp_path):
    path = tmp_path / "out.xlsx"
    with seeded() as s:
        path.write_bytes(export_actors(s, f=ActorFilter(), taxonomies=taxonomies, fmt="xlsx"))
    ws = openpyxl.load_workbook(path).worksheets[0]
    header = [c.value for c in ws[1]]
    assert header == list(COLUMNS)
    by_name = {r[1].value: r for r in ws.iter_rows(min_row=2)}
    na = by_name["Medicen Paris Region"][header.index("description_fr")]
    assert (na.value, na.data_type) == ("#N/A", "s")
    formula = by_name["Genopole"][header.index("description_fr")]
    assert (formula.value, formula.data_type) == ("=SUM(A1)", "s")
    assert by_name["Genopole"][header.index("clusters")].value == "Medicen Paris Region"

"""`import actors FILE` end to end on the test database: all or nothing, idempotent, reported."""

from __future__ import annotations

import csv

import openpyxl
import pytest
from sqlalchemy import func, select

from bioatlas.atlas.importer import ImportFileError, import_actors
from bioatlas.atlas.importer import run as run_module
from bioatlas.atlas.models import Actor, ActorName, Capability, FieldSource, Identifier, Relation, Site, Source
from bioatlas.atlas.records import SourceRecord

HEADERS = ["Nom", "Raison sociale", "Type de structure", "Code postal", "Ville", "Modalités thérapeutiques",
           "Étapes", "ROR", "Site web", "Pôles", "Description"]
# Real organisations and places (seed articles, ROR, La Poste). The "Pôles" membership link is
# test data, not a claim taken from a source.
ROWS = [
    ["Medicen Paris Region", "", "Pôle de compétitivité", "", "", "", "", "", "", "",
     "Pôle de compétitivité régional consacré aux innovations en matière de santé"],
    ["Polepharma", "", "Cluster", "", "", "", "", "", "", "", ""],
    ["Genopole", "", "Incubateur", "91000", "Évry-Courcouronnes", "Thérapie génique", "Recherche",
     "https://ror.org/0380k9k47", "www.genopole.fr", "Medicen Paris Region", "<b>Biocluster</b> & incubateur"],
    ["CHU Dijon Bourgogne", "Centre Hospitalier Régional Universitaire de Dijon", "CHU", "21000", "Dijon", "", "",
     "0377z4z10", "", "", ""],
    ["Cellectis", "", "Biotech", "", "", "CAR-T; allogénique", "", "", "", "", ""],
    ["Région Île-de-France", "", "Collectivité", "93400", "Saint-Ouen-sur-Seine", "", "", "", "", "", ""],
    ["Sanofi", "Sanofi-Aventis", "Grand groupe", "", "", "Anticorps monoclonaux; vaccins", "", "02n6c9837", "", "", ""],
]
TABLES = (Actor, ActorName, Identifier, Site, Capability, Relation, FieldSource, Source)


def write_csv(path, rows, headers=HEADERS, *, encoding="utf-8", delimiter=";"):
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def counts(db) -> dict[str, int]:
    with db() as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m)) for m in TABLES}


def actor(db, name):
    with db() as s:
        a = s.scalar(select(Actor).where(Actor.name == name))
        if a is not None:
            _ = a.sites, a.capabilities, a.relations, a.names, a.identifiers  # load while the session is open
        return a


def run(db, path, taxonomies, **options):
    return import_actors(db, path, taxonomies=taxonomies, **options)


def test_import_then_reimport_changes_nothing(db, taxonomies, tmp_path):
    path = write_csv(tmp_path / "acteurs.csv", ROWS)
    report = run(db, path, taxonomies)
    assert report.errors == [] and report.committed
    assert (report.read, report.created, report.updated, report.unchanged, report.rejected) == (7, 7, 0, 0, 0)
    assert report.mapping.columns["Type de structure"] == "kind"
    counts_after_first = counts(db)
    assert counts_after_first["actors"] == 7
    assert counts_after_first["sites"] == 3  # the four rows without a place have no site
    assert sum("no location" in w for w in report.warnings) == 4

    genopole = actor(db, "Genopole")
    assert genopole.kind == "incubator"
    (site,) = genopole.sites
    assert (site.commune_insee, site.departement, site.region, site.postcode) == ("91228", "91", "11", "91000")
    assert {(i.scheme, i.value) for i in genopole.identifiers} == {
        ("ror", "https://ror.org/0380k9k47"), ("website", "https://www.genopole.fr")
    }
    assert [(c.facet, c.code) for c in genopole.capabilities] == [("modalities", "viral_vector"), ("value_chain", "research")]
    medicen = actor(db, "Medicen Paris Region")
    assert [(r.relation, r.target_id) for r in genopole.relations] == [("member_of", medicen.id)]
    chu = actor(db, "CHU Dijon Bourgogne")
    assert [(n.type, n.value, n.lang) for n in chu.names] == [("legal", "Centre Hospitalier Régional Universitaire de Dijon", "fr")]
    assert actor(db, "Cellectis").kind == "company"
    assert {c.code for c in actor(db, "Cellectis").capabilities} == {"car_t", "allogeneic_cell"}

    again = run(db, path, taxonomies)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 7, 0)
    assert counts(db) == counts_after_first


def test_one_bad_row_leaves_the_database_unchanged(db, taxonomies, tmp_path):
    run(db, write_csv(tmp_path / "acteurs.csv", ROWS), taxonomies)
    before = counts(db)
    changed = [list(r) for r in ROWS]
    changed[2][10] = "Nouvelle description"  # a valid change on line 4
    changed[4][2] = "Licorne"  # an unknown kind on line 6
    changed.append(["Institut Pasteur", "", "Fondation", "", "", "", "", "https://ror.org/0495fxg12", "", "", ""])
    report = run(db, write_csv(tmp_path / "acteurs-v2.csv", changed), taxonomies)
    assert not report.committed
    assert (report.created, report.updated, report.unchanged, report.rejected) == (0, 0, 0, 1)
    (error,) = report.errors
    assert (error.line, error.column, error.value) == (6, "Type de structure", "Licorne")
    assert "unknown value 'Licorne'" in error.reason
    assert counts(db) == before
    assert actor(db, "Genopole").description_fr == "<b>Biocluster</b> & incubateur"
    assert actor(db, "Institut Pasteur") is None


def test_skip_invalid_writes_the_valid_rows(db, taxonomies, tmp_path):
    rows = [list(r) for r in ROWS]
    rows[1][3] = "99999"  # Polepharma: unknown postcode, line 3
    rows[3][7] = "0377z4z11"  # CHU: bad ROR checksum, line 5
    report = run(db, write_csv(tmp_path / "acteurs.csv", rows), taxonomies, skip_invalid=True)
    assert report.committed
    assert (report.read, report.created, report.rejected) == (7, 5, 2)
    assert [(e.line, e.column) for e in report.errors] == [(3, "Code postal"), (5, "ROR")]
    assert "unknown postcode '99999'" in report.errors[0].reason
    assert counts(db)["actors"] == 5
    assert actor(db, "Polepharma") is None and actor(db, "Genopole") is not None


def test_dry_run_counts_exactly_but_writes_nothing(db, taxonomies, tmp_path):
    path = write_csv(tmp_path / "acteurs.csv", ROWS)
    run(db, write_csv(tmp_path / "premiers.csv", ROWS[:3]), taxonomies)
    before = counts(db)
    report = run(db, path, taxonomies, dry_run=True)
    assert report.dry_run and not report.committed
    # the first three rows come from another file: same facts, so unchanged except Genopole's new site
    assert (report.created, report.updated + report.unchanged) == (4, 3)
    assert counts(db) == before


def test_changed_values_update_the_actor(db, taxonomies, tmp_path):
    run(db, write_csv(tmp_path / "acteurs.csv", ROWS), taxonomies)
    rows = [list(r) for r in ROWS]
    rows[2][10] = "Biocluster dédié à la génomique"
    rows[2][5] = "Vaccins"  # replaces what this file said before (gene therapy)
    report = run(db, write_csv(tmp_path / "acteurs.csv", rows), taxonomies)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 6)
    assert report.actors[2] == (4, actor(db, "Genopole").id, "updated")
    genopole = actor(db, "Genopole")
    assert genopole.description_fr == "Biocluster dédié à la génomique"
    assert sorted(c.code for c in genopole.capabilities if c.facet == "modalities") == ["vaccine"]


def test_duplicate_rows_in_the_file(db, taxonomies, tmp_path):
    rows = [list(r) for r in ROWS]
    rows.append(["Genopole (doublon)", "", "Cluster", "", "", "", "", "0380k9k47", "", "", ""])
    rows.append(["CHU de Dijon", "", "", "21000", "Dijon", "", "", "", "", "", ""])
    rows.append(["chu dijon BOURGOGNE", "", "", "21000", "", "", "", "", "", "", ""])
    report = run(db, write_csv(tmp_path / "acteurs.csv", rows), taxonomies)
    assert [(e.line, e.column) for e in report.errors] == [(9, "ROR"), (11, "Nom")]
    assert report.errors[0].reason == "duplicate of line 4 (same ROR)"
    assert report.errors[1].reason == "duplicate of line 5 (same name and postcode)"
    assert counts(db)["actors"] == 0


def test_cluster_must_come_earlier_in_the_file_or_exist(db, taxonomies, tmp_path):
    rows = [ROWS[2], ROWS[0]]  # Genopole names Medicen before Medicen's row
    report = run(db, write_csv(tmp_path / "acteurs.csv", rows), taxonomies)
    (error,) = report.errors
    assert (error.line, error.column, error.value) == (2, "Pôles", "Medicen Paris Region")
    # once Medicen is in the atlas, the same file imports
    run(db, write_csv(tmp_path / "medicen.csv", [ROWS[0]]), taxonomies)
    report = run(db, write_csv(tmp_path / "acteurs.csv", rows), taxonomies)
    assert report.errors == [] and report.created == 1
    assert actor(db, "Genopole").relations[0].target_id == actor(db, "Medicen Paris Region").id


def test_ambiguous_name_becomes_a_row_error(db, taxonomies, tmp_path):
    with db() as s:  # two distinct actors bearing one name, as two registries may bring
        s.add_all([Actor(name="Sanofi", name_key="sanofi", kind="company"), Actor(name="Sanofi", name_key="sanofi", kind="large_group")])
        s.commit()
    before = counts(db)
    report = run(db, write_csv(tmp_path / "acteurs.csv", [ROWS[0], ["Sanofi"] + [""] * 10]), taxonomies)
    (error,) = report.errors
    assert (error.line, error.column) == (3, "Nom")
    assert "matches several actors" in error.reason
    assert counts(db) == before  # Medicen, valid, was not written either


def test_id_column(db, taxonomies, tmp_path):
    run(db, write_csv(tmp_path / "acteurs.csv", ROWS[:3]), taxonomies)
    genopole, medicen = actor(db, "Genopole"), actor(db, "Medicen Paris Region")
    path = tmp_path / "ids.csv"
    path.write_text(f"id;name;description_fr\n{genopole.id};Genopole;Biocluster\n", encoding="utf-8")
    assert run(db, path, taxonomies).updated == 1
    path.write_text(f"id;name\n{medicen.id};Genopole\n", encoding="utf-8")
    report = run(db, path, taxonomies)
    assert report.errors[0].column == "id" and "is 'Medicen Paris Region', not 'Genopole'" in report.errors[0].reason
    path.write_text("id;name\n987654;Genopole\n", encoding="utf-8")
    report = run(db, path, taxonomies)
    assert (report.errors[0].column, report.errors[0].reason) == ("id", "no actor with id 987654")


def test_html_is_stored_raw(db, taxonomies, tmp_path):
    rows = [["Genopole", "", "", "91000", "", "", "", "", "", "", "<script>alert(1)</script> <b>Biocluster</b>"]]
    run(db, write_csv(tmp_path / "acteurs.csv", rows), taxonomies)
    assert actor(db, "Genopole").description_fr == "<script>alert(1)</script> <b>Biocluster</b>"


def test_xlsx_file_with_numbers_in_cells(db, taxonomies, tmp_path):
    path = tmp_path / "acteurs.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Structure", "Catégorie", "CP", "Commune", "Latitude", "Longitude", "Capacité (L)"])
    ws.append(["CHU Dijon Bourgogne", "Hôpital", 21000, "Dijon", 47.3236, 5.0745, 200.0])
    ws.append(["Genopole", "Incubateur", 91000.0, "Evry-Courcouronnes", None, None, None])
    wb.save(path)
    report = run(db, path, taxonomies)
    assert report.errors == [] and report.created == 2
    chu = actor(db, "CHU Dijon Bourgogne")
    assert (chu.sites[0].postcode, chu.sites[0].latitude, chu.scale_litres) == ("21000", 47.3236, 200.0)
    assert run(db, path, taxonomies).unchanged == 2


def test_cp1252_file_with_the_encoding_option(db, taxonomies, tmp_path):
    path = write_csv(tmp_path / "excel.csv", [ROWS[5]], encoding="cp1252")
    with pytest.raises(ImportFileError, match="--encoding cp1252"):
        run(db, path, taxonomies)
    report = run(db, path, taxonomies, encoding="cp1252")
    assert report.created == 1
    assert actor(db, "Région Île-de-France").sites[0].commune_insee == "93070"


def test_row_sources_and_file_source(db, taxonomies, tmp_path):
    path = tmp_path / "acteurs.csv"
    path.write_text(
        "Nom;Type;Source;URL de la source;Date de la source\n"
        "Medicen Paris Region;Cluster;Succès du Congrès France Bioproduction;;2021-06-30\n"
        "Polepharma;Cluster;;;\n",
        encoding="utf-8",
    )
    report = run(db, path, taxonomies, source=SourceRecord(key="file:polepharma", title="Liste Polepharma"))
    assert report.created == 2 and report.source == "file:polepharma"
    with db() as s:
        sources = {src.title: src for src in s.scalars(select(Source))}
        assert set(sources) == {"Succès du Congrès France Bioproduction", "Liste Polepharma"}
        assert str(sources["Succès du Congrès France Bioproduction"].published) == "2021-06-30"
        prov = s.scalars(select(FieldSource).join(Actor).where(Actor.name == "Medicen Paris Region", FieldSource.field == "kind")).one()
        assert prov.source.title == "Succès du Congrès France Bioproduction"


def test_unreadable_file_raises_and_writes_nothing(db, taxonomies, tmp_path):
    good = tmp_path / "good.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Nom"])
    wb.active.append(["Genopole"])
    wb.save(good)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[:500])
    with pytest.raises(ImportFileError, match="cut.xlsx: not a readable XLSX"):
        run(db, cut, taxonomies)
    no_name = write_csv(tmp_path / "noname.csv", [["91000", "Évry"]], headers=["CP", "Ville"])
    with pytest.raises(ImportFileError, match="no column for the actor's name"):
        run(db, no_name, taxonomies)
    assert counts(db)["actors"] == 0


def test_any_exception_while_writing_rolls_everything_back(db, taxonomies, tmp_path, monkeypatch):
    real = run_module.upsert_actor
    calls = []

    def failing(session, record, *, source):
        calls.append(record.name)
        if len(calls) == 4:
            raise RuntimeError("disk full")
        return real(session, record, source=source)

    monkeypatch.setattr(run_module, "upsert_actor", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        run(db, write_csv(tmp_path / "acteurs.csv", ROWS), taxonomies)
    assert len(calls) == 4
    assert counts(db) == {m.__tablename__: 0 for m in TABLES}


def test_mapping_file(db, taxonomies, tmp_path):
    path = tmp_path / "annuaire.csv"
    path.write_text("Société;Implantation;Remarque\nCHU Dijon Bourgogne;21000;à relancer\n", encoding="utf-8")
    mapping = tmp_path / "annuaire.toml"
    mapping.write_text('[columns]\n"Société" = "name"\n"Implantation" = "postcode"\n"Remarque" = "-"\n', encoding="utf-8")
    report = run(db, path, taxonomies, mapping=mapping)
    assert report.created == 1 and not report.warnings
    assert report.as_dict()["columns"] == {"Société": "name", "Implantation": "postcode"}
    assert actor(db, "CHU Dijon Bourgogne").sites[0].commune_insee == "21231"


def test_report_as_dict(db, taxonomies, tmp_path):
    rows = [ROWS[0], ["", "", "", "", "", "", "", "", "", "", "sans nom"]]
    data = run(db, write_csv(tmp_path / "acteurs.csv", rows), taxonomies).as_dict()
    assert set(data) == {
        "file", "source", "dry_run", "skip_invalid", "committed", "read", "created", "updated", "unchanged",
        "rejected", "errors", "warnings", "columns", "ignored_columns", "unmapped_columns", "mapping_file", "actors",
    }
    assert data["errors"] == [{"line": 3, "column": "Nom", "value": None, "reason": "the name is required"}]
    assert (data["read"], data["rejected"], data["committed"], data["source"]) == (2, 1, False, "file:acteurs.csv")


def test_header_only_file(db, taxonomies, tmp_path):
    report = run(db, write_csv(tmp_path / "vide.csv", []), taxonomies)
    assert report.read == 0 and report.committed
    assert "the file has a header but no data rows" in report.warnings

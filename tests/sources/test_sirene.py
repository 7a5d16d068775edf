"""The Sirene connector on small SYNTHETIC files in INSEE's official layout (CSV, gzipped CSV and
Parquet) written in tmp_path: every establishment, SIREN and name below is invented; only the
commune codes are real (they must be, to be located)."""

from __future__ import annotations

import csv
import gzip
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bioatlas.atlas.models import Actor, ActorChange, ActorName, Identifier, Site, Source
from bioatlas.sources import sirene
from bioatlas.sources.sirene import (
    ETABLISSEMENT_COLUMNS,
    UNITE_LEGALE_COLUMNS,
    SireneError,
    SireneFilter,
    StockReader,
    import_sirene,
)

DAY = date(2025, 3, 1)


def etab(siren: str, nic: str, **values: str) -> dict[str, str]:
    """One synthetic StockEtablissement row; every official column present, most of them empty."""
    row = dict.fromkeys(ETABLISSEMENT_COLUMNS, "")
    row.update(
        siren=siren, nic=nic, siret=siren + nic, statutDiffusionEtablissement="O", dateCreationEtablissement="2015-03-02",
        trancheEffectifsEtablissement="12", anneeEffectifsEtablissement="2022",
        dateDernierTraitementEtablissement="2024-11-05T10:31:12", etablissementSiege="true", nombrePeriodesEtablissement="2",
        numeroVoieEtablissement="5", typeVoieEtablissement="RUE", libelleVoieEtablissement="DES ESSAIS SYNTHETIQUES",
        codePostalEtablissement="91000", libelleCommuneEtablissement="EVRY-COURCOURONNES", codeCommuneEtablissement="91228",
        dateDebut="2015-03-02", etatAdministratifEtablissement="A", activitePrincipaleEtablissement="72.11Z",
        nomenclatureActivitePrincipaleEtablissement="NAFRev2", caractereEmployeurEtablissement="O",
    )
    row.update(values)
    return row


def legal_unit(siren: str, denomination: str, **values: str) -> dict[str, str]:
    row = dict.fromkeys(UNITE_LEGALE_COLUMNS, "")
    row.update(siren=siren, statutDiffusionUniteLegale="O", denominationUniteLegale=denomination,
               etatAdministratifUniteLegale="A", categorieJuridiqueUniteLegale="5710", categorieEntreprise="PME")
    row.update(values)
    return row


ESTABLISHMENTS = [
    etab("900000001", "00011"),  # head office, Évry (91, Île-de-France)
    etab("900000001", "00029", etablissementSiege="false", enseigne1Etablissement="SYNTHEBIO LYON",
         trancheEffectifsEtablissement="21", activitePrincipaleEtablissement="21.20Z", numeroVoieEtablissement="12",
         indiceRepetitionEtablissement="B", typeVoieEtablissement="AV", libelleVoieEtablissement="TONY GARNIER",
         complementAdresseEtablissement="BATIMENT SYNTHESE", codePostalEtablissement="69007",
         libelleCommuneEtablissement="LYON 7EME", codeCommuneEtablissement="69387"),
    etab("900000002", "00018", activitePrincipaleEtablissement="21.10Z", trancheEffectifsEtablissement="32",
         codePostalEtablissement="31000", codeCommuneEtablissement="31555", libelleCommuneEtablissement="TOULOUSE"),
    etab("900000003", "00015", activitePrincipaleEtablissement="72.19Z", etatAdministratifEtablissement="F",
         codePostalEtablissement="35000", codeCommuneEtablissement="35238", libelleCommuneEtablissement="RENNES"),
    etab("900000004", "00012", activitePrincipaleEtablissement="47.11F"),  # a supermarket: not kept
    etab("900000005", "00019", activitePrincipaleEtablissement="32.50A", codeCommuneEtablissement="91999"),  # no such commune
    etab("900000006", "00016", codeCommuneEtablissement="", codePostalEtablissement="", libelleCommuneEtablissement="",
         libelleCommuneEtrangerEtablissement="HEIDELBERG", codePaysEtrangerEtablissement="99109",
         libellePaysEtrangerEtablissement="ALLEMAGNE"),  # abroad
    etab("900000007", "00013", activitePrincipaleEtablissement="72.19Z", denominationUsuelleEtablissement="LABO SYNTHETIQUE REUNION",
         trancheEffectifsEtablissement="NN", codePostalEtablissement="97400", codeCommuneEtablissement="97411",
         libelleCommuneEtablissement="SAINT-DENIS"),  # its legal unit is not in the legal-units file
]
LEGAL_UNITS = [
    legal_unit("900000001", "SYNTHEBIO", sigleUniteLegale="SYB"),
    legal_unit("900000002", "PHARMA FICTIVE INDUSTRIES", categorieEntreprise="ETI"),
    legal_unit("900000003", "GRAND GROUPE IMAGINAIRE", categorieEntreprise="GE"),
    legal_unit("900000004", "HYPER FICTIF"),
    legal_unit("900000006", "FORSCHUNG ERFUNDEN GMBH", categorieEntreprise=""),
]
KEPT = {"90000000100011", "90000000100029", "90000000200018", "90000000500019", "90000000600016", "90000000700013"}


def write_csv(path: Path, rows: list[dict], columns=ETABLISSEMENT_COLUMNS) -> Path:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_parquet(path: Path, rows: list[dict]) -> Path:
    """Parquet as INSEE publishes it: typed columns (dates, booleans, numbers)."""
    import duckdb

    source = write_csv(path.with_suffix(".csv"), rows)
    cols = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in ETABLISSEMENT_COLUMNS) + "}"
    with duckdb.connect() as con:
        con.execute(
            f"COPY (SELECT * REPLACE (CAST(etablissementSiege AS BOOLEAN) AS etablissementSiege, "
            f"CAST(dateCreationEtablissement AS DATE) AS dateCreationEtablissement, "
            f"CAST(nombrePeriodesEtablissement AS INTEGER) AS nombrePeriodesEtablissement) "
            f"FROM read_csv('{source}', header=true, auto_detect=false, columns={cols})) TO '{path}' (FORMAT parquet)"
        )
    source.unlink()
    return path


@pytest.fixture
def files(tmp_path) -> tuple[Path, Path]:
    return (write_csv(tmp_path / "StockEtablissement_utf8.csv", ESTABLISHMENTS),
            write_csv(tmp_path / "StockUniteLegale_utf8.csv", LEGAL_UNITS, UNITE_LEGALE_COLUMNS))


def kept(path: Path, legal_units: Path | None = None, **flt) -> dict[str, sirene.Establishment]:
    with StockReader(path, legal_units, SireneFilter(**flt)) as reader:
        reader.prepare()
        return {e.siret: e for batch in reader.batches(2) for e in batch}


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def actor_of(session, siret: str) -> Actor:
    return session.get(Actor, session.scalar(select(Identifier.actor_id).where(Identifier.scheme == "siret",
                                                                            Identifier.value == siret)))


# -- reference data ------------------------------------------------------------------------------


def test_reference_data():
    assert sirene.default_naf() == ("21.10Z", "21.20Z", "72.11Z", "72.19Z", "32.50A")
    assert all(n.label_fr and n.label_en and n.reason for n in sirene.naf_codes().values())
    bands = sirene.headcount_bands()
    assert list(bands) == ["NN", "00", "01", "02", "03", "11", "12", "21", "22", "31", "32", "41", "42", "51", "52", "53"]
    band = sirene.decode_headcount("12")
    assert (band.min, band.max, band.label_fr, band.label_en) == (20, 49, "20 à 49 salariés", "20 to 49 employees")
    assert sirene.decode_headcount("53").max is None and sirene.decode_headcount("NN").max == 0
    assert sirene.decode_headcount("") is None and sirene.decode_headcount("99") is None
    assert sirene.normalise_naf("2120z") == sirene.normalise_naf(" 21.20Z ") == "21.20Z"
    with pytest.raises(SireneError, match="NAF"):
        sirene.normalise_naf("pharma")


# -- reading and filtering -----------------------------------------------------------------------


def test_default_filter_keeps_active_health_industry(files):
    found = kept(*files)
    assert set(found) == KEPT
    lyon = found["90000000100029"]
    assert (lyon.naf, lyon.is_siege, lyon.legal_name, lyon.acronym, lyon.kind) == ("21.20Z", False, "SYNTHEBIO", "SYB", "sme")
    assert lyon.address == "BATIMENT SYNTHESE, 12 BIS AVENUE TONY GARNIER"
    assert lyon.headcount.label_en == "50 to 99 employees"
    assert found["90000000200018"].kind == "midcap"
    assert found["90000000700013"].legal_name is None and found["90000000700013"].kind == "company"


def test_filters_by_naf_region_departement_and_status(files):
    etab_file, units = files
    assert set(kept(etab_file, naf=("2120Z",))) == {"90000000100029"}
    assert set(kept(etab_file, regions=("84",))) == {"90000000100029"}  # Auvergne-Rhône-Alpes: Lyon
    assert set(kept(etab_file, regions=("04",))) == {"90000000700013"}  # La Réunion: 974, three characters
    assert set(kept(etab_file, departements=("31", "974"))) == {"90000000200018", "90000000700013"}
    assert set(kept(etab_file, regions=("11",), departements=("91",))) == {"90000000100011", "90000000500019"}
    assert set(kept(etab_file, regions=("11",), departements=("69",))) == set()  # both must hold, as in the atlas
    closed = kept(etab_file, units, include_closed=True)
    assert set(closed) == KEPT | {"90000000300015"}
    assert not closed["90000000300015"].active and closed["90000000300015"].kind == "large_group"


def test_bad_filter_options_are_refused(files):
    with pytest.raises(SireneError, match="region"):
        SireneFilter(regions=("99",)).resolved()
    with pytest.raises(SireneError, match="département"):
        SireneFilter(departements=("20",)).resolved()


def test_gzip_and_parquet_read_like_csv(files, tmp_path):
    etab_file, units = files
    expected = kept(etab_file, units)
    gz = write_csv(tmp_path / "StockEtablissement_utf8.csv.gz", ESTABLISHMENTS)
    parquet = write_parquet(tmp_path / "StockEtablissement_utf8.parquet", ESTABLISHMENTS)
    assert kept(gz, units) == expected
    from_parquet = kept(parquet, units)
    assert set(from_parquet) == set(expected)
    for siret, est in expected.items():  # booleans, dates and integers typed in Parquet read the same
        assert from_parquet[siret] == est


# -- loading ---------------------------------------------------------------------------------------


def test_import_creates_actors_with_sites_and_provenance(db, files):
    report = import_sirene(db, files[0], legal_units=files[1], file_date=DAY)
    assert (report.read, report.created, report.updated, report.unchanged, report.rejected_total) == (6, 4, 0, 0, 2)
    assert report.rejected == {sirene.REASON_UNKNOWN_COMMUNE: 1, sirene.REASON_ABROAD: 1}
    assert report.examples[sirene.REASON_UNKNOWN_COMMUNE] == ["90000000500019 (91999)"]
    assert report.examples[sirene.REASON_ABROAD] == ["90000000600016 (ALLEMAGNE)"]
    assert report.headcount == {"12": 1, "21": 1, "32": 1, "NN": 1}
    assert report.as_dict()["headcount"] == {"Non-employer unit": 1, "20 to 49 employees": 1, "50 to 99 employees": 1,
                                             "250 to 499 employees": 1}
    with db() as session:
        source = session.scalars(select(Source)).one()
        assert (source.key, source.kind, source.title, source.licence, source.published) == (
            "sirene:StockEtablissement:2025-03-01", "open_data",
            "INSEE – base Sirene des entreprises et de leurs établissements (StockEtablissement)",
            "Licence Ouverte / Open Licence 2.0", DAY)
        hq = actor_of(session, "90000000100011")
        assert (hq.name, hq.kind, hq.status) == ("SYNTHEBIO", "sme", "active")
        assert {(n.type, n.value) for n in hq.names} == {("acronym", "SYB")}  # the legal name is the name
        assert {(i.scheme, i.value) for i in hq.identifiers} == {("siret", "90000000100011"), ("siren", "900000001")}
        (site,) = hq.sites
        assert (site.role, site.address, site.postcode, site.commune_insee, site.departement, site.region) == (
            "hq", "5 RUE DES ESSAIS SYNTHETIQUES", "91000", "91228", "91", "11")
        assert site.commune_name == "Evry Courcouronnes" and site.latitude and site.longitude
        lyon = actor_of(session, "90000000100029")
        assert lyon.name == "SYNTHEBIO LYON" and lyon.sites[0].role == "other"
        assert {(n.type, n.value) for n in lyon.names} == {("legal", "SYNTHEBIO"), ("acronym", "SYB")}
        assert lyon.sites[0].region == "84"
        reunion = actor_of(session, "90000000700013")
        assert (reunion.name, reunion.kind) == ("LABO SYNTHETIQUE REUNION", "company")
        assert (reunion.sites[0].departement, reunion.sites[0].region) == ("974", "04")
        assert count(session, ActorChange) == 4  # one "created" row each


def test_closed_establishments_are_inactive(db, files):
    report = import_sirene(db, files[0], legal_units=files[1], flt=SireneFilter(include_closed=True), file_date=DAY)
    assert report.created == 5
    with db() as session:
        assert actor_of(session, "90000000300015").status == "inactive"


def test_same_file_twice_changes_nothing(db, files):
    import_sirene(db, files[0], legal_units=files[1], file_date=DAY)
    with db() as session:
        before = (count(session, Actor), count(session, ActorName), count(session, Site), count(session, ActorChange))
    again = import_sirene(db, files[0], legal_units=files[1], file_date=DAY)
    assert (again.created, again.updated, again.unchanged, again.rejected_total) == (0, 0, 4, 2)
    with db() as session:
        assert (count(session, Actor), count(session, ActorName), count(session, Site), count(session, ActorChange)) == before


def test_changed_value_is_an_update_with_history(db, files, tmp_path):
    import_sirene(db, files[0], legal_units=files[1], file_date=DAY)
    moved = [dict(r) for r in ESTABLISHMENTS]
    moved[2].update(numeroVoieEtablissement="40", libelleVoieEtablissement="DES CHANGEMENTS")
    changed = write_csv(tmp_path / "changed.csv", moved)
    report = import_sirene(db, changed, legal_units=files[1], file_date=DAY)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 3)
    with db() as session:
        actor = actor_of(session, "90000000200018")
        assert [s.address for s in actor.sites] == ["40 RUE DES CHANGEMENTS"]
        change = session.scalars(select(ActorChange).where(ActorChange.actor_id == actor.id, ActorChange.action == "updated")).one()
        assert change.field == "sites" and "40 RUE DES CHANGEMENTS" in change.new_value and "5 RUE" in change.old_value


def test_a_newer_file_replaces_what_older_files_said(db, files, tmp_path):
    import_sirene(db, files[0], legal_units=files[1], file_date=DAY)
    april = [dict(r) for r in ESTABLISHMENTS[1:]]  # the head office in Évry is gone from the file
    april[1].update(numeroVoieEtablissement="40", libelleVoieEtablissement="DES CHANGEMENTS")  # moved
    report = import_sirene(db, write_csv(tmp_path / "april.csv", april), legal_units=files[1], file_date=date(2025, 4, 1))
    assert (report.source_key, report.created, report.updated, report.unchanged) == (
        "sirene:StockEtablissement:2025-04-01", 0, 1, 2)
    with db() as session:
        march, new = (session.scalar(select(Source.id).where(Source.key == f"sirene:StockEtablissement:{d}"))
                      for d in ("2025-03-01", "2025-04-01"))
        moved = actor_of(session, "90000000200018")
        assert [(s.address, s.source_id) for s in moved.sites] == [("40 RUE DES CHANGEMENTS", new)]  # one site
        assert {n.source_id for a in (moved, actor_of(session, "90000000100029")) for n in [*a.names, *a.identifiers]} == {new}
        change = session.scalars(select(ActorChange).where(ActorChange.actor_id == moved.id,
                                                           ActorChange.action == "updated")).one()
        assert (change.field, change.source_id) == ("sites", new)
        gone = actor_of(session, "90000000100011")  # not in April's file: still cited from March
        assert {i.source_id for i in gone.identifiers} == {gone.sites[0].source_id} == {march}


def test_without_legal_units_the_establishment_names_the_actor(db, files):
    report = import_sirene(db, files[0], file_date=DAY)
    assert report.created == 4
    with db() as session:
        assert actor_of(session, "90000000100011").name == "ÉTABLISSEMENT 90000000100011"
        assert actor_of(session, "90000000100029").kind == "company"


def test_dry_run_writes_nothing(db, files):
    report = import_sirene(db, files[0], legal_units=files[1], file_date=DAY, dry_run=True)
    assert report.created == 4 and not report.committed
    with db() as session:
        assert count(session, Actor) == count(session, Source) == 0


# -- errors: clear, and nothing written ------------------------------------------------------------


def assert_nothing_written(db) -> None:
    with db() as session:
        assert count(session, Actor) == count(session, Source) == count(session, ActorChange) == 0


def test_missing_columns_are_named_before_anything_is_written(db, tmp_path):
    renamed = [c if c not in ("codeCommuneEtablissement", "etatAdministratifEtablissement") else c.lower()
               for c in ETABLISSEMENT_COLUMNS]
    path = tmp_path / "old_layout.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(renamed) + "\n")
    with pytest.raises(SireneError) as err:
        import_sirene(db, path, file_date=DAY)
    assert "old_layout.csv" in str(err.value)
    assert "codeCommuneEtablissement" in str(err.value) and "etatAdministratifEtablissement" in str(err.value)
    assert_nothing_written(db)


def test_missing_column_in_legal_units(db, files, tmp_path):
    units = write_csv(tmp_path / "units.csv", [{c: r[c] for c in UNITE_LEGALE_COLUMNS if c != "categorieEntreprise"}
                                               for r in LEGAL_UNITS],
                      [c for c in UNITE_LEGALE_COLUMNS if c != "categorieEntreprise"])
    with pytest.raises(SireneError, match=r"units\.csv: not a StockUniteLegale file.*categorieEntreprise"):
        import_sirene(db, files[0], legal_units=units, file_date=DAY)
    assert_nothing_written(db)


def test_truncated_gzip_is_a_clear_error(db, tmp_path):
    rows = [etab(f"9{i:08d}", "00011", enseigne1Etablissement=f"ETABLISSEMENT SYNTHETIQUE {i}") for i in range(3000)]
    whole = write_csv(tmp_path / "full.csv.gz", rows).read_bytes()
    cut = tmp_path / "StockEtablissement_cut.csv.gz"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    with pytest.raises(SireneError, match=r"StockEtablissement_cut\.csv\.gz: cannot be read \(.*GZIP"):
        import_sirene(db, cut, file_date=DAY)
    assert_nothing_written(db)


def test_malformed_row_and_zip_are_clear_errors(db, tmp_path):
    path = write_csv(tmp_path / "bad.csv", ESTABLISHMENTS[:2])
    with path.open("a", encoding="utf-8") as fh:
        fh.write("900000009,00010,90000000900010\n")
    with pytest.raises(SireneError, match=r"bad\.csv: cannot be read \(.*Line"):
        import_sirene(db, path, file_date=DAY)
    zipped = tmp_path / "StockEtablissement_utf8.zip"
    zipped.write_bytes(b"PK\x03\x04rest")
    with pytest.raises(SireneError, match="unzip it first"):
        import_sirene(db, zipped, file_date=DAY)
    assert_nothing_written(db)


def test_failure_while_loading_rolls_everything_back(db, files, monkeypatch):
    calls = []
    real = sirene.to_actor_record

    def failing(est, geo=None):
        calls.append(est.siret)
        if len(calls) == 5:
            raise RuntimeError("disk full (simulated)")
        return real(est, geo)

    monkeypatch.setattr(sirene, "to_actor_record", failing)
    with pytest.raises(RuntimeError, match="simulated"):
        import_sirene(db, files[0], legal_units=files[1], file_date=DAY, batch_size=1)
    assert_nothing_written(db)


# -- the command -----------------------------------------------------------------------------------


@pytest.fixture
def run(monkeypatch, database_url, tmp_path, db):
    from bioatlas.cli import app

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BIOATLAS_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args), catch_exceptions=False)


def test_cli_import_and_rerun(run, files, db):
    etab_file, units = files
    first = run("import", "sirene", str(etab_file), "--legal-units", str(units), "--file-date", "2025-03-01", "--json")
    assert first.exit_code == 0, first.output
    body = json.loads(first.stdout)
    assert (body["read"], body["created"], body["rejected"]) == (6, 4, 2)
    assert {r["reason"]: r["count"] for r in body["rejections"]} == {sirene.REASON_UNKNOWN_COMMUNE: 1, sirene.REASON_ABROAD: 1}
    again = run("import", "sirene", str(etab_file), "--legal-units", str(units), "--file-date", "2025-03-01")
    assert again.exit_code == 0
    assert "unchanged" in again.output and "commune code not in the gazetteer" in again.output
    with db() as session:
        assert count(session, Actor) == 4


def test_cli_filters_and_dry_run(run, files, db):
    etab_file, units = files
    r = run("import", "sirene", str(etab_file), "--legal-units", str(units), "--naf", "21.20Z", "--naf", "21.10Z",
            "--region", "84", "--region", "76", "--include-closed", "--dry-run", "--json")
    assert r.exit_code == 0, r.output
    body = json.loads(r.stdout)
    assert (body["read"], body["created"], body["dry_run"], body["committed"]) == (2, 2, True, False)
    with db() as session:
        assert count(session, Actor) == 0


def test_cli_errors_exit_2(run, files, tmp_path):
    assert run("import", "sirene", str(files[0]), "--naf", "pharma").exit_code == 2
    assert run("import", "sirene", str(files[0]), "--file-date", "01/03/2025").exit_code == 2
    bad = tmp_path / "notsirene.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    r = run("import", "sirene", str(bad))
    assert r.exit_code == 2 and "notsirene.csv" in r.output and "siret" in r.output and "nothing was written" in r.output


def test_kind_from_legal_category_and_size():
    from dataclasses import fields as _fields, replace as _replace

    from bioatlas.sources.sirene_layout import Establishment

    est = Establishment(**{f.name: None for f in _fields(Establishment)})
    assert _replace(est, legal_form="7383", category="GE").kind == "public_agency"  # e.g. a public research body
    assert _replace(est, legal_form="9220", category="PME").kind == "foundation"  # a declared association
    assert _replace(est, legal_form="5710", category="PME").kind == "sme"  # a SAS
    assert _replace(est, legal_form="5710", category=None).kind == "company"

"""The Transparence-Santé connector on the real companies file: counts, sectors kept as facts,
French rows at their commune, foreign rows with their country, idempotent load, dry run, CLI and
bad input (unknown postcode, unknown sector, no identifier, wrong layout, wrong encoding, a
personal-data column)."""

from __future__ import annotations

import csv
import json
from collections import Counter

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bioatlas.atlas.geocode import gazetteer
from bioatlas.atlas.models import Actor, Capability, Identifier, Site
from bioatlas.atlas.taxonomy import load_taxonomies
from bioatlas.sources import transparence_sante as ts
from bioatlas.sources.transparence_sante_load import import_transparence_sante

SECTORS = set(load_taxonomies()["health_sectors"].terms)


@pytest.fixture(scope="module")
def ts_file(shared):
    return shared / "data" / "transparence-sante" / "entreprises.csv"


@pytest.fixture(scope="module")
def parsed(ts_file):
    return list(ts.read(ts_file, gazetteer(), sectors=SECTORS))


@pytest.fixture(scope="module")
def raw_rows(ts_file):
    with ts_file.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        return next(reader), list(reader)


def _write(tmp_path, header, rows, name="entreprises.csv", encoding="utf-8"):
    path = tmp_path / name
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def _count(session, model=Actor):
    return session.scalar(select(func.count()).select_from(model))


def test_full_file_counts(parsed):
    assert len(parsed) == 3_315 and not [c.error for c in parsed if c.error]
    french_med = [c for c in parsed if c.country == "FR" and c.sector == "MED"]
    assert len(french_med) == 390
    idf = [c for c in french_med if c.record.sites[0].region == "11"]
    # 279 in Île-de-France by postcode; 263 placed there ("91748 MASSY CEDEX" is Massy: the name
    # without "CEDEX" names one commune of the 91; the rest: CEDEX codes whose city the gazetteer cannot tell)
    assert len(idf) == 263
    assert Counter(c.sector for c in parsed)["DMDIV"] == 115
    foreign = [c for c in parsed if c.country != "FR"]
    assert len(foreign) == 895
    assert all(c.record.sites[0].latitude is None and c.record.sites[0].commune_insee is None for c in foreign)
    # French rows: placed at their commune, or kept with a warning naming the postcode column
    for c in parsed:
        if c.country == "FR":
            assert c.record.sites[0].commune_insee or [w.column for w in c.warnings] == ["code_postal"]


def test_cedex_city_and_spaced_postcode(parsed):
    assert ts.city("SEVRES CEDEX") == "SEVRES" and ts.city("Paris Cedex 08") == "Paris"
    sevres = [c for c in parsed if c.record.sites[0].postcode == "92310"]
    assert sevres and all(c.record.sites[0].commune_name == "Sevres" for c in sevres)


def test_load_idempotent_with_sector_fact(db, ts_file):
    first = import_transparence_sante(db, ts_file)
    assert first.committed and (first.read, first.created, first.rejected) == (3_315, 3_315, 0)
    assert first.by_sector["MED"] == 784 and first.by_country["FR"] == 2_420
    again = import_transparence_sante(db, ts_file)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3_315)
    with db() as session:
        assert _count(session) == 3_315
        med = session.scalar(select(func.count()).select_from(Capability).where(
            Capability.facet == "health_sectors", Capability.code == "MED"))
        assert med == 784
        actor = session.scalars(select(Actor).join(Identifier).where(
            Identifier.scheme == "transparence_sante", Identifier.value == "QBSTAWWV")).one()
        assert (actor.name, actor.kind) == ("IP Santé domicile", "company")
        (site,) = actor.sites
        assert (site.address, site.postcode, site.commune_insee, site.country) == (
            "16 Rue de Montbrillant, Buroparc Rive Gauche", "69003", "69383", "FR")
        assert site.source.key == "transparence_sante" and {c.source.key for c in actor.capabilities} == {"transparence_sante"}


def test_dry_run_writes_nothing(db, ts_file):
    dry = import_transparence_sante(db, ts_file, dry_run=True)
    assert not dry.committed and dry.created == 3_315
    with db() as session:
        assert _count(session) == 0


def test_bad_rows_named(db, tmp_path, raw_rows):
    header, rows = raw_rows
    col = {name: i for i, name in enumerate(header)}
    french = [r for r in rows if r[col["pays_code"]] == "[FR]" and "CEDEX" not in r[col["ville"]].upper()]
    good, unknown_pc, bad_sector, no_id = ([*r] for r in french[:4])
    unknown_pc[col["code_postal"]] = "99999"
    bad_sector[col["secteur_activite_code"]] = "[XYZ]"
    no_id[col["identifiant"]] = ""
    foreign = next(r for r in rows if r[col["pays_code"]] == "[US]")
    path = _write(tmp_path, header, [good, unknown_pc, bad_sector, no_id, foreign])
    report = import_transparence_sante(db, path)
    assert report.committed and (report.read, report.created, report.rejected) == (5, 3, 2)
    assert [(e.file, e.line, e.column) for e in report.errors] == [
        ("entreprises.csv", 4, "secteur_activite_code"), ("entreprises.csv", 5, "identifiant")]
    assert any("line 3, column 'code_postal'" in w and "99999" in w for w in report.warnings)
    with db() as session:
        sites = {s.actor.identifiers[0].value: s for s in session.scalars(select(Site))}
        lost = sites[unknown_pc[col["identifiant"]]]
        assert lost.commune_insee is None and lost.latitude is None and lost.postcode == "99999"
        abroad = sites[foreign[col["identifiant"]]]
        assert abroad.country == "US" and abroad.commune_insee is None and abroad.latitude is None


def test_wrong_layout_and_encoding(db, tmp_path, raw_rows):
    header, rows = raw_rows
    renamed = _write(tmp_path, [h if h != "denomination_sociale" else "raison_sociale" for h in header], rows[:2], name="renamed.csv")
    with pytest.raises(ts.TsFileError) as exc:
        import_transparence_sante(db, renamed)
    assert exc.value.field == "denomination_sociale" and "renamed.csv" in str(exc.value)
    accented = [r for r in rows if any(not c.isascii() for c in r)][:3]
    latin1 = _write(tmp_path, header, accented, name="latin1.csv", encoding="latin-1")
    with pytest.raises(ts.TsFileError) as exc:
        import_transparence_sante(db, latin1)
    assert "latin1.csv" in str(exc.value) and "not UTF-8" in str(exc.value)
    with db() as session:
        assert _count(session) == 0


def test_personal_data_column_never_read(db, tmp_path, raw_rows):
    header, rows = raw_rows
    path = _write(tmp_path, [*header, "nom_responsable", "telephone"], [[*rows[0], "Contact Person", "+33 1 23 45 67 89"]])
    assert import_transparence_sante(db, path).created == 1
    with db() as session:
        actor = session.scalars(select(Actor)).one()
        stored = json.dumps([actor.name, [n.value for n in actor.names], [i.value for i in actor.identifiers],
                             [(s.address, s.commune_name) for s in actor.sites]])
        assert "Contact Person" not in stored and "45 67" not in stored


def test_cli(monkeypatch, database_url, tmp_path, db, raw_rows):
    from bioatlas.cli import app

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BIOATLAS_DATA_DIR", str(tmp_path))
    header, rows = raw_rows
    path = _write(tmp_path, header, rows[:20])
    runner = CliRunner()
    first = runner.invoke(app, ["import", "transparence-sante", str(path), "--json"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert (json.loads(first.stdout)["created"], json.loads(first.stdout)["committed"]) == (20, True)
    again = runner.invoke(app, ["import", "transparence-sante", str(path)], catch_exceptions=False)
    assert again.exit_code == 0 and "unchanged 20" in again.output
    missing = runner.invoke(app, ["import", "transparence-sante", str(tmp_path / "none.csv")], catch_exceptions=False)
    assert missing.exit_code == 2 and "none.csv" in missing.output and "nothing was written" in missing.output


def test_placed_companies_are_at_their_commune(parsed):
    """The file gives an address but no coordinates: a company placed by the gazetteer sits at its
    commune's centre, an approximate position (precision "commune"), never "address"."""
    from bioatlas.atlas.service import site_precision

    placed = [c.record.sites[0] for c in parsed if c.record and c.record.sites[0].latitude is not None]
    assert placed and {site_precision(s) for s in placed} == {"commune"}
    assert any(s.address for s in placed)

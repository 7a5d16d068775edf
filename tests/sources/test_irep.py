"""The IREP connector on the real 2015 file: counts, reprojection, idempotent load, dry run, CLI,
and bad input (bad SIRET check digit, Lambert point outside France, unknown postcode, wrong layout,
wrong encoding, a personal-data column)."""

from __future__ import annotations

import csv
import json
from collections import Counter

import pytest
from pyproj import Transformer
from sqlalchemy import func, select
from typer.testing import CliRunner

from bioatlas.atlas.geocode import gazetteer
from bioatlas.atlas.models import Actor, Identifier, Site
from bioatlas.sources import irep
from bioatlas.sources.irep_load import import_irep

PHARMA = {"21.10Z", "21.20Z", "72.11Z"}


@pytest.fixture(scope="module")
def irep_file(shared):
    return shared / "data" / "irep" / "irep-etablissements-2015.csv"


@pytest.fixture(scope="module")
def parsed(irep_file):
    return list(irep.read(irep_file, gazetteer()))


@pytest.fixture(scope="module")
def raw_rows(irep_file):
    with irep_file.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        return next(reader), list(reader)


def _write(tmp_path, header, rows, name="irep.csv", encoding="utf-8"):
    path = tmp_path / name
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def _count(session, model=Actor):
    return session.scalar(select(func.count()).select_from(model))


def test_full_file_counts(parsed):
    assert len(parsed) == 10_167
    assert not [s.error for s in parsed if s.error]
    naf = Counter(s.naf_code for s in parsed)
    assert (naf["21.10Z"], naf["21.20Z"], naf["72.11Z"]) == (40, 70, 7)
    assert all(s.record.identifiers["siren"] == [s.record.identifiers["siret"][0][:9]] for s in parsed)
    # every address on one line (1,426 rows of the file hold line breaks)
    assert not any("\n" in (s.record.sites[0].address or "") for s in parsed)
    outside = [w for s in parsed for w in s.warnings if w.column == "Coordonnees_X"]
    # the overseas rows carry coordinates in other systems: not placed, each named
    assert len(outside) == 115 and sum(s.located for s in parsed) == 10_167 - 115
    assert all("outside France" in w.reason for w in outside)
    assert all(s.record.sites[0].latitude is None for s in parsed if not s.located)


def test_reprojection_lands_in_the_rows_commune(parsed):
    """FINORGA, Chasse-sur-Rhône (Isère): the reprojected point lies a few km from the gazetteer's
    commune centre, and pyproj's inverse gives back the file's metres."""
    finorga = next(s for s in parsed if s.irep_id == "061.02857")
    site = finorga.record.sites[0]
    assert site.commune_name == "Chasse sur Rhone" and site.departement == "38"
    place = gazetteer().geocode(postcode="38670", commune="Chasse-sur-Rhône")
    assert irep.km_between(site.latitude, site.longitude, place.latitude, place.longitude) < 3
    back = Transformer.from_crs("EPSG:4326", "EPSG:27572", always_xy=True).transform(site.longitude, site.latitude)
    assert abs(back[0] - 791782) < 1 and abs(back[1] - 2067570) < 1
    # every metropolitan row placed and matched to its commune is within the checked distance
    placed = [s for s in parsed if s.located and s.record.sites[0].commune_insee]
    assert len(placed) > 9_000


def test_load_naf_filter_idempotent_with_provenance(db, irep_file):
    first = import_irep(db, irep_file, naf=irep.naf_filter(["21.10Z,21.20Z", "7211Z"]))
    assert first.committed and (first.read, first.created, first.rejected) == (117, 117, 0)
    assert dict(first.by_naf) == {"21.20Z": 70, "21.10Z": 40, "72.11Z": 7}
    again = import_irep(db, irep_file, naf=PHARMA)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 117)
    with db() as session:
        assert _count(session) == 117
        actor = session.scalars(
            select(Actor).join(Identifier).where(Identifier.scheme == "irep", Identifier.value == "061.02857")).one()
        assert actor.kind == "company" and actor.naf_code == "21.10Z"
        ids = {(i.scheme, i.value, i.source.key) for i in actor.identifiers}
        assert ids == {("irep", "061.02857", "irep"), ("siret", "66201932200020", "irep"), ("siren", "662019322", "irep")}
        (site,) = actor.sites
        assert (site.role, site.address, site.commune_insee, site.source.key) == (
            "production", "Route de Givors - BP 9", "38087", "irep")
        assert site.source.licence == irep.LICENCE


def test_dry_run_counts_and_writes_nothing(db, irep_file):
    dry = import_irep(db, irep_file, naf={"21.20Z"}, dry_run=True)
    assert dry.dry_run and not dry.committed and dry.created == 70
    with db() as session:
        assert _count(session) == 0
    real = import_irep(db, irep_file, naf={"21.20Z"})
    assert real.committed and (real.created, real.located) == (dry.created, dry.located)


def test_bad_rows_named(db, tmp_path, raw_rows, parsed):
    header, rows = raw_rows
    col = {name: i for i, name in enumerate(header)}
    # real rows on one line each, placed at a known commune
    plain = [i for i, s in enumerate(parsed) if s.located and s.record.sites[0].commune_insee and "\n" not in rows[i][col["Adresse"]]]
    good, bad_siret, abroad, unknown_pc = ([*rows[i]] for i in plain[:4])
    bad_siret[col["Numero_SIRET"]] = bad_siret[col["Numero_SIRET"]][:-1] + str((int(bad_siret[col["Numero_SIRET"]][-1]) + 1) % 10)
    abroad[col["Coordonnees_X"]], abroad[col["Coordonnees_Y"]] = "4218338", "3586946"  # east of Cyprus once reprojected
    unknown_pc[col["Code_Postal"]] = "99999"
    path = _write(tmp_path, header, [good, bad_siret, abroad, unknown_pc])
    report = import_irep(db, path)
    assert report.committed and (report.read, report.created, report.rejected) == (4, 3, 1)
    (error,) = report.errors
    assert (error.file, error.line, error.column, error.value) == ("irep.csv", 3, "Numero_SIRET", bad_siret[col["Numero_SIRET"]])
    assert "check digit" in error.reason
    assert any("line 4, column 'Coordonnees_X'" in w and "outside France" in w for w in report.warnings)
    assert any("line 5, column 'Code_Postal'" in w and "99999" in w for w in report.warnings)
    with db() as session:
        sites = {s.actor.identifiers[0].value: s for s in session.scalars(select(Site))}
        far = sites[abroad[col["Identifiant"]]]
        assert far.latitude is None and far.commune_insee  # kept at its commune, not placed
        lost = sites[unknown_pc[col["Identifiant"]]]
        assert lost.commune_insee is None and lost.postcode == "99999" and lost.latitude is not None


def test_multiline_address_line_numbers(db, tmp_path, raw_rows):
    header, rows = raw_rows
    col = {name: i for i, name in enumerate(header)}
    multi = next(r for r in rows if "\n" in r[col["Adresse"]])
    broken = [*rows[0]]
    broken[col["Identifiant"]] = ""
    path = _write(tmp_path, header, [multi, broken])
    report = import_irep(db, path)
    (error,) = report.errors
    line_of_broken = 2 + multi[col["Adresse"]].count("\n") + 1  # the header, then the multi-line row
    assert (error.line, error.column) == (line_of_broken, "Identifiant")


def test_wrong_layout_and_encoding(db, tmp_path, raw_rows):
    header, rows = raw_rows
    semicolons = tmp_path / "semi.csv"
    semicolons.write_text(";".join(header) + "\n" + ";".join(rows[0]) + "\n", encoding="utf-8")
    with pytest.raises(irep.IrepFileError) as exc:
        import_irep(db, semicolons)
    assert "semi.csv" in str(exc.value) and "Identifiant" in str(exc.value) and "missing column" in str(exc.value)
    no_siret = _write(tmp_path, [h for h in header if h != "Numero_SIRET"],
                      [[v for h, v in zip(header, r) if h != "Numero_SIRET"] for r in rows[:2]], name="nosiret.csv")
    with pytest.raises(irep.IrepFileError) as exc:
        import_irep(db, no_siret)
    assert exc.value.field == "Numero_SIRET" and "nosiret.csv" in str(exc.value)
    accented = [r for r in rows if any(not c.isascii() for c in r)][:3]
    latin1 = _write(tmp_path, header, accented, name="latin1.csv", encoding="latin-1")
    with pytest.raises(irep.IrepFileError) as exc:
        import_irep(db, latin1)
    assert "latin1.csv" in str(exc.value) and "not UTF-8" in str(exc.value) and exc.value.line == 2
    with db() as session:
        assert _count(session) == 0
    with pytest.raises(irep.IrepFileError) as exc:
        irep.naf_filter(["21.10Z,pharma"])
    assert exc.value.field == "--naf" and exc.value.value == "pharma"


def test_personal_data_column_never_read(db, tmp_path, raw_rows):
    header, rows = raw_rows
    path = _write(tmp_path, [*header, "Nom_Contact", "Email_Contact"],
                  [[*rows[0], "Contact Person", "contact.person@example.org"]])
    report = import_irep(db, path)
    assert report.created == 1
    with db() as session:
        actor = session.scalars(select(Actor)).one()
        stored = json.dumps([actor.name, [n.value for n in actor.names], [i.value for i in actor.identifiers],
                             [(s.address, s.commune_name) for s in actor.sites]])
        assert "Contact Person" not in stored and "example.org" not in stored


@pytest.fixture
def run(monkeypatch, database_url, tmp_path, db):
    from bioatlas.cli import app

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BIOATLAS_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args), catch_exceptions=False)


def test_cli(run, db, irep_file):
    first = run("import", "irep", str(irep_file), "--naf", "72.11Z", "--json")
    assert first.exit_code == 0, first.output
    body = json.loads(first.stdout)
    assert (body["read"], body["created"], body["naf"], body["committed"]) == (7, 7, ["72.11Z"], True)
    again = run("import", "irep", str(irep_file), "--naf", "72.11Z")
    assert again.exit_code == 0 and "unchanged 7" in again.output
    bad = run("import", "irep", str(irep_file), "--naf", "biotech")
    assert bad.exit_code == 2 and "--naf" in bad.output and "nothing was written" in bad.output


def test_register_coordinates_are_the_sites_own(parsed):
    """IREP gives each establishment's own coordinates: a placed site is precise to its address;
    one left without coordinates has no precision."""
    from bioatlas.atlas.service import site_precision

    assert {site_precision(s.record.sites[0]) for s in parsed if s.located} == {"address"}
    assert {site_precision(s.record.sites[0]) for s in parsed if not s.located} == {None}

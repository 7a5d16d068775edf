"""The `bioatlas` command, run in-process on the test database."""

import json

import pytest
from typer.testing import CliRunner

from bioatlas.cli import app

GOOD = "Raison sociale;Nom;Type;CP;Ville;Technologies\n;Genopole;Cluster;91000;Évry-Courcouronnes;\n;CHU Dijon Bourgogne;CHU;21000;Dijon;\"CAR-T, AAV\"\n"


@pytest.fixture
def run(monkeypatch, database_url, tmp_path, db):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BIOATLAS_DATA_DIR", str(tmp_path))
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


def test_import_then_reimport(run, tmp_path):
    f = tmp_path / "acteurs.csv"
    f.write_text(GOOD, encoding="utf-8")
    first = run("import", "actors", str(f), "--json")
    assert first.exit_code == 0, first.output
    body = json.loads(first.stdout)
    assert (body["created"], body["rejected"]) == (2, 0)
    second = json.loads(run("import", "actors", str(f), "--json").stdout)
    assert (second["created"], second["unchanged"]) == (0, 2)


def test_bad_rows_exit_1_and_write_nothing(run, tmp_path):
    f = tmp_path / "acteurs.csv"
    f.write_text(GOOD + ";Région Île-de-France;Spaceship;93400;;\n", encoding="utf-8")
    r = run("import", "actors", str(f))
    assert r.exit_code == 1
    assert "line 4" in r.output.lower() or "│ 4" in r.output
    assert "nothing was written" in r.output
    export = run("export", "--format", "json")
    assert json.loads(export.stdout) == []


def test_unreadable_file_exit_2(run, tmp_path):
    f = tmp_path / "acteurs.xlsx"
    f.write_bytes(b"PK\x03\x04broken")
    r = run("import", "actors", str(f))
    assert r.exit_code == 2 and "acteurs.xlsx" in r.output


def test_export_filtered_view(run, tmp_path):
    f = tmp_path / "acteurs.csv"
    f.write_text(GOOD, encoding="utf-8")
    run("import", "actors", str(f))
    out = tmp_path / "idf.geojson"
    r = run("export", "--format", "geojson", "--region", "11", "--output", str(out))
    assert r.exit_code == 0
    feats = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert [ft["properties"]["name"] for ft in feats] == ["Genopole"]
    bad = run("export", "--kind", "spaceship")
    assert bad.exit_code == 2 and "kind" in bad.output


def test_settings_listed(run):
    r = run("settings")
    assert "DATABASE_URL" in r.stdout and "BIOATLAS_TILE_URL" in r.stdout

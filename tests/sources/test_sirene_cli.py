"""`bioatlas import sirene`: the command on synthetic files in the official layout."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bioatlas.atlas.models import Actor
from bioatlas.sources import sirene
from tests.sources.sirene_data import count




@pytest.fixture
def run(monkeypatch, database_url, tmp_path, db):
    from bioatlas.cli import app

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BIOATLAS_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args), catch_exceptions=False)


def test_cli_import_and_rerun(run, db, files):
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


def test_cli_filters_and_dry_run(run, db, files):
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

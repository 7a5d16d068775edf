"""`bioatlas import rome`, run in-process on the test database with the real files."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from bioatlas.cli import app
from bioatlas.occupations import service


@pytest.fixture
def run(monkeypatch, database_url, tmp_path, db):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BIOATLAS_DATA_DIR", str(tmp_path))
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(app, ["import", "rome", *map(str, args)], catch_exceptions=False)

    return invoke


def _summary(db) -> dict:
    with db() as s:
        return service.summary(s)


def test_import_dry_run_then_real_then_again(run, db, rome_files):
    args = ("--occupations", rome_files.occupations, "--titles", rome_files.titles)
    dry = run(*args, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "dry run" in dry.output and "13,120" in dry.output
    assert _summary(db)["occupations"] == 0

    first = run(*args, "--json")
    assert first.exit_code == 0, first.output
    body = json.loads(first.stdout)
    assert body["committed"] and body["source"] == "rome:v460"
    assert (body["occupations"]["created"], body["titles"]["created"]) == (1584, 13120)
    assert body["occupations"]["bioproduction"] == _summary(db)["bioproduction_occupations"] > 0

    again = run(*args)
    assert again.exit_code == 0, again.output
    assert "unchanged" in again.output and "bioproduction" in again.output
    assert _summary(db)["titles"] == 13120


def test_wrong_order_exits_2(run, db, rome_files):
    r = run("--occupations", rome_files.titles, "--titles", rome_files.occupations)
    assert r.exit_code == 2
    assert "missing column" in r.output and rome_files.titles.name in r.output.replace("\n", "")
    assert _summary(db)["occupations"] == 0


def test_rejected_rows_exit_1_and_write_nothing(run, db, rome_files, tmp_path):
    titles = tmp_path / rome_files.titles.name
    shutil.copy(rome_files.titles, titles)
    titles.write_text(titles.read_text(encoding="utf-8") + '"99999","Orphan title","Orphan","Z0000"\n', encoding="utf-8")
    r = run("--occupations", rome_files.occupations, "--titles", titles)
    assert r.exit_code == 1
    assert "rejected rows" in r.output and "nothing was written" in r.output
    assert _summary(db)["occupations"] == 0

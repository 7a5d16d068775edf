"""`bioatlas observatory load | compute` through a Typer app that registers the group."""

from __future__ import annotations

import typer
from rich.console import Console
from typer.testing import CliRunner

from bioatlas.observatory.cli import register


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("noop")(lambda: None)
    register(app, Console(stderr=True))
    return app


def test_load_and_compute(db, database_url, monkeypatch):
    monkeypatch.setenv("BIOATLAS_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    first = runner.invoke(_app(), ["observatory", "load"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(_app(), ["observatory", "load"])
    assert second.exit_code == 0 and "unchanged" in second.output
    out = runner.invoke(_app(), ["observatory", "compute", "--at", "2026-04-01"])
    assert out.exit_code == 0, out.output
    assert "no manufacturing links recorded yet" in out.output
    bad = runner.invoke(_app(), ["observatory", "compute", "--at", "yesterday"])
    assert bad.exit_code == 2

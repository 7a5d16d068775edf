"""`bioatlas serve --renderers auto` (the default): renderers by the atlas's size
(web/renderers.py `how_many`), a number kept as asked, a wrong value refused by name."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bioatlas.atlas.models import Actor
from bioatlas.cli import app as cli
from bioatlas.web import renderers
from bioatlas.web.renderers import AUTO_ACTORS, how_many


def test_auto_starts_one_renderer_per_worker_from_the_measured_size():
    assert how_many("auto", workers=2, actors=lambda: AUTO_ACTORS - 1) == 0  # the demo's size: none
    assert how_many("auto", workers=2, actors=lambda: AUTO_ACTORS) == 2
    assert how_many(None, workers=4, actors=lambda: 1_000_000) == 4  # unset is auto


def test_a_number_asked_is_kept_and_one_worker_has_none():
    def never() -> int:
        raise AssertionError("counted the actors although a number was asked")

    assert how_many(3, workers=2, actors=never) == 3
    assert how_many("0", workers=2, actors=never) == 0
    assert how_many("auto", workers=1, actors=never) == 0
    assert how_many(2, workers=1, actors=never) == 0


@pytest.fixture
def serve(monkeypatch, database_url, tmp_path, db):
    """`bioatlas serve` in process, up to the server's start: the renderers it would start."""
    import bioatlas.app
    from bioatlas.core import index_files

    started: list[int] = []
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BIOATLAS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BIOATLAS_ENVIRONMENT", "test")
    monkeypatch.delenv("BIOATLAS_RENDERERS", raising=False)
    monkeypatch.setattr(index_files, "enable", lambda *a, **kw: None)  # no index files in this process
    monkeypatch.setattr(bioatlas.app, "run_server", lambda app, **kw: started.append(kw["renderers"]))
    monkeypatch.setattr(renderers, "AUTO_ACTORS", 2)  # this test's atlas is "large" from 2 active actors

    def run(*args: str) -> tuple[int, list[int], str]:
        started.clear()
        result = CliRunner().invoke(cli, ["serve", "--workers", "2", *args], catch_exceptions=False,
                                   env={"COLUMNS": "300"})
        return result.exit_code, list(started), result.output

    return run


def test_serve_counts_the_active_actors_by_default(serve, db):
    with db.begin() as s:
        s.add_all([Actor(name="Genopole", name_key="genopole", kind="cluster", status="active"),
                   Actor(name="Ancien", name_key="ancien", kind="company", status="closed")])
    assert serve()[:2] == (0, [0])  # one active actor: below the threshold
    with db.begin() as s:
        s.add(Actor(name="Cellectis", name_key="cellectis", kind="company", status="active"))
    assert serve()[:2] == (0, [2])
    assert serve("--renderers", "auto")[:2] == (0, [2])
    assert serve("--renderers", "0")[:2] == (0, [0])
    code, started, output = serve("--renderers", "lots")
    assert code == 2 and started == [] and "--renderers" in output and "nor auto" in output

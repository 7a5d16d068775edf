"""`bioatlas serve` asks the kernel to read the atlas's files into memory before its port opens
(cli.read_in_atlas, core/page_cache.py): the SQLite file, its index files, its Tantivy index."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bioatlas.cli import app as cli
from bioatlas.core import index_files, page_cache


def test_serve_reads_in_the_database_its_index_files_and_its_tantivy_index(monkeypatch, database_url, tmp_path, db):
    import bioatlas.app

    asked: list[list] = []
    real = page_cache.read_in

    def recorded(paths, **kw):
        paths = list(paths)
        asked.append(paths)
        return real(paths, **kw)

    monkeypatch.setattr(page_cache, "read_in", recorded)
    monkeypatch.setattr(index_files, "_enabled", index_files._enabled)  # `serve` enables them: put back after
    monkeypatch.setattr(index_files, "_root", index_files._root)
    monkeypatch.setattr(bioatlas.app, "run_server", lambda app, **kw: None)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BIOATLAS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BIOATLAS_ENVIRONMENT", "test")
    monkeypatch.setenv("BIOATLAS_RENDERERS", "0")

    result = CliRunner().invoke(cli, ["serve", "--workers", "2"], catch_exceptions=False, env={"COLUMNS": "300"})

    assert result.exit_code == 0, result.output
    assert len(asked) == 1
    if database_url.startswith("sqlite"):
        database = Path(database_url.removeprefix("sqlite:///"))
        assert asked[0] == [database, database.resolve().parent / (database.name + ".indexes"),
                            database.resolve().with_name(database.name + ".tantivy")]
        assert "reading the atlas's files into memory" in result.output
    else:  # no file of its own; its index files under the data directory
        assert asked[0][0] is None and asked[0][2] is None
        assert asked[0][1].parent == tmp_path / "indexes"

"""`bioatlas search reindex` and `bioatlas search query`, in-process on the test database."""

from typer.testing import CliRunner

from bioatlas.cli import app


def test_reindex_and_query(monkeypatch, database_url, tmp_path, eco):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BIOATLAS_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    out = runner.invoke(app, ["search", "reindex"], catch_exceptions=False)
    assert out.exit_code == 0 and "indexed 7 actors" in out.output
    out = runner.invoke(app, ["search", "query", "celectis", "--mode", "fulltext"], catch_exceptions=False)
    assert out.exit_code == 0 and "Cellectis" in out.output and "celectis → cellectis" in out.output
    out = runner.invoke(app, ["search", "query", "genopole", "--kind", "spaceship"], catch_exceptions=False)
    assert out.exit_code == 2 and "kind" in out.output

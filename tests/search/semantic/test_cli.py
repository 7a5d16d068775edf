"""`bioatlas search embed` on the test database."""

from sqlalchemy import func, select
from typer.testing import CliRunner

from bioatlas.cli import app
from bioatlas.search.semantic.models import ActorEmbedding
from tests.search.semantic import realdata


def test_embed_command(monkeypatch, database_url, tmp_path, db):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BIOATLAS_DATA_DIR", str(tmp_path))
    with db() as s:
        ids = realdata.load(s)
        s.execute(ActorEmbedding.__table__.delete())
        s.commit()
    runner = CliRunner()
    first = runner.invoke(app, ["search", "embed"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert f"{len(ids)} actors encoded, 0 unchanged" in first.output
    with db() as s:
        assert s.scalar(select(func.count()).select_from(ActorEmbedding)) == len(ids)
    second = runner.invoke(app, ["search", "embed", "--all"], catch_exceptions=False)
    assert f"0 actors encoded, {len(ids)} unchanged" in second.output
    bad = runner.invoke(app, ["search", "embed", "--batch", "0"])
    assert bad.exit_code == 2 and "batch" in bad.output

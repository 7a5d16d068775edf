"""`bioatlas match` and `bioatlas duplicates` through a Typer app that registers them."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from typer.testing import CliRunner

from bioatlas.atlas.records import ActorRecord, SiteRecord, SourceRecord
from bioatlas.atlas.writer import get_or_create_source, upsert_actor
from bioatlas.core.db import transaction
from bioatlas.resolve.cli import register

from .conftest import ror


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("noop")(lambda: None)
    register(app, Console(stderr=True))
    return app


def _env(monkeypatch, database_url):
    monkeypatch.setenv("BIOATLAS_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")


def test_match_reads_lines_and_jsonl_and_writes_jsonl(registry, database_url, monkeypatch, tmp_path):
    _env(monkeypatch, database_url)
    src = tmp_path / "mentions.txt"
    src.write_text(
        "Genethon (Evry)\n"
        + json.dumps({"affiliation": "Department of Cell Biology, Johns Hopkins University"}) + "\n"
        + "\n" + "!!!\n" + "{not json\n" + json.dumps({"name": "no affiliation"}) + "\n" + "z" * 10_000 + "\n"
        + "Inserm\x00U1234\x1b, Paris\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(_app(), ["match", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 8
    assert lines[0]["chosen"] == [ror("03fj96t64")] and lines[0]["candidates"][0]["id"] == ror("03fj96t64")
    assert lines[1]["chosen"] == [ror("00za53h95")]
    assert [line["chosen"] for line in lines[2:7]] == [[], [], [], [], []]
    assert lines[4]["error"].startswith("line 5: not valid JSON")
    assert "line 6" in lines[5]["error"]
    assert lines[7]["chosen"] == [ror("02vjkv261")]
    assert "2 line(s) could not be read" in result.output


def test_match_from_stdin_and_missing_file(registry, database_url, monkeypatch):
    _env(monkeypatch, database_url)
    result = CliRunner().invoke(_app(), ["match", "-"], input="中国科学院\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[-1])["chosen"] == [ror("034t30j35")]
    missing = CliRunner().invoke(_app(), ["match", "/nonexistent/file.txt"])
    assert missing.exit_code == 1 and "no such file" in missing.output


def test_duplicates_find_merge_queue_unmerge(registry, database_url, monkeypatch):
    _env(monkeypatch, database_url)
    with transaction(registry) as session:
        source = get_or_create_source(session, SourceRecord(key="article:cli", title="article", kind="article"))
        upsert_actor(session, ActorRecord(name="GÉNÉTHON", kind="foundation", sites=[SiteRecord(commune_name="Évry-Courcouronnes", latitude=48.62, longitude=2.44)]),
                     source=source, match_by_name=False)
    runner = CliRunner()
    found = runner.invoke(_app(), ["duplicates", "find"])
    assert found.exit_code == 0, found.output
    assert "1 merged" in found.output
    queue = runner.invoke(_app(), ["duplicates", "queue"])
    assert queue.exit_code == 0
    undo = runner.invoke(_app(), ["duplicates", "unmerge", "1"])
    assert undo.exit_code == 0 and "restored" in undo.output, undo.output
    again = runner.invoke(_app(), ["duplicates", "unmerge", "1"])
    assert again.exit_code == 1 and "already undone" in again.output
    bad = runner.invoke(_app(), ["duplicates", "merge", "999"])
    assert bad.exit_code == 1 and "no pair with id 999" in bad.output
    neither = runner.invoke(_app(), ["duplicates", "merge"])
    assert neither.exit_code == 2
    self_merge = runner.invoke(_app(), ["duplicates", "merge", "--keep", "1", "--drop", "1"])
    assert self_merge.exit_code == 1 and "itself" in self_merge.output

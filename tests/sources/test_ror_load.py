"""The ROR connector on real records: filters, archives, bad files, idempotent refresh with history."""

import gzip
import json
import zipfile

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bioatlas.atlas.history import history
from bioatlas.atlas.models import Actor, Identifier, Relation
from bioatlas.demo.files import ROR_FILE
from bioatlas.sources import ror
from bioatlas.sources.ror_load import load

N = 300


@pytest.fixture(scope="module")
def lines():
    with gzip.open(ROR_FILE, "rt", encoding="utf-8") as fh:
        return [next(fh) for _ in range(N)]


def _jsonl_gz(tmp_path, lines, name="dump.jsonl.gz"):
    path = tmp_path / name
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.writelines(lines)
    return path


def _count(session):
    return session.scalar(select(func.count()).select_from(Actor))


def test_full_shared_dump_reads_both_schemas(shared):
    counts = {"v1": 0, "v2": 0, "FR": 0}
    for rec in ror.read_dump(shared / "data" / "ror" / "ror-records.jsonl.gz"):
        counts["v2" if "names" in rec else "v1"] += 1
        counts["FR"] += "FR" in ror.parse(rec).countries  # any location in France
    assert counts["v1"] + counts["v2"] == 51_370 and counts["v2"] == 35_990
    assert counts["FR"] == 4_605


def test_load_filters_and_is_idempotent(session, tmp_path, lines):
    path = _jsonl_gz(tmp_path, lines)
    report = load(session, path, countries={"FR"}, types={"facility"})
    facilities = sum(1 for line in lines if "facility" in ror.parse(json.loads(line)).types)
    assert report.read == N and report.kept == facilities == report.created
    assert _count(session) == facilities
    again = load(session, path, countries={"FR"}, types={"facility"})
    assert (again.created, again.updated, again.unchanged, again.relations) == (0, 0, facilities, 0)


def test_parent_links_across_imports(session, tmp_path, lines):
    path = _jsonl_gz(tmp_path, lines)
    load(session, path)
    n_links = session.scalar(select(func.count()).select_from(Relation).where(Relation.relation == "part_of"))
    with_known_parent = 0
    ids = {json.loads(line)["id"] for line in lines}
    for line in lines:
        with_known_parent += len([p for p in ror.parse(json.loads(line)).parents if p in ids])
    assert n_links == with_known_parent > 0


def test_newer_dump_updates_only_what_changed(session, tmp_path, lines):
    load(session, _jsonl_gz(tmp_path, lines))
    # simulate the next dump: one real record gains an alias (test edit of a real record)
    rec = json.loads(lines[0])
    if "names" in rec:
        rec["names"].append({"lang": None, "types": ["alias"], "value": "Alias added by the next dump"})
    else:
        rec["aliases"].append("Alias added by the next dump")
    newer = lines[:]
    newer[0] = json.dumps(rec) + "\n"
    report = load(session, _jsonl_gz(tmp_path, newer, "newer.jsonl.gz"))
    assert (report.created, report.updated, report.unchanged) == (0, 1, N - 1)
    actor_id = session.scalar(select(Identifier.actor_id).where(Identifier.value == rec["id"]))
    change = history(session, actor_id=actor_id)[0]
    assert change.field == "names" and "Alias added by the next dump" in change.new_value


def test_zip_archive_as_published(session, tmp_path, lines):
    path = tmp_path / "v1.99-ror-data.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("v1.99-ror-data_schema_v2.json", "[" + ",".join(lines[:20]) + "]")
        zf.writestr("v1.99-ror-data.csv", "id,name\n")
    assert load(session, path).created == 20


@pytest.mark.parametrize("make, message", [
    (lambda p, lines: p.write_bytes(gzip.compress("".join(lines).encode())[:5000]), "unreadable"),
    (lambda p, lines: p.write_bytes(b"PK\x03\x04 not really a zip"), "unreadable"),
    (lambda p, lines: p.write_text('{"id": "Q90", "label": "Paris"}\n', encoding="utf-8"), "not a ROR record"),
    (lambda p, lines: p.write_text(lines[0] + "{broken\n", encoding="utf-8"), "line 2: not valid JSON"),
])
def test_bad_files_fail_before_writing(session, tmp_path, lines, make, message):
    path = tmp_path / "bad.jsonl.gz"
    make(path, lines)
    if path.read_bytes()[:2] == b"PK":
        path = path.rename(tmp_path / "bad.zip")
    elif path.read_bytes()[:2] != b"\x1f\x8b":
        path = path.rename(tmp_path / "bad.jsonl")
    with pytest.raises(ror.RorFileError, match=message):
        load(session, path)
    assert _count(session) == 0


def test_cli(monkeypatch, database_url, tmp_path, db, lines):
    from bioatlas.cli import app

    monkeypatch.setenv("DATABASE_URL", database_url)
    path = _jsonl_gz(tmp_path, lines[:50])
    r = CliRunner().invoke(app, ["import", "ror", str(path), "--country", "FR", "--file-date", "2025-08-07", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["created"] == 50
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04")
    r = CliRunner().invoke(app, ["import", "ror", str(bad)])
    assert r.exit_code == 2 and "nothing was written" in r.output

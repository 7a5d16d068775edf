"""Every `bioatlas import <source> FILE` refuses a file it cannot read (missing, not UTF-8, empty)
with exit status 2 and a message naming the file (and its line when known), in the operator's
words, never a traceback. Before: `import sirene` of a missing file ended in a FileNotFoundError
traceback (exit 1); `import ror` of an empty file loaded nothing and exited 0, and said "unreadable
ROR dump (FileNotFoundError: [Errno 2] …)" / "(UnicodeDecodeError: 'utf-8' codec can't decode…)";
`import sirene` of a file not in UTF-8 quoted the codec."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

SOURCES = ("actors", "ilab", "irep", "rnsr", "ror", "sirene", "transparence-sante")
# what the operator reads: (file, its words)
FILES = {"missing.csv": r"cannot read the file \(No such file or directory\)",
         "latin1.csv": r"UTF-8.{0,8}byte 0xe9",  # its header in Latin-1 (no line for ROR's JSON stream)
         "empty.csv": r"empty file"}


@pytest.fixture
def run(monkeypatch, database_url, tmp_path, db):
    from bioatlas.cli import app

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BIOATLAS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "300")  # one line per message (Rich wraps at the terminal's width)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def test_an_unreadable_file_is_named_with_its_reason(run, tmp_path):
    (tmp_path / "latin1.csv").write_bytes("Dénomination;Ville\nSociété;Évry\n".encode("latin-1"))
    (tmp_path / "empty.csv").write_bytes(b"")
    wrong = []
    for source in SOURCES:
        for name, words in FILES.items():
            r = run("import", source, str(tmp_path / name))
            if r.exit_code != 2 or r.exception and not isinstance(r.exception, SystemExit) \
                    or name not in r.output or not re.search(words, r.output):
                wrong.append((source, name, r.exit_code, repr(r.exception), r.output[-300:]))
    assert wrong == [], "\n".join(map(str, wrong))


def test_a_missing_ema_report_is_named_as_missing(run, tmp_path):
    """The EMA list is an .xlsx: a missing one said "not a readable XLSX file, corrupt or
    truncated ([Errno 2] No such file…)"."""
    r = run("import", "ema", str(tmp_path / "missing.xlsx"))
    assert r.exit_code == 2 and re.search(r"missing\.xlsx: cannot read the file \(No such file or directory\)", r.output), r.output

"""The one import report, the one error base and the one dry-run path every connector shares."""

import dataclasses
import gzip

import pytest
from sqlalchemy import func, select

from bioatlas.demo.files import ROR_FILE
from bioatlas.atlas.importer.errors import ImportFileError
from bioatlas.atlas.importer.run import ActorImportReport
from bioatlas.atlas.models import Actor, Source
from bioatlas.core.errors import FileError
from bioatlas.core.reports import ImportReport, Rollback, RowError, write_or_rollback
from bioatlas.occupations.service import LoadReport
from bioatlas.products.service import EmaImportReport
from bioatlas.sources.ema import EmaFileError
from bioatlas.sources.rome import RomeFileError
from bioatlas.sources.ror import RorFileError
from bioatlas.sources.ror_load import RorReport, import_ror
from bioatlas.sources.sirene import SireneError, SireneReport


def _sources(db) -> int:
    with db() as s:
        return s.scalar(select(func.count()).select_from(Source))


def _add_source(key):
    def write(session):
        session.add(Source(key=key, title=key, kind="file"))
        session.flush()
    return write


def test_every_connector_report_is_the_shared_report():
    for cls in (ActorImportReport, EmaImportReport, LoadReport, RorReport, SireneReport):
        assert issubclass(cls, ImportReport), cls
        names = {f.name for f in dataclasses.fields(cls)}
        assert {"file", "read", "created", "updated", "unchanged", "rejected", "warnings", "errors",
                "dry_run", "committed"} <= names, cls


def test_every_connector_error_is_a_file_error():
    for cls in (ImportFileError, EmaFileError, RomeFileError, RorFileError, SireneError):
        assert issubclass(cls, FileError), cls


def test_file_error_names_file_line_field_and_value():
    exc = FileError("data/acteurs.csv", "not a date", line=12, field="Créé le", value="31/02/2020")
    assert str(exc) == "data/acteurs.csv, line 12, column 'Créé le': not a date"
    assert exc.as_dict() == {"file": "data/acteurs.csv", "line": 12, "field": "Créé le", "value": "31/02/2020",
                             "reason": "not a date"}
    assert str(FileError("a.csv", "empty")) == "a.csv: empty"
    assert str(SireneError(None, "expected YYYY-MM-DD", field="--file-date", value="2024-13")) == \
        "--file-date '2024-13': expected YYYY-MM-DD"


def test_row_error_text_and_dict():
    error = RowError(4, "Code postal", "99999", "unknown postcode", file="acteurs.csv")
    assert str(error) == "acteurs.csv, line 4, column 'Code postal' ('99999'): unknown postcode"
    assert error.field == "Code postal"
    assert error.as_dict() == {"line": 4, "column": "Code postal", "value": "99999", "reason": "unknown postcode",
                               "file": "acteurs.csv"}
    assert "file" not in RowError(4, None, None, "empty row").as_dict()  # one file: not repeated


def test_report_counts_and_dict():
    report = ImportReport(file="x.csv", read=3)
    report.count("created")
    report.count("unchanged", 2)
    report.reject(RowError(5, "Nom", None, "the name is required"))
    assert (report.created, report.updated, report.unchanged, report.rejected, report.ok) == (1, 0, 2, 1, False)
    body = report.as_dict()
    assert body["errors"] == [{"line": 5, "column": "Nom", "value": None, "reason": "the name is required"}]
    assert (body["read"], body["rejected"], body["committed"]) == (3, 1, False)
    with pytest.raises(ValueError, match="unknown outcome 'deleted'"):
        report.count("deleted")
    with pytest.raises(ValueError, match="unknown outcome 'dry_run'"):
        report.count("dry_run")


def test_write_or_rollback_commits(db):
    report = write_or_rollback(db, ImportReport(file="a"), _add_source("test:a"))
    assert report.committed and _sources(db) == 1


def test_dry_run_writes_nothing(db):
    report = write_or_rollback(db, ImportReport(file="a", dry_run=True), _add_source("test:a"))
    assert not report.committed and _sources(db) == 0


def test_writer_rollback_writes_nothing(db):
    def write(session):
        _add_source("test:a")(session)
        raise Rollback

    report = write_or_rollback(db, ImportReport(file="a"), write)
    assert not report.committed and _sources(db) == 0


def test_an_error_rolls_back_and_propagates(db):
    def write(session):
        _add_source("test:a")(session)
        raise FileError("a.csv", "the database refused this row", line=3)

    with pytest.raises(FileError, match="a.csv, line 3"):
        write_or_rollback(db, ImportReport(file="a"), write)
    assert _sources(db) == 0


def test_ror_dry_run_counts_what_the_real_run_writes(db, tmp_path):
    path = tmp_path / "dump.jsonl.gz"
    with gzip.open(ROR_FILE, "rt", encoding="utf-8") as src, gzip.open(path, "wt", encoding="utf-8") as out:
        out.writelines(next(src) for _ in range(40))
    dry = import_ror(db, path, dry_run=True)
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Actor)) == 0
    real = import_ror(db, path)
    assert (dry.dry_run, dry.committed, real.committed) == (True, False, True)
    assert (dry.read, dry.kept, dry.created, dry.rejected) == (real.read, real.kept, real.created, real.rejected)
    assert real.created == real.kept == 40
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Actor)) == 40
    again = import_ror(db, path)
    assert (again.created, again.unchanged) == (0, 40)

"""Fixtures of the products tests: the real EMA lists (parsed once per session) and real ROR
records of the demo subset, loaded through the same code as `bioatlas import ema` and the demo."""

from __future__ import annotations

import gzip
import json

import pytest

from bioatlas.demo.files import ROR_FILE
from bioatlas.atlas.writer import get_or_create_source, upsert_actor
from bioatlas.products.service import EmaImportReport, upsert_report
from bioatlas.sources import ema, ror
from bioatlas.sources.ror_load import ror_source

LIST_2026 = "medicines-output-medicines-report_en-2026-01-29.xlsx"
LIST_2018 = "epar-2020-Medicines_output_european_public_assessment_reports.xlsx"  # generated 23/12/2018


@pytest.fixture(scope="session")
def ema_dir(shared):
    return shared / "data" / "ema"


@pytest.fixture(scope="session")
def path_2026(ema_dir):
    return ema_dir / LIST_2026


@pytest.fixture(scope="session")
def path_2018(ema_dir):
    return ema_dir / LIST_2018


@pytest.fixture(scope="session")
def report_2026(path_2026) -> ema.EmaList:
    return ema.read_report(path_2026)


@pytest.fixture(scope="session")
def report_2018(path_2018) -> ema.EmaList:
    return ema.read_report(path_2018)


@pytest.fixture
def load(db):
    """load(report) -> EmaImportReport: upsert a parsed list and commit, as `bioatlas import ema` does."""

    def _load(report: ema.EmaList) -> EmaImportReport:
        result = EmaImportReport(file=str(report.path), report_date=report.report_date)
        with db() as session:
            upsert_report(session, report=report, result=result)
            session.commit()
        return result

    return _load


def row_of(report: ema.EmaList, name: str) -> ema.EmaRow:
    rows = [r for r in report.rows if r.name == name]
    assert len(rows) == 1, f"{name!r}: {len(rows)} rows"
    return rows[0]


@pytest.fixture(scope="session")
def ror_records():
    with gzip.open(ROR_FILE, "rt", encoding="utf-8") as fh:
        return {r["id"]: r for r in map(json.loads, fh)}


@pytest.fixture
def load_ror(db, ror_records):
    """load_ror(*ror_ids) -> {ror id: actor id}: real ROR records of the demo subset, as the demo loads them."""

    def _load(*ids: str) -> dict[str, int]:
        out = {}
        with db() as session:
            source = get_or_create_source(session, ror_source())
            for rid in ids:
                record = ror.to_actor_record(ror.parse(ror_records[rid]))
                out[rid] = upsert_actor(session, record, source=source, match_by_name=False, schemes=("ror",)).actor_id
            session.commit()
        return out

    return _load


@pytest.fixture(scope="session")
def rows_2026(path_2026) -> list[list]:
    """The cells of the real 2026 workbook (preamble, header on row 9, data), trailing empty cells dropped."""
    import openpyxl

    wb = openpyxl.load_workbook(path_2026, read_only=True)
    out = []
    for values in wb.worksheets[0].iter_rows(values_only=True, max_col=60):
        row = list(values)
        while row and row[-1] is None:
            row.pop()
        out.append(row)
    wb.close()
    return out


def write_xlsx(path, rows: list[list]):
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Medicine")
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path

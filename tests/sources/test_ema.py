"""Reading the EMA lists of medicines: both real column sets, and files that are not usable."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from bioatlas.sources import ema

LIST_2026 = "medicines-output-medicines-report_en-2026-01-29.xlsx"
LIST_2018 = "epar-2020-Medicines_output_european_public_assessment_reports.xlsx"


@pytest.fixture(scope="module")
def path_2026(shared) -> Path:
    return shared / "data" / "ema" / LIST_2026


@pytest.fixture(scope="module")
def path_2018(shared) -> Path:
    return shared / "data" / "ema" / LIST_2018


@pytest.fixture(scope="module")
def report_2026(path_2026):
    return ema.read_report(path_2026)


@pytest.fixture(scope="module")
def report_2018(path_2018):
    return ema.read_report(path_2018)


def _row(report, name):
    rows = [r for r in report.rows if r.name == name]
    assert len(rows) == 1
    return rows[0]


def real_rows(path: Path, limit: int | None = None) -> list[list]:
    """The cells of the real workbook (preamble, header and data rows), trailing empty cells dropped."""
    wb = openpyxl.load_workbook(path, read_only=True)
    out = []
    for values in wb.worksheets[0].iter_rows(values_only=True, max_col=60):
        row = list(values)
        while row and row[-1] is None:
            row.pop()
        out.append(row)
        if limit and len(out) >= limit:
            break
    wb.close()
    return out


def write_xlsx(path: Path, rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Medicine"
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


# -- the real lists ------------------------------------------------------------------------
def test_2026_list_counts_and_metadata(report_2026):
    r = report_2026
    assert r.report_date == date(2026, 1, 29)
    assert r.column_set == "medicines" and r.header_line == 9
    assert r.read == 2650 and len(r.rows) == 2650 and r.rejected == []
    categories = [row.category for row in r.rows]
    assert categories.count("human") == 2271 and categories.count("veterinary") == 379
    assert len({row.product_number for row in r.rows}) == 2650
    assert r.columns["inn"] == "International non-proprietary name (INN) / common name"
    assert r.columns["advanced_therapy"] == "Advanced therapy"


def test_2018_list_counts_and_older_column_set(report_2018):
    r = report_2018
    # the file is named "2020" but the EMA generated it on 23/12/2018 (its first line says so)
    assert r.report_date == date(2018, 12, 23)
    assert r.column_set == "epar" and r.header_line == 9
    assert r.read == 1562 and len(r.rows) == 1562 and r.rejected == []
    categories = [row.category for row in r.rows]
    assert categories.count("human") == 1334 and categories.count("veterinary") == 228
    assert "advanced_therapy" not in r.columns and "prime" not in r.columns
    assert r.columns["product_number"] == "Product number"
    assert r.columns["status"] == "Authorisation status"
    assert any("'Advanced therapy' column" in w for w in r.warnings)
    assert all(row.advanced_therapy is None and row.prime is None for row in r.rows)


def test_real_row_2018_simponi(report_2018):
    row = _row(report_2018, "Simponi")
    assert row.product_number == "EMEA/H/C/000992"
    assert (row.category, row.status) == ("human", "authorised")
    assert (row.inn, row.active_substance, row.atc_code) == ("golimumab", "Golimumab", "L04AB06")
    assert row.authorisation_date == date(2009, 10, 1) and row.decision_date == date(2018, 9, 6)
    assert row.mah_name == "Janssen Biologics B.V."
    assert row.biosimilar is False and row.orphan is False and row.generic is False
    assert row.url == "https://www.ema.europa.eu/en/medicines/human/EPAR/simponi"


def test_real_row_2026_heplisav(report_2026):
    row = _row(report_2026, "Heplisav B")
    assert row.product_number == "EMEA/H/C/005063"
    assert row.atc_code == "J07BC01" and row.inn == "hepatitis B surface antigen"
    assert row.authorisation_date == date(2021, 2, 18)
    assert row.decision_date == date(2025, 11, 17) and row.opinion_date == date(2020, 12, 10)
    assert row.mah_name == "Dynavax GmbH"
    assert row.advanced_therapy is False and row.prime is False


def test_withdrawal_and_statuses(report_2026):
    statuses = {row.status for row in report_2026.rows}
    assert statuses <= set(ema.STATUSES)
    assert {"authorised", "withdrawn", "application_withdrawn", "refused"} <= statuses
    withdrawn = [row for row in report_2026.rows if row.status == "withdrawn"]
    assert sum(1 for row in withdrawn if row.withdrawal_date) == 252  # measured on the 29/01/2026 list


def test_veterinary_rows_keep_their_category_and_atcvet(report_2018, report_2026):
    imrestor = _row(report_2018, "Imrestor")
    assert (imrestor.category, imrestor.product_number, imrestor.atc_code) == ("veterinary", "EMEA/V/C/002763", "QL03AA90")
    varenzin = _row(report_2026, "Varenzin")
    assert varenzin.category == "veterinary" and varenzin.product_number.startswith("EMEA/V/C/")


def test_product_number_missing_slash_is_repaired_with_warning(report_2026):
    row = _row(report_2026, "Hydrocortisone Aguettant")
    assert row.product_number == "EMEA/H/C/005201"
    assert any("EMEA/H/C005201" in w for w in report_2026.warnings)


# -- header tolerance ------------------------------------------------------------------------
def test_headers_found_by_text_whatever_case_spacing_and_order(tmp_path, path_2026):
    rows = real_rows(path_2026, limit=60)
    preamble, header, data = rows[:8], rows[8], rows[9:]
    order = list(reversed(range(len(header))))
    messy = [f"  {str(h).upper().replace(' ', '  ')} " for h in header]
    out = preamble + [[messy[i] for i in order]] + [[(r[i] if i < len(r) else None) for i in order] for r in data]
    report = ema.read_report(write_xlsx(tmp_path / "medicines-2026-01-29.xlsx", out))
    original = ema.read_report(write_xlsx(tmp_path / "copy-2026-01-29.xlsx", rows))
    assert report.report_date == date(2026, 1, 29)
    assert [(r.product_number, r.status, r.inn, r.authorisation_date) for r in report.rows] == [
        (r.product_number, r.status, r.inn, r.authorisation_date) for r in original.rows
    ]
    assert len(report.rows) == 51


def test_report_date_from_file_name_when_no_preamble(tmp_path, path_2026):
    rows = real_rows(path_2026, limit=20)[8:]
    report = ema.read_report(write_xlsx(tmp_path / "ema-medicines-2025-06-30.xlsx", rows))
    assert report.report_date == date(2025, 6, 30) and report.header_line == 1


def test_no_report_date_is_a_clear_error(tmp_path, path_2026):
    rows = real_rows(path_2026, limit=20)[8:]
    path = write_xlsx(tmp_path / "ema-medicines.xlsx", rows)
    with pytest.raises(ema.EmaFileError, match="date of the report") as exc:
        ema.read_report(path)
    assert "ema-medicines.xlsx" in str(exc.value)


# -- bad files -------------------------------------------------------------------------------
def test_missing_inn_column_names_file_and_column(tmp_path, path_2026):
    wb = openpyxl.load_workbook(path_2026)
    ws = wb.worksheets[0]
    column = next(c.column for c in ws[9] if c.value and str(c.value).startswith("International non-proprietary"))
    ws.delete_cols(column)
    path = tmp_path / "no-inn-2026-01-29.xlsx"
    wb.save(path)
    with pytest.raises(ema.EmaFileError) as exc:
        ema.read_report(path)
    message = str(exc.value)
    assert "no-inn-2026-01-29.xlsx" in message and "line 9" in message
    assert "required column(s) missing" in message
    assert "'International non-proprietary name (INN) / common name'" in message


def test_truncated_xlsx(tmp_path, path_2026):
    data = path_2026.read_bytes()
    path = tmp_path / LIST_2026
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ema.EmaFileError, match="not a readable XLSX file") as exc:
        ema.read_report(path)
    assert LIST_2026 in str(exc.value)


def test_csv_is_refused(tmp_path, path_2026):
    path = tmp_path / "medicines-2026-01-29.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(real_rows(path_2026, limit=30)[8:])
    with pytest.raises(ema.EmaFileError, match=r"not an EMA medicines report.*\.xlsx") as exc:
        ema.read_report(path)
    assert "medicines-2026-01-29.csv" in str(exc.value)


def test_csv_renamed_xlsx_is_refused(tmp_path, path_2026):
    path = tmp_path / "medicines-2026-01-29.xlsx"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(real_rows(path_2026, limit=30)[8:])
    with pytest.raises(ema.EmaFileError, match="not a readable XLSX file"):
        ema.read_report(path)


def test_workbook_of_something_else_is_not_an_ema_report(tmp_path):
    path = write_xlsx(tmp_path / "acteurs-2026-01-29.xlsx", [["Raison sociale", "Ville", "Code postal"]])
    with pytest.raises(ema.EmaFileError, match="not an EMA medicines report: no header row"):
        ema.read_report(path)


def test_header_without_rows(tmp_path, path_2026):
    path = write_xlsx(tmp_path / "empty-2026-01-29.xlsx", real_rows(path_2026, limit=9))
    with pytest.raises(ema.EmaFileError, match="no medicine rows"):
        ema.read_report(path)


def test_bad_cells_reject_their_row_only(tmp_path, path_2026):
    rows = real_rows(path_2026, limit=30)
    header = rows[8]
    date_col = header.index("Marketing authorisation date")
    flag_col = header.index("Biosimilar")
    cat_col = header.index("Category")
    rows[10][date_col] = "31/02/2021"
    rows[11][flag_col] = "maybe"
    rows[12][cat_col] = "Herbal"
    rows[13][header.index("EMA product number")] = rows[9][header.index("EMA product number")]
    report = ema.read_report(write_xlsx(tmp_path / "bad-2026-01-29.xlsx", rows))
    reasons = {(e.line, e.reason) for e in report.rejected}
    assert (11, "not a date (dd/mm/yyyy)") in reasons
    assert (12, "expected yes or no") in reasons
    assert (13, "category must be Human or Veterinary") in reasons
    assert any(line == 14 and "already on line 10" in reason for line, reason in reasons)
    assert len(report.rows) == 21 - 4 and report.read == 21


def test_source_record(report_2026, report_2018):
    s = ema.source_record(report_2026)
    assert s.key == "ema:medicines:2026-01-29" and s.kind == "open_data"
    assert s.title == "EMA – Medicines for human use: European public assessment reports (2026-01-29)"
    assert s.licence == "EMA: reuse with acknowledgement" and s.published == date(2026, 1, 29)
    assert ema.source_record(report_2018).published == date(2018, 12, 23)


# -- the command -----------------------------------------------------------------------------
@pytest.fixture
def run(monkeypatch, database_url, tmp_path, db):
    from typer.testing import CliRunner

    from bioatlas.cli import app

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BIOATLAS_DATA_DIR", str(tmp_path))

    def invoke(*args):
        return CliRunner().invoke(app, list(args), catch_exceptions=False)

    return invoke


def test_command_imports_then_reports_unchanged(run, path_2018):
    import json

    first = run("import", "ema", str(path_2018), "--json")
    assert first.exit_code == 0, first.output
    body = json.loads(first.stdout)
    assert (body["created"], body["rejected"], body["committed"]) == (1562, 0, True)
    assert body["report_date"] == "2018-12-23" and body["column_set"] == "epar"
    again = run("import", "ema", str(path_2018))
    assert again.exit_code == 0
    assert "created 0" in again.output and "unchanged 1562" in again.output
    assert "biologics by deciding rule" in again.output


def test_command_dry_run_and_bad_file(run, tmp_path, path_2018):
    import json

    dry = json.loads(run("import", "ema", str(path_2018), "--dry-run", "--json").stdout)
    assert dry["created"] == 1562 and dry["committed"] is False
    again = json.loads(run("import", "ema", str(path_2018), "--dry-run", "--json").stdout)
    assert again["created"] == 1562  # the dry run wrote nothing
    bad = tmp_path / "medicines.csv"
    bad.write_text("Category,Name of medicine\n", encoding="utf-8")
    r = run("import", "ema", str(bad))
    assert r.exit_code == 2 and "medicines.csv" in r.output and "nothing was written" in r.output

"""EMA lists of centrally authorised medicines ("Medicines output" / "EPAR" XLSX reports).

Only reading lives here: `read_report(path) -> EmaList` (file metadata + parsed rows, rejected
rows with their reasons), and `source_record(report)` for provenance. Two column sets are known:
the current "medicines report" (2024-, e.g. 29/01/2026: "EMA product number", "Medicine status",
"Advanced therapy", "PRIME"…) and the older "European public assessment reports" list (2018-2020:
"Product number", "Authorisation status", no "Advanced therapy" column). Columns are found by
their header text (case, accents, spacing and punctuation ignored), whatever their order.

Data: European Medicines Agency, reuse with acknowledgement (https://www.ema.europa.eu).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from xml.etree.ElementTree import ParseError

from bioatlas.atlas.service import SourceRecord
from bioatlas.core.errors import FileError
from bioatlas.core.reports import RowError
from bioatlas.core.text import fold

LICENCE = "EMA: reuse with acknowledgement"
URL = "https://www.ema.europa.eu/en/medicines/download-medicine-data"
HEADER_SEARCH_ROWS = 40
MAX_COLUMNS = 200  # the reports pad their rows to 1,024 empty cells
XLSX_SUFFIXES = (".xlsx", ".xlsm")
_XLSX_ERRORS = (zipfile.BadZipFile, zlib.error, KeyError, ValueError, EOFError, OSError, ParseError, TypeError)

# field -> header texts (folded) that name it, newest column set first.
COLUMNS: dict[str, tuple[str, ...]] = {
    "category": ("category",),
    "name": ("name of medicine", "medicine name"),
    "product_number": ("ema product number", "product number"),
    "status": ("medicine status", "authorisation status"),
    "inn": ("international non proprietary name inn common name", "inn common name", "international non proprietary name inn"),
    "active_substance": ("active substance",),
    "therapeutic_area": ("therapeutic area mesh", "therapeutic area"),
    "atc_human": ("atc code human", "atc code"),
    "atc_vet": ("atcvet code veterinary", "atcvet code"),
    "advanced_therapy": ("advanced therapy",),
    "biosimilar": ("biosimilar",),
    "orphan": ("orphan medicine",),
    "generic": ("generic or hybrid", "generic"),
    "conditional_approval": ("conditional approval",),
    "exceptional_circumstances": ("exceptional circumstances",),
    "accelerated_assessment": ("accelerated assessment",),
    "prime": ("prime priority medicine",),
    "mah_name": (
        "marketing authorisation developer applicant holder",
        "marketing authorisation holder company name",
        "marketing authorisation holder",
    ),
    "authorisation_date": ("marketing authorisation date",),
    "decision_date": ("european commission decision date", "decision date"),
    "opinion_date": ("opinion adopted date", "date of opinion"),
    "refusal_date": ("refusal of marketing authorisation date", "date of refusal of marketing authorisation"),
    "withdrawal_date": ("withdrawal expiry revocation lapse of marketing authorisation date",),
    "url": ("medicine url", "url"),
}
# The header text of each field as the current list writes it (for messages).
TITLES = {
    "category": "Category", "name": "Name of medicine", "product_number": "EMA product number",
    "status": "Medicine status", "inn": "International non-proprietary name (INN) / common name",
    "active_substance": "Active substance", "therapeutic_area": "Therapeutic area (MeSH)",
    "atc_human": "ATC code (human)", "atc_vet": "ATCvet code (veterinary)", "advanced_therapy": "Advanced therapy",
    "biosimilar": "Biosimilar", "orphan": "Orphan medicine", "generic": "Generic or hybrid",
    "conditional_approval": "Conditional approval", "exceptional_circumstances": "Exceptional circumstances",
    "accelerated_assessment": "Accelerated assessment", "prime": "PRIME: priority medicine",
    "mah_name": "Marketing authorisation developer / applicant / holder",
    "authorisation_date": "Marketing authorisation date", "decision_date": "European Commission decision date",
    "opinion_date": "Opinion adopted date", "refusal_date": "Refusal of marketing authorisation date",
    "withdrawal_date": "Withdrawal / expiry / revocation / lapse of marketing authorisation date",
    "url": "Medicine URL",
}
REQUIRED = (
    "category", "name", "product_number", "status", "inn", "active_substance", "biosimilar", "orphan",
    "mah_name", "authorisation_date",
)
FLAGS = (
    "advanced_therapy", "biosimilar", "orphan", "generic", "conditional_approval", "exceptional_circumstances",
    "accelerated_assessment", "prime",
)
DATES = ("authorisation_date", "decision_date", "opinion_date", "refusal_date", "withdrawal_date")
CATEGORIES = {"human": "human", "veterinary": "veterinary"}
# Status codes: the EMA wording folded, spaces as underscores ("Application withdrawn" -> application_withdrawn).
STATUSES = (
    "authorised", "withdrawn", "application_withdrawn", "refused", "lapsed", "opinion", "expired", "revoked",
    "suspended", "withdrawn_from_rolling_review", "opinion_under_re_examination",
)
PRODUCT_NUMBER = re.compile(r"^EMEA/[HV]/C/\d{4,6}$")
# A number typed without its last slash (EMEA/H/C005201, seen in the 29/01/2026 list) is repaired, with a warning.
_MISSING_SLASH = re.compile(r"^EMEA/([HV])/C(\d{4,6})$")
_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_FLAG = {"yes": True, "no": False, "y": True, "n": False, "true": True, "false": False}


class EmaFileError(FileError):
    """The file is not a readable EMA medicines report; the message names the file."""


@dataclass
class EmaRow:
    """One medicine as a row of the report states it (None: the report has no such column or the cell is empty)."""

    line: int
    product_number: str
    name: str
    category: str
    status: str
    inn: str | None = None
    active_substance: str | None = None
    therapeutic_area: str | None = None
    atc_code: str | None = None
    authorisation_date: date | None = None
    decision_date: date | None = None
    opinion_date: date | None = None
    refusal_date: date | None = None
    withdrawal_date: date | None = None
    advanced_therapy: bool | None = None
    biosimilar: bool | None = None
    orphan: bool | None = None
    generic: bool | None = None
    conditional_approval: bool | None = None
    exceptional_circumstances: bool | None = None
    accelerated_assessment: bool | None = None
    prime: bool | None = None
    mah_name: str | None = None
    url: str | None = None


@dataclass
class EmaList:
    """A parsed EMA list (what `read_report` returns): its rows, the rejected ones, warnings."""

    path: Path
    report_date: date
    column_set: str  # "medicines" (2024-) or "epar" (2018-2020)
    header_line: int
    columns: dict[str, str]  # field -> header text as written in the file
    rows: list[EmaRow] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def read(self) -> int:
        return len(self.rows) + len({e.line for e in self.rejected})


def source_record(report: EmaList) -> SourceRecord:
    """Provenance of a report: one source per report date."""
    day = report.report_date.isoformat()
    return SourceRecord(
        key=f"ema:medicines:{day}",
        title=f"EMA – Medicines for human use: European public assessment reports ({day})",
        kind="open_data",
        url=URL,
        licence=LICENCE,
        published=report.report_date,
    )


def read_report(path: Path | str) -> EmaList:
    """Read a whole report. Raises EmaFileError when the file is not an EMA report, is unreadable,
    or lacks a required column; rows with a bad cell are kept in `rejected` with their reason."""
    path = Path(path)
    if path.suffix.lower() not in XLSX_SUFFIXES:
        raise EmaFileError(
            path, f"not an EMA medicines report: expected the .xlsx file the EMA publishes, got {path.suffix or 'no extension'!r}"
        )
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError as exc:  # was "not a readable XLSX file, corrupt or truncated ([Errno 2] …)"
        raise EmaFileError(path, f"cannot read the file ({exc.strerror or exc})") from None
    except _XLSX_ERRORS + (openpyxl.utils.exceptions.InvalidFileException,) as exc:
        raise EmaFileError(path, f"not a readable XLSX file, corrupt or truncated ({exc})") from None
    try:
        if not wb.worksheets:
            raise EmaFileError(path, "the workbook has no worksheet")
        ws = wb.worksheets[0]
        line = 0
        try:
            rows = ws.iter_rows(values_only=True, max_col=MAX_COLUMNS)
            preamble: list[tuple] = []
            header: tuple | None = None
            for line, values in enumerate(rows, start=1):
                if _is_header(values):
                    header = values
                    break
                preamble.append(values)
                if line >= HEADER_SEARCH_ROWS:
                    break
            if header is None:
                raise EmaFileError(
                    path,
                    "not an EMA medicines report: no header row naming 'Category', 'Product number' and "
                    f"'Active substance' in the first {HEADER_SEARCH_ROWS} rows",
                )
            report = _start_report(path, line, header, preamble)
            index = _column_index(header)
            seen: dict[str, int] = {}
            first_row = line + 1
            for line, values in enumerate(rows, start=first_row):
                if not any(_text(v) for v in values):
                    continue
                _parse_row(report, index, line, values, seen)
        except _XLSX_ERRORS as exc:
            raise EmaFileError(path, f"corrupt XLSX content after row {line} ({exc})", line=line + 1) from None
    finally:
        wb.close()
    if not report.rows and not report.rejected:
        raise EmaFileError(path, f"the report has a header (line {report.header_line}) but no medicine rows")
    return report


def _is_header(values: tuple) -> bool:
    keys = {fold(_text(v)) for v in values if _text(v)}
    return "category" in keys and bool(keys & set(COLUMNS["product_number"])) and "active substance" in keys


def _column_index(header: tuple) -> dict[str, int]:
    by_key: dict[str, int] = {}
    for i, value in enumerate(header):
        key = fold(_text(value))
        if key and key not in by_key:
            by_key[key] = i
    index: dict[str, int] = {}
    for name, aliases in COLUMNS.items():
        for alias in aliases:
            if alias in by_key:
                index[name] = by_key[alias]
                break
    return index


def _start_report(path: Path, line: int, header: tuple, preamble: list[tuple]) -> EmaList:
    index = _column_index(header)
    missing = [name for name in REQUIRED if name not in index]
    if missing:
        wanted = "; ".join(repr(TITLES[name]) for name in missing)
        raise EmaFileError(
            path, f"required column(s) missing from the header: {wanted} (case, spacing and punctuation do not matter)",
            line=line,
        )
    report_date = _report_date(path, preamble)
    if report_date is None:
        raise EmaFileError(
            path,
            "cannot tell the date of the report: no 'generated on dd/mm/yyyy' line above the header and no "
            "YYYY-MM-DD date in the file name; rename the file with its date",
        )
    column_set = "medicines" if "EMA product number" in {_text(v) for v in header} or "advanced_therapy" in index else "epar"
    columns = {name: _text(header[i]).replace("\n", " ") for name, i in index.items()}
    report = EmaList(path=path, report_date=report_date, column_set=column_set, header_line=line, columns=columns)
    for name in ("advanced_therapy", "atc_human"):
        if name not in index:
            report.warnings.append(f"no {TITLES[name]!r} column in this column set: the field is left unknown")
    return report


def _report_date(path: Path, preamble: list[tuple]) -> date | None:
    """The date the EMA generated the report (first dd/mm/yyyy above the header), else a YYYY-MM-DD in the name."""
    for values in preamble:
        for v in values:
            if isinstance(v, datetime):
                return v.date()
            found = _DATE.search(_text(v))
            if found:
                parsed = _make_date(found)
                if parsed:
                    return parsed
    found = _ISO_DATE.search(path.name)
    if found:
        try:
            return date(int(found[1]), int(found[2]), int(found[3]))
        except ValueError:
            return None
    return None


def _make_date(m: re.Match) -> date | None:
    try:
        return date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        return None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _parse_row(report: EmaList, index: dict[str, int], line: int, values: tuple, seen: dict[str, int]) -> None:
    errors: list[RowError] = []

    def cell(name: str) -> object:
        i = index.get(name)
        return values[i] if i is not None and i < len(values) else None

    def text(name: str) -> str | None:
        value = _text(cell(name))
        return " ".join(value.split()) if value else None

    def column(name: str) -> str:
        return report.columns.get(name, TITLES.get(name, name))

    number = (text("product_number") or "").replace(" ", "").upper()
    repaired = _MISSING_SLASH.match(number)
    if repaired:
        fixed = f"EMEA/{repaired[1]}/C/{repaired[2]}"
        report.warnings.append(f"line {line}: product number {number!r} read as {fixed!r}")
        number = fixed
    if not number:
        errors.append(RowError(line, column("product_number"), None, "empty EMA product number"))
    elif not PRODUCT_NUMBER.match(number):
        errors.append(RowError(line, column("product_number"), number, "not an EMA product number (EMEA/H/C/nnnnnn)"))
    elif number in seen:
        errors.append(RowError(line, column("product_number"), number, f"product number already on line {seen[number]}"))
    name = text("name")
    if not name:
        errors.append(RowError(line, column("name"), None, "empty medicine name"))
    raw_category = text("category") or ""
    category = CATEGORIES.get(fold(raw_category))
    if category is None:
        errors.append(RowError(line, column("category"), raw_category or None, "category must be Human or Veterinary"))
    raw_status = text("status") or ""
    status = fold(raw_status).replace(" ", "_")
    if not status:
        errors.append(RowError(line, column("status"), None, "empty status"))
    elif status not in STATUSES:
        report.warnings.append(f"line {line}: status {raw_status!r} is new; kept as {status!r}")
    parsed: dict[str, object] = {}
    for name_ in FLAGS:
        if name_ not in index:
            continue
        raw = text(name_)
        if raw is None:
            parsed[name_] = None
        elif fold(raw) in _FLAG:
            parsed[name_] = _FLAG[fold(raw)]
        else:
            errors.append(RowError(line, column(name_), raw, "expected yes or no"))
    for name_ in DATES:
        value = cell(name_)
        if value is None or _text(value) == "":
            continue
        if isinstance(value, datetime):
            parsed[name_] = value.date()
            continue
        if isinstance(value, date):
            parsed[name_] = value
            continue
        found = _DATE.search(_text(value))
        day = _make_date(found) if found else None
        if day is None or not (1990 <= day.year <= 2100):
            errors.append(RowError(line, column(name_), _text(value), "not a date (dd/mm/yyyy)"))
        else:
            parsed[name_] = day
    if errors:
        report.rejected.extend(errors)
        return
    seen[number] = line
    atc = text("atc_human") if category == "human" else None
    atc = atc or text("atc_vet") or text("atc_human")
    report.rows.append(
        EmaRow(
            line=line,
            product_number=number,
            name=name or "",
            category=category or "",
            status=status,
            inn=text("inn"),
            active_substance=text("active_substance"),
            therapeutic_area=text("therapeutic_area"),
            atc_code=atc.upper().replace(" ", "") if atc else None,
            mah_name=text("mah_name"),
            url=text("url"),
            **parsed,
        )
    )

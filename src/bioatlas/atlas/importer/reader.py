"""Read a CSV or XLSX file as rows of text: (line number, {header: value}).

CSV: delimiter sniffed among `;`, `,` and tab on the header line; UTF-8 with or without BOM
unless an `encoding` is given (cp1252, latin-1…). XLSX: first sheet or a named one, read with
openpyxl in read-only mode; numbers and dates are turned into the text a person would type.
The header row is the first non-empty row. Every problem that makes the file unreadable raises
`ImportFileError` naming the file and the line.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from xml.etree.ElementTree import ParseError

from bioatlas.atlas.importer.errors import ImportFileError
from bioatlas.atlas.importer.validators import CellError
from bioatlas.core.fields import Figure
from bioatlas.core.reports import Note

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# Spreadsheet bombs: a 232 KB XLSX whose shared strings inflate to gigabytes, or a 575 KB one of a
# million rows, froze the server. What the zip headers declare is checked before openpyxl opens the
# file (a real XLSX deflates 5-20 times; zipfile never reads past a member's declared size), and
# rows, columns and cell lengths are counted as the rows stream in.
XLSX_MAX_UNCOMPRESSED = 200 * 1024 * 1024  # all members together, bytes
XLSX_MAX_RATIO = 100  # uncompressed / compressed size of one member (above 1 MB)
MAX_ROWS = 100_000  # lines of a sheet or a CSV file, header included
MAX_COLUMNS = 500
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
DELIMITERS = (";", "\t", ",")  # order breaks ties
# A cell starting with one of these is a formula for a spreadsheet; exports prefix it with `'`.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_XLSX_ERRORS = (zipfile.BadZipFile, zlib.error, KeyError, ValueError, EOFError, OSError, ParseError, TypeError)


def neutralise_formula(text: str) -> str:
    """The cell text a spreadsheet will show as text: `=1+1` -> `'=1+1` (reversible)."""
    if text and (text[0] in FORMULA_TRIGGERS or (text[0] == "'" and len(text) > 1 and text[1] in (*FORMULA_TRIGGERS, "'"))):
        return "'" + text
    return text


def restore_formula(text: str) -> str:
    """Undo `neutralise_formula`: `'=1+1` -> `=1+1`; other apostrophes stay."""
    if len(text) > 1 and text[0] == "'" and text[1] in (*FORMULA_TRIGGERS, "'"):
        return text[1:]
    return text


def column_name(index: int, kind: str) -> str:
    """'3' in a CSV file, 'C' in a spreadsheet (index from 0)."""
    if kind != "xlsx":
        return str(index + 1)
    letters, n = "", index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


class Table:
    """An open file: its headers, and its data rows when iterated."""

    def __init__(self, path: Path, kind: str, records: Iterator[tuple[int, list[str]]], *, delimiter: str | None = None):
        self.path = path
        self.kind = kind
        self.delimiter = delimiter
        self.warnings: list[str] = []
        self._records = records
        self.header_line, raw = self._find_header()
        self.headers = [restore_formula(h.replace("\ufeff", "").strip()) for h in raw]
        while self.headers and not self.headers[-1]:
            self.headers.pop()
        self._check_headers()

    def _find_header(self) -> tuple[int, list[str]]:
        first_line = None
        for line, cells in self._records:
            first_line = first_line or line
            if any(c.strip() for c in cells):
                return line, cells
        if first_line is None:
            raise ImportFileError(self.path, CellError("", "empty file"))
        raise ImportFileError(self.path, CellError("", "no header row: every line is empty"))

    def _check_headers(self) -> None:
        named = [h for h in self.headers if h]
        if not any(ch.isalpha() for h in named for ch in h):
            raise ImportFileError(
                self.path, CellError("", "no header row: the first non-empty row holds no column names"), line=self.header_line
            )
        seen: dict[str, int] = {}
        for i, h in enumerate(self.headers):
            if not h:
                continue
            if h in seen:
                raise ImportFileError(
                    self.path,
                    CellError("", "duplicated column name {name} (column {first} and column {second})", params={
                        "name": repr(h), "first": column_name(seen[h], self.kind),
                        "second": column_name(i, self.kind)}),
                    line=self.header_line,
                )
            seen[h] = i

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        width = len(self.headers)
        warned: set[int] = set()
        for line, cells in self._records:
            if not any(c.strip() for c in cells):
                continue
            extra = [c for c in cells[width:] if c.strip()]
            if extra:
                raise ImportFileError(
                    self.path,
                    CellError("", "this row has {cells} cells but the header (line {header}) names {width} columns",
                              params={"cells": len(cells), "header": self.header_line, "width": width}),
                    line=line,
                )
            row: dict[str, str] = {}
            for i, header in enumerate(self.headers):
                value = restore_formula(cells[i]) if i < len(cells) else ""
                if header:
                    row[header] = value
                elif value.strip() and i not in warned:
                    warned.add(i)
                    self.warnings.append(Note(CellError(
                        "", "line {line}: column {column} has no name in the header; its values are ignored",
                        params={"line": line, "column": column_name(i, self.kind)})))
            yield line, row

    def close(self) -> None:
        """Release the file (an XLSX workbook stays open until its rows are read or this is called)."""
        close = getattr(self._records, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> "Table":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_table(
    path: Path | str, *, encoding: str | None = None, sheet: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Table:
    """Open a CSV or XLSX file. Iterate the result for (line, {header: value}) rows."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES + XLSX_SUFFIXES:
        raise ImportFileError(path, CellError(
            "", "unsupported file type {suffix}; use .csv or .xlsx (save .xls/.ods as .xlsx)", params={"suffix": repr(suffix)})
            if suffix else CellError("", "unsupported file type '(no extension)'; use .csv or .xlsx (save .xls/.ods as .xlsx)"))
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportFileError(path, CellError("", "cannot read the file ({reason})",
                                              params={"reason": exc.strerror or str(exc)})) from None
    if size > max_bytes:
        raise ImportFileError(path, CellError("", "file is {size} MB, larger than the {limit} MB limit",
                                              params={"size": _mb(size), "limit": _mb(max_bytes)}))
    if size == 0:
        raise ImportFileError(path, CellError("", "empty file"))
    if suffix in XLSX_SUFFIXES:  # (the encoding of a spreadsheet is fixed by the format)
        return Table(path, "xlsx", _xlsx_records(path, sheet))
    if sheet:
        raise ImportFileError(path, CellError("", "a sheet name only applies to .xlsx files"))
    text = _decode(path, path.read_bytes(), encoding)
    if not text.strip():
        raise ImportFileError(path, CellError("", "empty file"))
    delimiter = sniff_delimiter(text)
    return Table(path, "csv", _csv_records(path, text, delimiter), delimiter=delimiter)


def read_rows(path: Path | str, **options) -> Iterator[tuple[int, dict[str, str]]]:
    """Shortcut: the data rows of a file (see `open_table` for the options)."""
    with open_table(path, **options) as table:
        yield from table


def _mb(size: int) -> Figure:
    """A size in MB, with one decimal, for a refusal's params (written "20.0" or "20,0")."""
    return Figure(size / (1024 * 1024), 1)


# -- CSV ----------------------------------------------------------------------------------
def _decode(path: Path, data: bytes, encoding: str | None) -> str:
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(path, CellError("", "this looks like an XLSX (zip) file, not CSV text; name it .xlsx"))
    name = encoding or "utf-8-sig"
    try:
        codecs.lookup(name)
    except LookupError:
        raise ImportFileError(path, CellError("", "unknown encoding {encoding}", params={"encoding": repr(encoding)})) from None
    if name.replace("_", "-").lower() in ("utf-8", "utf8"):
        name = "utf-8-sig"  # a BOM is never part of the first header
    try:
        return data.decode(name)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        bad = data[exc.start : exc.start + 1].hex()
        params = {"encoding": name, "byte": bad, "column": column, "offset": exc.start}
        raise ImportFileError(path, CellError(
            "", "not valid UTF-8 text: byte 0x{byte} at position {column} (file offset {offset}); if Excel on Windows "
            "saved it, try --encoding cp1252" if name == "utf-8-sig"
            else "not valid {encoding} text: byte 0x{byte} at position {column} (file offset {offset})", params=params),
            line=line) from None


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header (first non-empty line) into the most columns."""
    header = next((ln for ln in text.splitlines() if ln.strip(" \t;,")), "")
    best, best_count = ",", 1
    for delim in DELIMITERS:
        try:
            count = len(next(csv.reader([header], delimiter=delim), []))
        except csv.Error:
            continue
        if count > best_count:
            best, best_count = delim, count
    return best


def _csv_records(path: Path, text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    previous_end = 0
    while True:
        start = previous_end + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFileError(path, CellError("", "malformed CSV ({reason}); check the quotes of this row",
                                                  params={"reason": str(exc)}), line=start) from None
        previous_end = reader.line_num
        cells = [c.replace("\r\n", "\n").replace("\r", "\n") for c in cells]
        _check_shape(path, start, cells, "csv")
        yield start, cells


# -- XLSX ---------------------------------------------------------------------------------
def _check_zip(path: Path) -> None:
    """Refuse an XLSX whose members would inflate beyond the limits (read from the zip's own
    directory, before anything is decompressed)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFileError(path, _unreadable(exc)) from None
    total = sum(m.file_size for m in members)
    if total > XLSX_MAX_UNCOMPRESSED:
        raise ImportFileError(path, CellError(
            "", "the spreadsheet would inflate to {size} MB, more than the {limit} MB accepted (a compression bomb?)",
            params={"size": _mb(total), "limit": _mb(XLSX_MAX_UNCOMPRESSED)}))
    for m in members:
        if m.file_size > 1024 * 1024 and m.file_size > XLSX_MAX_RATIO * max(m.compress_size, 1):
            raise ImportFileError(path, CellError(
                "", "{member} inflates {ratio} times (to {size} MB): not a plausible spreadsheet (a compression bomb?)",
                params={"member": m.filename, "ratio": m.file_size // max(m.compress_size, 1), "size": _mb(m.file_size)}))


def _check_shape(path: Path, line: int, cells: list[str], kind: str) -> None:
    """Rows, columns and cell lengths within the limits, or an error naming the line and column."""
    if line > MAX_ROWS:
        raise ImportFileError(path, CellError("", "more than {max} lines: split the file",
                                              params={"max": Figure(MAX_ROWS)}), line=line)
    if len(cells) > MAX_COLUMNS and any(c.strip() for c in cells[MAX_COLUMNS:]):
        raise ImportFileError(path, CellError("", "more than {max} columns", params={"max": MAX_COLUMNS}), line=line)
    for i, cell in enumerate(cells):
        if len(cell) > MAX_CELL_CHARS:
            raise ImportFileError(path, CellError(
                "", "column {column}: a cell of {length} characters (at most {max})",
                params={"column": column_name(i, kind), "length": Figure(len(cell)),
                        "max": Figure(MAX_CELL_CHARS)}), line=line)


def _xlsx_records(path: Path, sheet: str | None) -> Iterator[tuple[int, list[str]]]:
    import openpyxl  # imported here: CSV imports do not pay for it

    _check_zip(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except _XLSX_ERRORS + (openpyxl.utils.exceptions.InvalidFileException,) as exc:
        raise ImportFileError(path, _unreadable(exc)) from None
    try:
        if sheet is not None:
            if sheet not in wb.sheetnames:
                raise ImportFileError(path, CellError("", "no sheet named {sheet} (sheets: {sheets})", params={
                    "sheet": repr(sheet), "sheets": ", ".join(wb.sheetnames)}))
            ws = wb[sheet]
        else:
            if not wb.worksheets:
                raise ImportFileError(path, CellError("", "the workbook has no worksheet"))
            ws = wb.worksheets[0]
        declared = ws.max_row if isinstance(ws.max_row, int) else 0  # from <dimension>, when the file says
        if declared > MAX_ROWS:
            raise ImportFileError(path, CellError("", "the sheet declares {rows} rows, more than {max}: split the file",
                                                  params={"rows": Figure(declared), "max": Figure(MAX_ROWS)}))
        line = 0
        try:
            for line, values in enumerate(ws.iter_rows(values_only=True), start=1):
                cells = [cell_text(v) for v in values]
                _check_shape(path, line, cells, "xlsx")
                yield line, cells
        except ImportFileError:
            raise
        except _XLSX_ERRORS as exc:
            raise ImportFileError(path, CellError("", "corrupt XLSX content after row {row} ({reason})",
                                                  params={"row": line, "reason": str(exc)}), line=line + 1) from None
    finally:
        wb.close()


def _unreadable(exc: Exception) -> CellError:
    return CellError("", "not a readable XLSX file, corrupt or truncated ({reason})", params={"reason": str(exc)})


def cell_text(value: object) -> str:
    """A spreadsheet value as typed text: 91000.0 -> '91000', a date -> '2021-06-30'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)

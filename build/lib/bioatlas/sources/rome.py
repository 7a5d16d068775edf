"""ROME (Répertoire opérationnel des métiers et des emplois, France Travail): the occupations file
(`unix_referentiel_code_rome_v*_utf8.csv`) and the job-titles file
(`unix_referentiel_appellation_v*_utf8.csv`).

Only reading and checking lives here: `read_occupations(path)` and `read_titles(path, codes)`
return the valid rows and one `RowError` per bad row (file, line, the row's code as value, reason). A file that cannot
be read as the expected kind (not UTF-8, wrong columns, malformed CSV, no rows) raises
`RomeFileError`, naming the file. Licence of the data: Licence Ouverte (Etalab).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from bioatlas.atlas.service import SourceRecord
from bioatlas.core.errors import FileError
from bioatlas.core.reports import RowError

LICENCE = "Licence Ouverte (Etalab)"
URL = "https://francetravail.org/opendata/repertoire-operationnel-des-meti.html"
MAX_BYTES = 50 * 1024 * 1024  # the real files are 0.2 and 2.3 MB
MAX_LABEL = 300

OCCUPATION_COLUMNS = ("code_rome", "libelle_rome", "code_rome_parent")
OCCUPATION_OPTIONAL = ("code_ogr",)
TITLE_COLUMNS = ("code_ogr", "libelle_appellation_long", "code_rome")
TITLE_OPTIONAL = ("libelle_appellation_court", "classification", "peu_usite")

ROME_CODE = re.compile(r"^[A-N][0-9]{4}$")
OGR_CODE = re.compile(r"^[0-9]{1,12}$")
VERSION = re.compile(r"_v(\d+)(?:_|\.|$)", re.IGNORECASE)
DELIMITERS = (",", ";", "\t", "|")


class RomeFileError(FileError):
    """A ROME file cannot be read at all; the message names the file (and the line when known)."""


@dataclass(frozen=True)
class OccupationRow:
    line: int
    code: str
    label: str
    parent_code: str | None
    ogr_code: str | None

    @property
    def domain(self) -> str:
        """The letter: `H` (industry) for H2302."""
        return self.code[0]

    @property
    def subdomain(self) -> str:
        """The professional domain, letter and two digits: `H23` for H2302."""
        return self.code[:3]


@dataclass(frozen=True)
class TitleRow:
    line: int
    code: str
    label: str
    short_label: str | None
    occupation_code: str
    main: bool
    rarely_used: bool


R = TypeVar("R")


@dataclass
class ParsedFile(Generic[R]):
    path: Path
    read: int = 0  # data rows read (blank lines not counted)
    rows: list[R] = field(default_factory=list)
    rejections: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def reject(self, line: int, code: str | None, reason: str) -> None:
        self.rejections.append(RowError(line, None, code or None, reason, file=self.path.name))


def version_of(path: Path | str) -> str | None:
    """`v460` for `unix_referentiel_code_rome_v460_utf8.csv`, None when the name has no version."""
    found = VERSION.search(Path(path).name)
    return f"v{found.group(1)}" if found else None


def source_record(occupations: Path | str, titles: Path | str) -> SourceRecord:
    """The provenance of both files: one source per ROME version (`rome:v460`)."""
    version = version_of(occupations) or version_of(titles)
    return SourceRecord(
        key=f"rome:{version}" if version else "rome",
        title=f"ROME {_dotted(version)} (France Travail)" if version else "ROME (France Travail)",
        kind="open_data",
        url=URL,
        licence=LICENCE,
    )


def _dotted(version: str) -> str:
    digits = version[1:]
    return f"{digits[0]}.{digits[1:]}" if len(digits) > 1 else digits


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise RomeFileError(path, "no such file")
    size = path.stat().st_size
    if size == 0:
        raise RomeFileError(path, "the file is empty")
    if size > MAX_BYTES:
        raise RomeFileError(path, f"larger than {MAX_BYTES // (1024 * 1024)} MB: not a ROME CSV file")
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise RomeFileError(path, "binary content: expected a CSV text file (ROME `unix_*_utf8.csv`)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RomeFileError(
            path, f"not UTF-8 text (byte {exc.start}); use the `_utf8.csv` files France Travail publishes"
        ) from None


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _table(path: Path, kind: str, required: tuple[str, ...], optional: tuple[str, ...], other: tuple[str, ...]):
    """Header → column index, and an iterator of (line, row)."""
    text = _read_text(path)
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise RomeFileError(path, "the file is empty") from None
    except csv.Error as exc:
        raise RomeFileError(path, f"malformed CSV header: {exc}", line=1) from None
    names = [h.strip().lower() for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        hint = ""
        if set(other) <= set(names):
            hint = " — this looks like the other ROME file; check the order of the two files"
        shown = ", ".join(h for h in header if h.strip())[:300] or "(none)"
        raise RomeFileError(
            path,
            f"not a ROME {kind} file: missing column(s) {', '.join(missing)}; found {shown}{hint}",
        )
    duplicated = sorted({n for n in names if n in required + optional and names.count(n) > 1})
    if duplicated:
        raise RomeFileError(path, f"column(s) {', '.join(duplicated)} appear more than once")
    index = {n: names.index(n) for n in required + optional if n in names}
    return text, len(header), index, reader


def _rows(path: Path, reader, width: int, parsed: ParsedFile):
    """(line, cells) of every non-blank row; a row with the wrong number of fields is rejected."""
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise RomeFileError(
                path, f"malformed CSV ({exc}); the file may be truncated or not a ROME export", line=reader.line_num
            ) from None
        start, line = line + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue
        parsed.read += 1
        if len(cells) != width:
            parsed.reject(start, cells[0].strip() if cells else None, f"{len(cells)} fields, expected {width}")
            continue
        yield start, [c.strip() for c in cells]


def _finish(path: Path, text: str, parsed: ParsedFile, kind: str) -> None:
    if parsed.read == 0:
        raise RomeFileError(path, f"no {kind} rows after the header")
    if not text.endswith(("\n", "\r")):
        parsed.warnings.append(f"{path.name}: the file does not end with a line break; it may be truncated")


def read_occupations(path: Path | str) -> ParsedFile[OccupationRow]:
    """The occupations of a `unix_referentiel_code_rome_*.csv` file."""
    path = Path(path)
    text, width, col, reader = _table(path, "occupations (code_rome)", OCCUPATION_COLUMNS, OCCUPATION_OPTIONAL,
                                      TITLE_COLUMNS)
    parsed: ParsedFile[OccupationRow] = ParsedFile(path)
    first_line: dict[str, int] = {}
    for line, cells in _rows(path, reader, width, parsed):
        code = cells[col["code_rome"]].upper()
        label = cells[col["libelle_rome"]]
        parent = cells[col["code_rome_parent"]].upper() or None
        ogr = cells[col["code_ogr"]] if "code_ogr" in col else ""
        reason = None
        if not ROME_CODE.match(code):
            reason = f"code_rome {code!r} is not a ROME code (a letter A-N and 4 digits)"
        elif code in first_line:
            reason = f"duplicate code_rome {code} (first on line {first_line[code]})"
        elif not label:
            reason = "empty libelle_rome"
        elif len(label) > MAX_LABEL:
            reason = f"libelle_rome longer than {MAX_LABEL} characters"
        elif parent is not None and not ROME_CODE.match(parent):
            reason = f"code_rome_parent {parent!r} is not a ROME code"
        elif ogr and not OGR_CODE.match(ogr):
            reason = f"code_ogr {ogr!r} is not a number"
        if reason:
            parsed.reject(line, code, reason)
            continue
        first_line[code] = line
        parsed.rows.append(OccupationRow(line, code, label, parent, ogr or None))
    codes = {r.code for r in parsed.rows}
    kept = []
    for row in parsed.rows:
        if row.parent_code and row.parent_code not in codes:
            parsed.reject(row.line, row.code, f"code_rome_parent {row.parent_code} is not in the file")
        else:
            kept.append(row)
    parsed.rows = kept
    _finish(path, text, parsed, "occupation")
    return parsed


def read_titles(path: Path | str, occupation_codes: set[str] | None = None) -> ParsedFile[TitleRow]:
    """The job titles of a `unix_referentiel_appellation_*.csv` file. With `occupation_codes`, a
    title whose code_rome is not among them is rejected."""
    path = Path(path)
    text, width, col, reader = _table(path, "job titles (appellation)", TITLE_COLUMNS, TITLE_OPTIONAL,
                                      OCCUPATION_COLUMNS)
    parsed: ParsedFile[TitleRow] = ParsedFile(path)
    first_line: dict[str, int] = {}
    for line, cells in _rows(path, reader, width, parsed):
        code = cells[col["code_ogr"]]
        label = cells[col["libelle_appellation_long"]]
        short = cells[col["libelle_appellation_court"]] if "libelle_appellation_court" in col else ""
        occupation = cells[col["code_rome"]].upper()
        classification = cells[col["classification"]].upper() if "classification" in col else ""
        rare = cells[col["peu_usite"]].upper() if "peu_usite" in col else ""
        reason = None
        if not OGR_CODE.match(code):
            reason = f"code_ogr {code!r} is not a number"
        elif code in first_line:
            reason = f"duplicate code_ogr {code} (first on line {first_line[code]})"
        elif not label:
            reason = "empty libelle_appellation_long"
        elif len(label) > MAX_LABEL or len(short) > MAX_LABEL:
            reason = f"label longer than {MAX_LABEL} characters"
        elif not ROME_CODE.match(occupation):
            reason = f"code_rome {occupation!r} is not a ROME code (a letter A-N and 4 digits)"
        elif occupation_codes is not None and occupation not in occupation_codes:
            reason = f"code_rome {occupation} is not in the occupations file"
        elif rare not in ("", "O", "N"):
            reason = f"peu_usite {rare!r}: expected O or N"
        if reason:
            parsed.reject(line, code, reason)
            continue
        first_line[code] = line
        parsed.rows.append(
            TitleRow(line, code, label, short or None, occupation, classification == "PRINCIPALE", rare == "O")
        )
    _finish(path, text, parsed, "job title")
    return parsed

"""Map the column headers of a file to the fields of an actor.

Automatically: the folded header (no case, accents or punctuation) is looked up in the alias
table `header_aliases.csv` (columns field,alias), which also holds the field names themselves.
Or through a TOML mapping file whose `[columns]` table names the field of a header:

    [columns]
    "Nom de la société" = "name"
    "Commentaire interne" = "-"     # "-" or "" ignores a column

Headers the mapping file does not name are still mapped automatically.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bioatlas.atlas.importer.errors import ImportFileError
from bioatlas.atlas.importer.validators import CellError
from bioatlas.core.reports import Note
from bioatlas.core.text import fold

ALIASES_FILE = Path(__file__).with_name("header_aliases.csv")
FIELDS = (
    "id", "name", "legal_name", "acronym", "name_en", "kind", "siren", "siret", "ror", "rnsr", "wikidata", "vat",
    "website", "address", "postcode", "commune", "insee", "latitude", "longitude", "precision", "site_role", "modalities",
    "value_chain", "expression_systems", "scale_litres", "gmp", "naf", "headcount", "headcount_year", "description_fr",
    "description_en", "clusters", "status", "source", "source_url", "source_date", "source_kind", "licence",
)
IGNORE = "-"
# Columns that exports add for people to read; an import ignores them without a warning.
INFORMATIONAL = ("sources",)


@lru_cache(maxsize=1)
def aliases() -> dict[str, str]:
    """folded alias -> field."""
    table: dict[str, str] = {fold(f): f for f in FIELDS}
    with ALIASES_FILE.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            name, alias = (row.get("field") or "").strip(), fold(row.get("alias") or "")
            if name not in FIELDS or not alias:
                raise ValueError(f"{ALIASES_FILE}, line {line}: bad alias row {row!r}")
            table.setdefault(alias, name)
    return table


@dataclass
class ColumnMapping:
    columns: dict[str, str] = field(default_factory=dict)  # header as written -> field
    ignored: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    mapping_file: str | None = None

    def header(self, name: str) -> str | None:
        """The header (as written in the file) that holds a field, or None."""
        return next((h for h, f in self.columns.items() if f == name), None)

    def has(self, *names: str) -> bool:
        return any(f in names for f in self.columns.values())

    def values(self, row: dict[str, str]) -> dict[str, str]:
        """field -> cell text of a row (only mapped columns)."""
        return {f: row.get(h, "") for h, f in self.columns.items()}

    def as_dict(self) -> dict:
        return {
            "columns": dict(self.columns), "ignored": list(self.ignored), "unmapped": list(self.unmapped),
            "mapping_file": self.mapping_file,
        }


def read_mapping_file(path: Path | str) -> dict[str, str]:
    """{header: field or '-'} from a TOML mapping file; unknown fields raise ImportFileError."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ImportFileError(path, CellError("", "cannot read the mapping file ({reason})",
                                              params={"reason": exc.strerror or str(exc)})) from None
    except UnicodeDecodeError:
        raise ImportFileError(path, CellError("", "the mapping file is not UTF-8 text")) from None
    except tomllib.TOMLDecodeError as exc:
        raise ImportFileError(path, CellError("", "not valid TOML: {reason}", params={"reason": str(exc)})) from None
    columns = data.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise ImportFileError(path, CellError("", 'no [columns] table (expected lines like "Header in file" = "field")'))
    out: dict[str, str] = {}
    for key, value in columns.items():
        if not isinstance(value, str):
            raise ImportFileError(path, CellError("", "[columns] {key}: the field must be a string, got {value}",
                                                  params={"key": repr(key), "value": repr(value)}))
        name = value.strip()
        if name in ("", IGNORE):
            out[key.strip()] = IGNORE
        elif name not in FIELDS:
            raise ImportFileError(path, CellError(
                "", "[columns] {key} = {value}: unknown field {value}; fields: {fields}",
                params={"key": repr(key), "value": repr(value), "fields": ", ".join(FIELDS)}))
        else:
            out[key.strip()] = name
    return out


def map_headers(headers: list[str], *, mapping_file: Path | str | None = None, file: object = "", line: int | None = None) -> ColumnMapping:
    """Map headers to fields. Two columns for one field, or no name column, raise ImportFileError."""
    result = ColumnMapping(mapping_file=str(mapping_file) if mapping_file else None)
    explicit: dict[str, str] = {}
    if mapping_file is not None:
        wanted = read_mapping_file(mapping_file)
        by_fold = {fold(h): h for h in headers if h}
        for key, name in wanted.items():
            header = key if key in headers else by_fold.get(fold(key))
            if header is None:
                result.warnings.append(Note(CellError("", "mapping file names column {column!r}, which is not in the file",
                                                      params={"column": key})))
            else:
                explicit[header] = name
    table = aliases()
    owner: dict[str, str] = {}
    for header in headers:
        if not header:
            continue
        name = explicit.get(header) or table.get(fold(header))
        if name == IGNORE:
            result.ignored.append(header)
            continue
        if name is None:
            if fold(header) in INFORMATIONAL:
                result.ignored.append(header)
            else:
                result.unmapped.append(header)
                result.warnings.append(Note(CellError("", "column {column!r} is not a known field; its values are ignored",
                                                      params={"column": header})))
            continue
        if name in owner:
            raise ImportFileError(file, CellError(
                "", "columns {first} and {second} both hold the field {field}; keep one, or ignore one in a mapping file",
                params={"first": repr(owner[name]), "second": repr(header), "field": repr(name)}), line=line)
        owner[name] = header
        result.columns[header] = name
    if "name" not in owner and "legal_name" not in owner:
        raise ImportFileError(file, CellError(
            "", "no column for the actor's name (expected a header such as 'Nom', 'Name', 'Raison sociale'); "
            "headers found: {headers}", params={"headers": ", ".join(repr(h) for h in headers if h)}), line=line)
    return result

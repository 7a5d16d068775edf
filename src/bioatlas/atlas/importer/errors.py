"""Errors of a spreadsheet import: the whole file (fatal) or one cell of one row."""

from __future__ import annotations

from dataclasses import dataclass

from bioatlas.core.errors import FileError


class ImportFileError(FileError):
    """The file (or its mapping file) cannot be read at all. The message names the file and,
    when known, the line or position."""


@dataclass(frozen=True)
class RowError:
    """One rejected cell. `column` is the header text as written in the file (None for the row)."""

    line: int
    column: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}"
        if self.column:
            where += f", column {self.column!r}"
        if self.value:
            shown = self.value if len(self.value) <= 80 else self.value[:77] + "…"
            where += f" ({shown!r})"
        return f"{where}: {self.reason}"

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "value": self.value, "reason": self.reason}

"""Errors of a spreadsheet import: the whole file (fatal) or one cell of one row (the shared
`core.reports.RowError`)."""

from __future__ import annotations

from bioatlas.core.errors import FileError
from bioatlas.core.reports import RowError

__all__ = ["ImportFileError", "RowError"]


class ImportFileError(FileError):
    """The file (or its mapping file) cannot be read at all. The message names the file and,
    when known, the line or position."""

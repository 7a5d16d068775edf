"""Errors shared by every reader of files (spreadsheets, open-data dumps)."""

from __future__ import annotations


class FileError(ValueError):
    """A file that cannot be read at all. The message names the file and, when known, the line;
    `path`, `line` and `reason` are kept for reports."""

    def __init__(self, path: object, message: str, *, line: int | None = None):
        self.path = str(path)
        self.line = line
        self.reason = message
        where = f"{self.path}, line {line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")

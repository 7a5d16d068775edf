"""The one error base of every reader of files (spreadsheets, open-data dumps, reference files)."""

from __future__ import annotations

from bioatlas.core.fields import FieldError


class FileError(ValueError):
    """A file (or an option of its import) that stops the whole import: nothing is written.

    The message names the file and, when known, the line and the field (as written in the file);
    `path`, `line`, `field`, `value` and `reason` are kept for reports. `path` is None for a bad
    option of an import (e.g. a malformed `--file-date`)."""

    def __init__(
        self, path: object | None, message: str | FieldError, *, line: int | None = None, field: str | None = None,
        value: str | None = None,
    ):
        # a refusal (message id and params) is said in the reader's language by the API; its English text is the message
        self.refusal = message if isinstance(message, FieldError) else None
        message = message.message if isinstance(message, FieldError) else message
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field
        self.value = value
        self.reason = message
        if self.path is None:  # an option of the import: "--naf 'x': expected…"
            where = [f"{field} {value!r}" if field and value is not None else field or ""]
        else:
            where = [self.path, f"line {line}" if line is not None else "", f"column {field!r}" if field else ""]
        prefix = ", ".join(part for part in where if part)
        super().__init__(f"{prefix}: {message}" if prefix else message)

    def as_dict(self) -> dict:
        return {"file": self.path, "line": self.line, "field": self.field, "value": self.value, "reason": self.reason}

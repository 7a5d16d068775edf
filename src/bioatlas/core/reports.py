"""The one report of every import (connectors of `sources`, the spreadsheet importer, the
products and occupations loaders) and the one dry-run path they share.

`ImportReport` holds what every import says: rows read, actors/products/… created, updated,
unchanged, rows rejected, warnings, the rejected values (`RowError`: file, line, field as written,
value, reason), whether it was a dry run and whether it was committed. A connector subclasses it
for what only it knows (Sirene's rejection reasons, ROR's parent links…) and extends `as_dict()`.

`write_or_rollback` is the one way an import writes: everything is done in one transaction, then
committed, or rolled back when it is a dry run or when the writer raises `Rollback` (rejected rows
and no `skip_invalid`). A dry run therefore validates and writes everything and its counts are
exact; the database is left as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from bioatlas.core.db import transaction
from bioatlas.core.fields import FieldError, refusal_text

OUTCOMES = ("created", "updated", "unchanged")


class Note(str):
    """A warning of an import: its English text (what the CLI prints, the report's `warnings`)
    keeping its refusal (a message id and params), so that the API says it in the reader's
    language too (`warnings_said`)."""

    refusal: FieldError

    def __new__(cls, refusal: FieldError) -> Note:
        self = super().__new__(cls, refusal.message)
        self.refusal = refusal
        return self


def warnings_said(t, warnings: list[str]) -> list[str]:
    """The report's warnings in the language of the translator `t` (a plain string as written)."""
    return [refusal_text(t, w.refusal) if isinstance(w, Note) else w for w in warnings]


@dataclass(frozen=True)
class RowError:
    """One rejected value or row. `column` is the field as written in the file (None: the whole
    row); `value` the offending cell or the row's key; `file` the file's name when an import reads
    several files."""

    line: int | None
    column: str | None
    value: str | None
    reason: str
    file: str | None = None
    refusal: FieldError | None = field(default=None, compare=False)  # the reason as a message id, when it is one

    def said(self, t) -> str:
        """The error in the language of the translator `t`, its line and column kept: the reason
        from `refusal` (a message id with params), else the reason as written."""
        reason = refusal_text(t, self.refusal) if self.refusal is not None else self.reason
        if self.line is not None and self.column:
            return t("line {line}, column {column}: {reason}", line=self.line, column=repr(self.column), reason=reason)
        if self.line is not None:
            return t("line {line}: {reason}", line=self.line, reason=reason)
        return reason

    @property
    def field(self) -> str | None:
        return self.column

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line is not None else ""
        if self.file:
            where = f"{self.file}, {where}" if where else self.file
        if self.column:
            where += f", column {self.column!r}"
        if self.value:
            shown = self.value if len(self.value) <= 80 else self.value[:77] + "…"
            where += f" ({shown!r})"
        return f"{where}: {self.reason}" if where else self.reason

    def as_dict(self) -> dict:
        out = {"line": self.line, "column": self.column, "value": self.value, "reason": self.reason}
        if self.file is not None:
            out["file"] = self.file
        return out


@dataclass(kw_only=True)
class ImportReport:
    file: str = ""
    dry_run: bool = False
    committed: bool = False
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, outcome: str, n: int = 1) -> None:
        """Add to `created`, `updated`, `unchanged` or a connector's own counter (e.g. `older`)."""
        current = getattr(self, outcome, None)
        if isinstance(current, bool) or not isinstance(current, int):
            raise ValueError(f"unknown outcome {outcome!r}: expected one of {', '.join(OUTCOMES)} or a counter")
        setattr(self, outcome, current + n)

    def reject(self, error: RowError) -> None:
        """One more rejected row (a row with several bad cells: call once, then add to `errors`)."""
        self.rejected += 1
        self.errors.append(error)

    def clear_outcomes(self) -> None:
        """Nothing was written after all: no created, updated or unchanged rows to report."""
        self.created = self.updated = self.unchanged = 0

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "dry_run": self.dry_run,
            "committed": self.committed,
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "errors": [e.as_dict() for e in self.errors],
            "warnings": list(self.warnings),
        }


class Rollback(Exception):
    """Raised by a writer to leave the transaction without writing (rejected rows)."""


class Transactional(Protocol):
    """What `write_or_rollback` needs of a report: an import's `ImportReport`, or a run's own
    report (e.g. the inference's per-rule counts)."""

    dry_run: bool
    committed: bool


R = TypeVar("R", bound=Transactional)


def write_or_rollback(factory: sessionmaker[Session], report: R, write: Callable[[Session], object]) -> R:
    """Run `write(session)` in one transaction; commit unless `report.dry_run` or `write` raised
    `Rollback`; `report.committed` says which. Any other error rolls back and propagates."""
    try:
        with transaction(factory) as session:
            write(session)
            if report.dry_run:
                raise Rollback
    except Rollback:
        report.committed = False
        return report
    report.committed = True
    return report

"""`import actors FILE`: check every row, then write the valid rows.

Every row is checked first, outside any write transaction (reading the file, the taxonomies, the
match of each row to an actor): one bad row and nothing is written; the report lists every error
(line, column as written in the file, value, reason). With `skip_invalid`, the valid rows are
written and the bad ones reported. A dry run does the whole import and rolls it back, so its
counts of created / updated / unchanged actors are exact.

The checked rows are then written in bounded batches, one transaction each. On SQLite, which has
one writer at a time, a batch ends after half a second of writing (or 1,000 rows), then the import
pauses a moment so that the server's waiting writes get the lock: they wait for one short batch,
never for the whole file, however loaded the machine is. On PostgreSQL, where other writers are
not blocked, the import is one transaction. A batch that meets a busy database is retried. If a batch fails for another reason
(a concurrent change made a row ambiguous), the batches before it stay written, the report says
up to which line, and re-running the same file finishes the import (written rows are unchanged).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bioatlas.core.dialect import Dialect, dialect_for
from bioatlas.atlas.importer.errors import ImportFileError, RowError
from bioatlas.atlas.importer.headers import ColumnMapping, map_headers
from bioatlas.atlas.importer.reader import DEFAULT_MAX_BYTES, Table, open_table
from bioatlas.atlas.importer.validators import CellError
from bioatlas.atlas.importer.rows import LOCATION_FIELDS, RowContext, RowResult, build_record
from bioatlas.atlas.models import Actor, Source
from bioatlas.atlas.records import ActorRecord, SourceRecord
from bioatlas.atlas.taxonomy import Taxonomy
from bioatlas.atlas.writer import STRONG_SCHEMES, MatchError, find_actor, find_by_name, get_or_create_source, upsert_actor
from bioatlas.core.db import transaction
from bioatlas.core.reports import ImportReport, Note, Rollback, write_or_rollback
from bioatlas.core.text import fold


@dataclass(kw_only=True)
class ActorImportReport(ImportReport):
    """The shared import report, plus the source, the column mapping and the actors written."""

    source: str = ""
    skip_invalid: bool = False
    mapping: ColumnMapping | None = None
    actors: list[tuple[int, int, str]] = field(default_factory=list)  # (line, actor id, outcome)

    def as_dict(self) -> dict:
        mapping = self.mapping.as_dict() if self.mapping else {}
        return {
            **super().as_dict(),
            "source": self.source,
            "skip_invalid": self.skip_invalid,
            "columns": mapping.get("columns", {}),
            "ignored_columns": mapping.get("ignored", []),
            "unmapped_columns": mapping.get("unmapped", []),
            "mapping_file": mapping.get("mapping_file"),
            "actors": [{"line": line, "id": actor_id, "outcome": outcome} for line, actor_id, outcome in self.actors],
        }


SQLITE_BATCH_ROWS = 1000
SQLITE_BATCH_SECONDS = 0.5  # the longest a batch holds SQLite's write lock (well under the 5 s busy timeout)
YIELD_SECONDS = 0.12  # pause between batches: SQLite's waiting writers poll every 100 ms
RETRIES = 5  # attempts of a batch that meets a busy database


def import_actors(
    session_factory: sessionmaker[Session],
    path: Path | str,
    *,
    taxonomies: dict[str, Taxonomy],
    mapping: Path | str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    source: SourceRecord | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    batch_rows: int | None = None,
    batch_seconds: float | None = None,
) -> ActorImportReport:
    """Import a CSV/XLSX file of actors. An unreadable file raises ImportFileError; row problems
    are in the report. `batch_rows` / `batch_seconds`: the most rows / seconds of writing per
    transaction (both None: the backend's default, see the module's docstring; rows 0: one
    transaction)."""
    path = Path(path)
    source = source or SourceRecord(key=f"file:{path.name}"[:200], title=path.name, kind="file")
    report = ActorImportReport(file=str(path), source=source.key, dry_run=dry_run, skip_invalid=skip_invalid)
    with open_table(path, encoding=encoding, sheet=sheet, max_bytes=max_bytes) as table:
        columns = map_headers(table.headers, mapping_file=mapping, file=path, line=table.header_line)
        report.mapping = columns
        report.warnings.extend(columns.warnings)
        if not columns.has(*LOCATION_FIELDS):
            report.warnings.append(Note(CellError(
                "", "no location column (postcode, commune, INSEE code, coordinates): no site is recorded")))
        with session_factory() as reading:  # a read transaction only: no write lock while checking
            ctx = RowContext(taxonomies=taxonomies, mapping=columns, file_source=source, session=reading)
            valid = _validate(table, ctx, report)
            valid = _plan(reading, valid, columns, report)
            reading.rollback()
    report.errors.sort(key=lambda e: e.line or 0)
    if report.errors and not skip_invalid:
        return report
    with session_factory() as session:
        dialect = dialect_for(session)
    size, seconds = batch_rows, batch_seconds
    if size is None:
        single_writer = dialect.name == "sqlite"
        size = SQLITE_BATCH_ROWS if single_writer else 0
        seconds = SQLITE_BATCH_SECONDS if single_writer and seconds is None else seconds
    if dry_run or not size or len(valid) <= 1 or (len(valid) <= size and seconds is None):
        write_or_rollback(session_factory, report, lambda session: _write_all(session, path, valid, columns, report))
    else:
        _write_in_batches(session_factory, path, valid, columns, report, dialect, rows=size, seconds=seconds)
    report.errors.sort(key=lambda e: e.line or 0)
    return report


def _write_all(session: Session, path: Path, valid: list[RowResult], columns: ColumnMapping,
               report: ActorImportReport) -> None:
    """Every checked row in the caller's one transaction (a dry run, PostgreSQL, a small file)."""
    _write(session, path, valid, columns, report, {})
    if report.errors and not report.skip_invalid:
        report.clear_outcomes()
        report.actors.clear()
        raise Rollback


def _write_in_batches(factory: sessionmaker[Session], path: Path, valid: list[RowResult], columns: ColumnMapping,
                      report: ActorImportReport, dialect: Dialect, *, rows: int, seconds: float | None) -> None:
    """Bounded transactions (`rows` rows, `seconds` of writing); a busy database retries the batch
    (it was rolled back whole); between batches the lock is left to waiting writers."""
    written: dict[str, int] = {}
    start = 0
    while start < len(valid):
        if start:
            time.sleep(YIELD_SECONDS)
        for attempt in range(RETRIES):
            part = ActorImportReport(skip_invalid=report.skip_invalid)
            names = dict(written)
            deadline = None if seconds is None else time.monotonic() + seconds
            try:
                with transaction(factory) as session:
                    done = _write(session, path, valid[start:start + rows], columns, part, names, deadline=deadline)
                    if part.errors and not report.skip_invalid:
                        raise Rollback
                break
            except Rollback:
                break
            except SQLAlchemyError as exc:
                if attempt == RETRIES - 1 or not dialect.is_transient(exc):
                    _stopped(report, valid[start].line)
                    raise
                time.sleep(min(0.2 * 2 ** attempt, 2.0))
            except ImportFileError:
                _stopped(report, valid[start].line)
                raise
        report.errors.extend(part.errors)
        report.rejected += part.rejected
        if part.errors and not report.skip_invalid:
            _stopped(report, valid[start].line)
            return
        report.committed = True
        written = names
        report.actors.extend(part.actors)
        for outcome in ("created", "updated", "unchanged"):
            report.count(outcome, getattr(part, outcome))
        start += done


def _stopped(report: ActorImportReport, line: int) -> None:
    if report.committed:
        report.warnings.append(Note(CellError(
            "", "the import stopped at the batch starting on line {line}: the rows before it are written, the rest "
            "is not; once fixed, re-run the same file to finish (rows already written count as unchanged)",
            params={"line": line})))


def _plan(session: Session, valid: list[RowResult], columns: ColumnMapping, report: ActorImportReport) -> list[RowResult]:
    """The checks of the write that only read: the actor each row describes is found without
    ambiguity, and an id column points at it. Rows that fail are rejected before anything is written."""
    kept: list[RowResult] = []
    for result in valid:
        record = result.record
        assert record is not None
        try:
            error = _check_id(session, result, columns)
            if error is None:
                find_actor(session, record)
        except MatchError as exc:
            error = RowError(result.line, columns.header(exc.field) or columns.header("legal_name"), None, str(exc),
                             refusal=exc)
        if error is not None:
            report.errors.append(error)
            report.rejected += 1
            continue
        kept.append(result)
    return kept


def _validate(table: Table, ctx: RowContext, report: ActorImportReport) -> list[RowResult]:
    """Build every row; duplicates of an earlier row are errors on the later line."""
    seen: dict[tuple[str, str], int] = {}
    valid: list[RowResult] = []
    for line, row in table:
        report.read += 1
        result = build_record(line, row, ctx)
        report.warnings.extend(result.warnings)
        if result.ok:
            for what, key, name, shown in result.keys:
                first = seen.get((what, key))
                if first is not None:
                    result.errors.append(_rejected(line, ctx.mapping.header(name), shown, CellError(
                        "", "duplicate of line {first} (same name and postcode)" if what == "name and postcode"
                        else "duplicate of line {first} (same {what})", params={"first": first, "what": what})))
                    break
        if not result.ok:
            report.rejected += 1
            report.errors.extend(result.errors)
            continue
        for what, key, _, _ in result.keys:
            seen.setdefault((what, key), line)
        for key in result.names():
            ctx.known_names.setdefault(key, line)
        valid.append(result)
    report.warnings.extend(table.warnings)
    if report.read == 0:
        report.warnings.append(Note(CellError("", "the file has a header but no data rows")))
    return valid


def _write(session: Session, path: Path, valid: list[RowResult], columns: ColumnMapping, report: ActorImportReport,
           written: dict[str, int], *, deadline: float | None = None) -> int:
    """Write checked rows, stopping after the row that passes `deadline` (monotonic time); returns how
    many were written. `written` (folded names of the actors written so far -> id) is updated."""
    sources: dict[str, Source] = {}
    done = 0
    for result in valid:
        if deadline is not None and done and time.monotonic() > deadline:
            break
        done += 1
        record = result.record
        assert record is not None and record.source is not None
        try:
            error = _resolve_clusters(session, result, written, columns) or _check_id(session, result, columns)
            if error is None:
                if record.source.key not in sources:
                    sources[record.source.key] = get_or_create_source(session, record.source)
                outcome = upsert_actor(session, record, source=sources[record.source.key])
        except MatchError as exc:
            error = RowError(result.line, columns.header(exc.field) or columns.header("legal_name"), None, str(exc),
                             refusal=exc)
        except SQLAlchemyError as exc:
            if dialect_for(session).is_transient(exc):
                raise  # the database is busy, not the file wrong: the caller answers 503 (nothing was written)
            detail = getattr(exc, "orig", None) or exc
            raise ImportFileError(path, CellError(
                "", "the database refused this row, nothing was imported ({kind}: {reason})",
                params={"kind": type(detail).__name__, "reason": str(detail)}), line=result.line) from exc
        if error is not None:
            report.errors.append(error)
            report.rejected += 1
            continue
        report.count(outcome.status)
        report.actors.append((result.line, outcome.actor_id, outcome.status))
        for key in result.names():
            written.setdefault(key, outcome.actor_id)
    return done


def _resolve_clusters(session: Session, result: RowResult, written: dict[str, int], columns: ColumnMapping) -> RowError | None:
    record = result.record
    if record is None or record.relations is None:
        return None
    record.relations = []
    for name in result.clusters:
        target = written.get(fold(name))
        if target is None:
            try:
                actor = find_by_name(session, name)
            except MatchError as exc:
                return RowError(result.line, columns.header("clusters"), name, str(exc))
            if actor is None:
                return _rejected(result.line, columns.header("clusters"), name,
                                 CellError("", "no actor named {name} was imported", params={"name": repr(name)}))
            target = actor.id
        record.relations.append(("member_of", target))
    return None


def _check_id(session: Session, result: RowResult, columns: ColumnMapping) -> RowError | None:
    """An id column must point at the actor the row describes (a stray 'ID' column of row numbers
    would otherwise overwrite unrelated actors)."""
    record = result.record
    if record is None or record.actor_id is None:
        return None
    actor = session.get(Actor, record.actor_id)
    if actor is None:
        return None  # the writer reports the unknown id
    if _same_actor(actor, record):
        return None
    return _rejected(result.line, columns.header("id"), str(record.actor_id), CellError(
        "", "atlas id {id} is {actor}, not {name}; to rename an actor keep one of its identifiers (SIREN, ROR…) "
        "or another of its names in the row, or drop the id column",
        params={"id": record.actor_id, "actor": repr(actor.name), "name": repr(record.name)}))


def _rejected(line: int, column: str | None, value: str | None, refusal: CellError) -> RowError:
    """A rejected row whose reason is a message id (the API says it in the reader's language)."""
    return RowError(line, column, value, refusal.message, refusal=refusal)


def _same_actor(actor: Actor, record: ActorRecord) -> bool:
    known = {actor.name_key} | {n.value_key for n in actor.names}
    names = [record.name] + [value for _, value, _ in record.names or []]
    if any(fold(n) in known for n in names):
        return True
    held = {(i.scheme, i.value) for i in actor.identifiers}
    return any((s, value) in held for s in STRONG_SCHEMES for value in record.identifiers.get(s, []))

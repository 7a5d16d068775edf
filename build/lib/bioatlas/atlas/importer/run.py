"""`import actors FILE`: check every row, then write all valid rows in one transaction.

All or nothing by default: one bad row and nothing is written; the report lists every error
(line, column as written in the file, value, reason). With `skip_invalid`, the valid rows are
written and the bad ones reported. A dry run does the whole import and rolls it back, so its
counts of created / updated / unchanged actors are exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bioatlas.core.dialect import dialect_for
from bioatlas.atlas.importer.errors import ImportFileError, RowError
from bioatlas.atlas.importer.headers import ColumnMapping, map_headers
from bioatlas.atlas.importer.reader import DEFAULT_MAX_BYTES, Table, open_table
from bioatlas.atlas.importer.rows import LOCATION_FIELDS, RowContext, RowResult, build_record
from bioatlas.atlas.models import Actor, Source
from bioatlas.atlas.records import ActorRecord, SourceRecord
from bioatlas.atlas.taxonomy import Taxonomy
from bioatlas.atlas.writer import STRONG_SCHEMES, MatchError, find_by_name, get_or_create_source, upsert_actor
from bioatlas.core.reports import ImportReport, Rollback, write_or_rollback
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
) -> ActorImportReport:
    """Import a CSV/XLSX file of actors. An unreadable file raises ImportFileError; row problems
    are in the report."""
    path = Path(path)
    source = source or SourceRecord(key=f"file:{path.name}"[:200], title=path.name, kind="file")
    report = ActorImportReport(file=str(path), source=source.key, dry_run=dry_run, skip_invalid=skip_invalid)
    with open_table(path, encoding=encoding, sheet=sheet, max_bytes=max_bytes) as table:
        columns = map_headers(table.headers, mapping_file=mapping, file=path, line=table.header_line)
        report.mapping = columns
        report.warnings.extend(columns.warnings)
        if not columns.has(*LOCATION_FIELDS):
            report.warnings.append("no location column (postcode, commune, INSEE code, coordinates): no site is recorded")

        def write(session: Session) -> None:
            ctx = RowContext(taxonomies=taxonomies, mapping=columns, file_source=source, session=session)
            valid = _validate(table, ctx, report)
            if report.errors and not skip_invalid:
                raise Rollback
            _write(session, path, valid, columns, report)
            if report.errors and not skip_invalid:
                report.clear_outcomes()
                report.actors.clear()
                raise Rollback

        write_or_rollback(session_factory, report, write)
    report.errors.sort(key=lambda e: e.line)
    return report


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
                    result.errors.append(
                        RowError(line, ctx.mapping.header(name), shown, f"duplicate of line {first} (same {what})")
                    )
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
        report.warnings.append("the file has a header but no data rows")
    return valid


def _write(session: Session, path: Path, valid: list[RowResult], columns: ColumnMapping, report: ActorImportReport) -> None:
    sources: dict[str, Source] = {}
    written: dict[str, int] = {}  # folded names of the actors written so far -> id
    for result in valid:
        record = result.record
        assert record is not None and record.source is not None
        try:
            error = _resolve_clusters(session, result, written, columns) or _check_id(session, result, columns)
            if error is None:
                if record.source.key not in sources:
                    sources[record.source.key] = get_or_create_source(session, record.source)
                outcome = upsert_actor(session, record, source=sources[record.source.key])
        except MatchError as exc:
            name = _match_field(record, str(exc))
            error = RowError(result.line, columns.header(name) or columns.header("legal_name"), None, str(exc))
        except SQLAlchemyError as exc:
            if dialect_for(session).is_transient(exc):
                raise  # the database is busy, not the file wrong: the caller answers 503 (nothing was written)
            detail = getattr(exc, "orig", None) or exc
            raise ImportFileError(
                path, f"the database refused this row, nothing was imported ({type(detail).__name__}: {detail})",
                line=result.line,
            ) from exc
        if error is not None:
            report.errors.append(error)
            report.rejected += 1
            continue
        report.count(outcome.status)
        report.actors.append((result.line, outcome.actor_id, outcome.status))
        for key in result.names():
            written.setdefault(key, outcome.actor_id)


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
                return RowError(result.line, columns.header("clusters"), name, f"no actor named {name!r} was imported")
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
    return RowError(
        result.line, columns.header("id"), str(record.actor_id),
        f"atlas id {record.actor_id} is {actor.name!r}, not {record.name!r}; to rename an actor keep one of its "
        "identifiers (SIREN, ROR…) or another of its names in the row, or drop the id column",
    )


def _same_actor(actor: Actor, record: ActorRecord) -> bool:
    known = {actor.name_key} | {n.value_key for n in actor.names}
    names = [record.name] + [value for _, value, _ in record.names or []]
    if any(fold(n) in known for n in names):
        return True
    held = {(i.scheme, i.value) for i in actor.identifiers}
    return any((s, value) in held for s in STRONG_SCHEMES for value in record.identifiers.get(s, []))


def _match_field(record: ActorRecord, message: str) -> str:
    if record.actor_id is not None:
        return "id"
    scheme = message.split(" ", 1)[0]
    return scheme if scheme in STRONG_SCHEMES else "name"

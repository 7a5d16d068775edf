"""Load a ROR dump into the atlas: filter by country and type, create or update one actor per
record (matched on its ROR id only), then set the parent links. One registry, one source: a newer
dump updates the same facts and the actors' history says what changed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

from sqlalchemy.orm import Session, sessionmaker

from bioatlas.atlas.service import (
    SourceRecord,
    actor_ids_by_identifier,
    gazetteer,
    get_or_create_source,
    replace_relations,
    upsert_actor,
)
from bioatlas.core.reports import ImportReport, RowError, write_or_rollback
from bioatlas.sources import ror

SOURCE_KEY = "ror"


def ror_source(published: date | None = None) -> SourceRecord:
    return SourceRecord(
        key=SOURCE_KEY,
        title="ROR – Research Organization Registry",
        kind="open_data",
        url="https://ror.org",
        licence=ror.LICENCE,
        published=published,
    )


@dataclass(kw_only=True)
class RorReport(ImportReport):
    """The shared import report (`read`: records in the dump; `errors`: malformed records, the
    record's number as line and its ROR id as value), plus the records kept by the filters, the
    parent links changed and the kept records by type and status."""

    kept: int = 0
    relations: int = 0  # actors whose parent links changed
    by_type: Counter = field(default_factory=Counter)
    by_status: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {
            **super().as_dict(),
            "kept": self.kept, "relations": self.relations,
            "by_type": dict(self.by_type.most_common()), "by_status": dict(self.by_status),
        }


def import_ror(
    factory: sessionmaker[Session],
    path: Path,
    *,
    countries: set[str] | None = None,
    types: set[str] | None = None,
    published: date | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> RorReport:
    """`load` in its own transaction, committed unless a dry run (the shared dry-run path)."""
    report = RorReport(file=str(path), dry_run=dry_run)
    return write_or_rollback(factory, report, lambda session: load(
        session, path, countries=countries, types=types, published=published, progress=progress, report=report))


def load(
    session: Session,
    path: Path,
    *,
    countries: set[str] | None = None,
    types: set[str] | None = None,
    published: date | None = None,
    progress: Callable[[int], None] | None = None,
    report: RorReport | None = None,
) -> RorReport:
    """Read the whole dump first (a truncated or foreign file fails before anything is written),
    then write in the caller's transaction."""
    report = report or RorReport(file=str(path))
    wanted_countries = {c.upper() for c in countries} if countries else None
    wanted_types = {t.lower() for t in types} if types else None
    orgs: list[ror.RorOrg] = []
    for n, rec in enumerate(ror.read_dump(Path(path)), 1):
        report.read += 1
        try:
            org = ror.parse(rec)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            report.reject(RowError(n, None, str(rec.get("id", "?")),
                                   f"malformed record ({exc.__class__.__name__}: {exc})", file=Path(path).name))
            continue
        if not org.name.strip():
            report.reject(RowError(n, None, org.id, "no name", file=Path(path).name))
            continue
        if wanted_countries and not wanted_countries & {c.upper() for c in org.countries}:
            continue
        if wanted_types and not wanted_types & set(org.types):
            continue
        orgs.append(org)
    report.kept = len(orgs)
    source = get_or_create_source(session, record=ror_source(published))
    geo = gazetteer()
    ids: dict[str, int] = {}
    for i, org in enumerate(orgs, 1):
        outcome = upsert_actor(
            session, record=ror.to_actor_record(org, locate=geo.nearest), source=source, match_by_name=False, schemes=("ror",)
        )
        ids[org.id] = outcome.actor_id
        report.count(outcome.status)
        report.by_type.update(org.types or ["(none)"])
        report.by_status[org.status] += 1
        if progress and i % 100 == 0:
            progress(100)
    if progress:
        progress(len(orgs) % 100)
    # parents may come from earlier imports too (e.g. a country's dump after a type's dump)
    known = actor_ids_by_identifier(session, scheme="ror")
    for org in orgs:
        parents = [("part_of", known[p]) for p in org.parents if p in known]
        if replace_relations(session, actor_id=ids[org.id], relations=parents, source=source):
            report.relations += 1
    session.flush()
    return report

"""Load the Transparence-Santé companies into the atlas: one actor per company of the register
(matched on its Transparence-Santé identifier only, never on its name), with its country, head
office and sector. One registry, one source.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bioatlas.atlas.service import SourceRecord, gazetteer, get_or_create_source, taxonomies, upsert_actor
from bioatlas.core.reports import ImportReport, RowError, write_or_rollback
from bioatlas.sources import transparence_sante as ts

SOURCE_KEY = "transparence_sante"
SOURCE = SourceRecord(
    key=SOURCE_KEY,
    title="Transparence-Santé – entreprises (base publique, modèle avant 2022)",
    kind="open_data",
    url="https://www.data.gouv.fr/fr/datasets/transparence-sante-1/",
    licence=ts.LICENCE,
)


@dataclass(kw_only=True)
class TsReport(ImportReport):
    """The shared report, plus the kept rows by country and by sector, and the French rows placed
    at their commune."""

    located: int = 0
    by_country: Counter = field(default_factory=Counter)
    by_sector: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {
            **super().as_dict(), "located": self.located,
            "by_country": dict(self.by_country.most_common()), "by_sector": dict(self.by_sector.most_common()),
        }


def import_transparence_sante(
    factory: sessionmaker[Session], path: Path, *, dry_run: bool = False, progress: Callable[[int], None] | None = None,
) -> TsReport:
    """`load` in its own transaction, committed unless a dry run (the shared dry-run path)."""
    report = TsReport(file=str(path), dry_run=dry_run)
    return write_or_rollback(factory, report, lambda session: load(session, path=path, progress=progress, report=report))


def load(
    session: Session, *, path: Path, progress: Callable[[int], None] | None = None, report: TsReport | None = None,
) -> TsReport:
    """Read the whole file first, then write in the caller's transaction; rejected rows are
    reported and not written."""
    report = report or TsReport(file=str(path))
    sectors = set(taxonomies()[ts.SECTOR_FACET].terms)
    companies = []
    for company in ts.read(Path(path), gazetteer(), sectors=sectors):
        report.read += 1
        if company.error is not None or company.record is None:
            report.reject(company.error or RowError(company.line, None, company.ts_id, "row not read"))
            continue
        report.warnings.extend(str(w) for w in company.warnings)
        companies.append((company, company.record))
    source = get_or_create_source(session, record=SOURCE)
    for i, (company, record) in enumerate(companies, 1):
        outcome = upsert_actor(
            session, record=record, source=source, match_by_name=False, schemes=("transparence_sante",))
        report.count(outcome.status)
        report.by_country[company.country] += 1
        report.by_sector[company.sector or "(none)"] += 1
        report.located += any(site.latitude is not None for site in record.sites or [])
        if progress and i % 100 == 0:
            progress(100)
    if progress:
        progress(len(companies) % 100)
    session.flush()
    return report

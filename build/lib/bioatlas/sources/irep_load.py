"""Load the IREP establishments into the atlas: one actor per establishment (matched on its IREP
identifier only), with its SIRET and SIREN, NAF code and production site. One registry, one
source: a newer file updates the same facts and the actors' history says what changed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bioatlas.atlas.service import SourceRecord, gazetteer, get_or_create_source, upsert_actor
from bioatlas.core.reports import ImportReport, RowError, write_or_rollback
from bioatlas.sources import irep

SOURCE_KEY = "irep"
SOURCE = SourceRecord(
    key=SOURCE_KEY,
    title="IREP – Registre des émissions polluantes (Géorisques), établissements 2015",
    kind="open_data",
    url="https://www.georisques.gouv.fr/donnees/bases-de-donnees/installations-industrielles-rejetant-des-polluants",
    licence=irep.LICENCE,
)


@dataclass(kw_only=True)
class IrepReport(ImportReport):
    """The shared report, plus the rows kept by the NAF filter, the sites placed on the map and
    the kept rows by NAF code."""

    kept: int = 0
    located: int = 0
    naf: list[str] = field(default_factory=list)  # the filter, empty: all
    by_naf: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {
            **super().as_dict(), "kept": self.kept, "located": self.located, "naf": self.naf,
            "by_naf": dict(self.by_naf.most_common()),
        }


def import_irep(
    factory: sessionmaker[Session], path: Path, *, naf: set[str] | None = None, dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> IrepReport:
    """`load` in its own transaction, committed unless a dry run (the shared dry-run path)."""
    report = IrepReport(file=str(path), dry_run=dry_run, naf=sorted(naf or ()))
    return write_or_rollback(factory, report, lambda session: load(
        session, path=path, naf=naf, progress=progress, report=report))


def load(
    session: Session, *, path: Path, naf: set[str] | None = None, progress: Callable[[int], None] | None = None,
    report: IrepReport | None = None,
) -> IrepReport:
    """Read the whole file first (a wrong layout or encoding fails before anything is written),
    then write in the caller's transaction. Rejected rows are reported and not written."""
    report = report or IrepReport(file=str(path), naf=sorted(naf or ()))
    sites = []
    for site in irep.read(Path(path), gazetteer(), naf=naf):
        report.read += 1
        if site.error is not None or site.record is None:
            report.reject(site.error or RowError(site.line, None, site.irep_id, "row not read"))
            continue
        report.warnings.extend(str(w) for w in site.warnings)
        sites.append((site, site.record))
    report.kept = len(sites)
    source = get_or_create_source(session, record=SOURCE)
    for i, (site, record) in enumerate(sites, 1):
        outcome = upsert_actor(session, record=record, source=source, match_by_name=False, schemes=("irep",))
        report.count(outcome.status)
        report.located += site.located
        report.by_naf[site.naf_code or "(none)"] += 1
        if progress and i % 100 == 0:
            progress(100)
    if progress:
        progress(len(sites) % 100)
    session.flush()
    return report

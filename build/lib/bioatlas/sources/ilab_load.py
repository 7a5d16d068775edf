"""Load i-Lab laureates into the atlas, in the caller's transaction.

One start-up per SIREN (matched on its SIREN only), whatever the number of years it won: its
name, summary and website from its latest row that gives them, every year, technology domain
and laureate id kept as research facts (`atlas.models.ResearchFact`), its region as a region-level site,
and a `spun_out_of` link to the research unit the project came from when that unit (RNSR id) is
already in the atlas. Import RNSR first; a unit not found is a warning. Rows without a SIREN are
projects with no company: counted (`without_siren`), not imported.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bioatlas.atlas.service import (
    ActorRecord,
    SiteRecord,
    SourceRecord,
    actor_ids_by_identifier,
    gazetteer,
    get_or_create_source,
    replace_relations,
    replace_research_facts,
    upsert_actor,
)
from bioatlas.core.reports import ImportReport, RowError, write_or_rollback
from bioatlas.sources import ilab

SOURCE_KEY = "ilab"
KIND = "startup"


def ilab_source(published: date | None = None) -> SourceRecord:
    return SourceRecord(
        key=SOURCE_KEY,
        title="i-Lab – lauréats du concours national d'aide à la création d'entreprises de technologies innovantes",
        kind="open_data",
        url="https://www.data.gouv.fr/fr/datasets/laureats-du-concours-national-i-lab/",
        licence=ilab.LICENCE,
        published=published,
    )


@dataclass(kw_only=True)
class IlabReport(ImportReport):
    """The shared report (`read`: rows; created/updated/unchanged: start-ups, one per SIREN),
    plus the rows without a SIREN, the start-ups by technology domain of their latest row, and
    the links to research units made and missing."""

    without_siren: int = 0
    startups: int = 0
    by_domain: Counter = field(default_factory=Counter)
    units_linked: int = 0
    units_missing: int = 0

    def as_dict(self) -> dict:
        return {
            **super().as_dict(),
            "without_siren": self.without_siren, "startups": self.startups,
            "by_domain": dict(self.by_domain.most_common()), "units_linked": self.units_linked,
            "units_missing": self.units_missing,
        }


def import_ilab(
    factory: sessionmaker[Session], path: Path, *, published: date | None = None, dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> IlabReport:
    """`load` in its own transaction, committed unless a dry run (the shared dry-run path)."""
    report = IlabReport(file=str(path), dry_run=dry_run)
    return write_or_rollback(factory, report, lambda session: load(
        session, path, published=published, progress=progress, report=report))


def load(
    session: Session, path: Path, *, published: date | None = None, progress: Callable[[int], None] | None = None,
    report: IlabReport | None = None,
) -> IlabReport:
    """Read the whole file first (a wrong layout or encoding fails before anything is written)."""
    report = report or IlabReport(file=str(path))
    file = Path(path).name
    by_siren: dict[str, list[ilab.Laureate]] = defaultdict(list)
    for item in ilab.read(Path(path)):
        report.read += 1
        if isinstance(item, RowError):
            report.reject(item)
        elif item.siren is None:
            report.without_siren += 1
        else:
            by_siren[item.siren].append(item)
    source = get_or_create_source(session, record=ilab_source(published))
    units = actor_ids_by_identifier(session, scheme="rnsr")
    regions = gazetteer().regions
    report.startups = len(by_siren)
    for i, siren in enumerate(sorted(by_siren), 1):
        rows = sorted(by_siren[siren], key=lambda r: (r.year, r.line))
        record = _record(siren, rows, regions, report, file=file)
        outcome = upsert_actor(session, record=record, source=source, match_by_name=False, schemes=("siren",))
        status = outcome.status
        changed = replace_research_facts(session, actor_id=outcome.actor_id, source=source, facts=_facts(rows))
        relations = []
        for row in rows:
            if row.research_unit is None:
                continue
            if row.research_unit in units:
                relations.append(("spun_out_of", units[row.research_unit]))
            else:
                report.units_missing += 1
                report.warnings.append(f"{file}, line {row.line}, column {ilab.UNIT!r} ({row.research_unit!r}): research "
                                       "unit not in the atlas (import RNSR first); link not made")
        report.units_linked += len(set(relations))
        changed |= replace_relations(session, actor_id=outcome.actor_id, relations=sorted(set(relations)), source=source)
        report.count("updated" if changed and status == "unchanged" else status)
        report.by_domain[next((r.domain for r in reversed(rows) if r.domain), "(none)")] += 1
        if progress and i % 100 == 0:
            progress(100)
    if progress:
        progress(len(by_siren) % 100)
    session.flush()
    return report


def _latest(rows: list[ilab.Laureate], attr: str) -> str | None:
    return next((getattr(r, attr) for r in reversed(rows) if getattr(r, attr)), None)


def _record(siren: str, rows: list[ilab.Laureate], regions: dict[str, str], report: IlabReport, *, file: str) -> ActorRecord:
    company, project, title = _latest(rows, "company"), _latest(rows, "project"), _latest(rows, "title")
    name = company or project or (title if title and len(title) <= 200 else None) or f"SIREN {siren}"
    names = [("alias", project, None)] if project and project != name else []
    identifiers = {"siren": [siren]}
    sirets = sorted({r.siret for r in rows if r.siret})
    if sirets:
        identifiers["siret"] = sirets
    website = _latest(rows, "website")
    if website:
        identifiers["website"] = [website]
    region = _latest(rows, "region")
    sites: list[SiteRecord] = []
    if region and region in regions:
        sites.append(SiteRecord(role="hq", region=region))
    elif region:
        report.warnings.append(f"{file}, line {rows[-1].line}, column 'Id région' ('R{region}'): unknown region code; no site")
    return ActorRecord(
        name=name, kind=KIND, status="active", names=names, identifiers=identifiers,
        description_fr=_latest(rows, "summary") or title, sites=sites,
    )


def _facts(rows: list[ilab.Laureate]) -> list[tuple[str, str, str | None]]:
    facts: list[tuple[str, str, str | None]] = []
    for r in rows:
        facts.append(("ilab_year", str(r.year), r.application))
        if r.domain:
            facts.append(("ilab_domain", r.domain, r.domain))
        if r.laureate_id:
            facts.append(("ilab_laureate", r.laureate_id, str(r.year)))
    return facts

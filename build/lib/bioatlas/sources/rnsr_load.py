"""Load an RNSR export into the atlas, in the caller's transaction.

Each structure is an actor matched on its RNSR id only (kind research_unit, or company/foundation
for the few private companies and cooperation foundations); its supervising and participating
bodies are actors of their own matched on their SIRET only; links: `supervised_by` (tutelle),
`related` (participating body), `part_of` (parent structure, both ends RNSR ids). Scientific
domains, ERC panels and the creation year are research facts (`atlas.models.ResearchFact`).
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
    GeocodeError,
    SiteRecord,
    SourceRecord,
    actor_ids_by_identifier,
    get_or_create_source,
    gazetteer,
    replace_relations,
    replace_research_facts,
    upsert_actor,
)
from bioatlas.core.reports import ImportReport, RowError, write_or_rollback
from bioatlas.sources import rnsr
from bioatlas.sources.places import locate

SOURCE_KEY = "rnsr"
ROLE_RELATION = {"TUTE": "supervised_by", "PART": "related"}


def rnsr_source(published: date | None = None) -> SourceRecord:
    return SourceRecord(
        key=SOURCE_KEY,
        title="RNSR – Répertoire national des structures de recherche (structures de recherche publiques actives)",
        kind="open_data",
        url="https://data.enseignementsup-recherche.gouv.fr/explore/dataset/fr-esr-structures-recherche-publiques-actives/",
        licence=rnsr.LICENCE,
        published=published,
    )


@dataclass(kw_only=True)
class RnsrReport(ImportReport):
    """The shared report (`read`: rows; created/updated/unchanged: structures), plus the
    supervising bodies written, actors created by kind, relations changed, structures placed
    on a commune, and links to structures absent from the file."""

    supervisors: Counter = field(default_factory=Counter)  # created | updated | unchanged
    created_by_kind: Counter = field(default_factory=Counter)
    structures_by_kind: Counter = field(default_factory=Counter)
    relations: int = 0  # structures whose links changed
    located: int = 0
    missing_parents: int = 0

    def as_dict(self) -> dict:
        return {
            **super().as_dict(),
            "supervisors": dict(self.supervisors), "created_by_kind": dict(self.created_by_kind.most_common()),
            "structures_by_kind": dict(self.structures_by_kind.most_common()), "relations": self.relations,
            "located": self.located, "missing_parents": self.missing_parents,
        }


def import_rnsr(
    factory: sessionmaker[Session], path: Path, *, published: date | None = None, dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> RnsrReport:
    """`load` in its own transaction, committed unless a dry run (the shared dry-run path)."""
    report = RnsrReport(file=str(path), dry_run=dry_run)
    return write_or_rollback(factory, report, lambda session: load(
        session, path, published=published, progress=progress, report=report))


def load(
    session: Session, path: Path, *, published: date | None = None, progress: Callable[[int], None] | None = None,
    report: RnsrReport | None = None,
) -> RnsrReport:
    """Read the whole file first (a wrong layout or encoding fails before anything is written)."""
    report = report or RnsrReport(file=str(path))
    structures: list[rnsr.RnsrStructure] = []
    seen: set[str] = set()
    for item in rnsr.read(Path(path)):
        report.read += 1
        if isinstance(item, RowError):
            report.reject(item)
        elif item.id in seen:
            report.reject(RowError(item.line, rnsr.ID, item.id, "national number already given on an earlier row",
                                   file=Path(path).name))
        else:
            seen.add(item.id)
            structures.append(item)
            report.warnings.extend(item.warnings)
    source = get_or_create_source(session, record=rnsr_source(published))
    supervisor_ids = _write_supervisors(session, structures, source, report)
    geo = gazetteer()
    ids: dict[str, int] = {}
    for i, s in enumerate(structures, 1):
        record = _structure_record(s, geo, report, file=Path(path).name)
        outcome = upsert_actor(session, record=record, source=source, match_by_name=False, schemes=("rnsr",))
        ids[s.id] = outcome.actor_id
        facts = [("rnsr_domain", c, lab) for c, lab in s.domains] + [("erc_panel", c, lab) for c, lab in s.panels]
        if s.year is not None:
            facts.append(("rnsr_created", str(s.year), None))
        status = outcome.status
        if replace_research_facts(session, actor_id=outcome.actor_id, source=source, facts=facts) and status == "unchanged":
            status = "updated"
        report.count(status)
        report.structures_by_kind[s.kind] += 1
        if outcome.status == "created":
            report.created_by_kind[s.kind] += 1
        if progress and i % 100 == 0:
            progress(100)
    if progress:
        progress(len(structures) % 100)
    _write_relations(session, structures, ids, supervisor_ids, source, report, file=Path(path).name)
    session.flush()
    return report


def _structure_record(s: rnsr.RnsrStructure, geo, report: RnsrReport, *, file: str) -> ActorRecord:
    names = [("acronym", s.acronym, None)] if s.acronym else []
    names += [("alias", label, None) for label in s.labels]
    identifiers = {"rnsr": [s.id]}
    if s.website:
        identifiers["website"] = [s.website]
    sites: list[SiteRecord] = []
    if s.postcode or s.commune or s.address:
        place, why = None, ""
        try:
            place = locate(geo, postcode=s.postcode or "", commune=s.commune or "")
        except GeocodeError as exc:
            why = str(exc)
        if place is None:
            report.warnings.append(f"{file}, line {s.line}, column 'code_postal' ({s.postcode or ''} {s.commune or ''}): "
                                   f"{why}; site kept without a commune or coordinates")
        else:
            report.located += 1
        sites.append(SiteRecord(
            role="hq", address=s.address, postcode=s.postcode,
            commune_insee=place.insee if place else None, commune_name=place.name if place else s.commune,
            departement=place.departement if place else None, region=place.region if place else None,
            latitude=place.latitude if place else None, longitude=place.longitude if place else None,
            precision="commune" if place else None,  # the commune's centre, not the street address
        ))
    return ActorRecord(name=s.name, kind=s.kind, status="active", names=names, identifiers=identifiers, sites=sites)


def _write_supervisors(session: Session, structures, source, report: RnsrReport) -> dict[str, int]:
    """One actor per distinct SIRET, named by the label the file gives it most often."""
    labels: dict[str, Counter] = defaultdict(Counter)
    acronyms: dict[str, Counter] = defaultdict(Counter)
    uais: dict[str, set[str]] = defaultdict(set)
    kinds: dict[str, Counter] = defaultdict(Counter)
    for s in structures:
        for sup in s.supervisors:
            assert sup.siret is not None
            labels[sup.siret][sup.name] += 1
            if sup.acronym:
                acronyms[sup.siret][sup.acronym] += 1
            if sup.uai:
                uais[sup.siret].add(sup.uai)
            kinds[sup.siret][sup.kind] += 1
    ids: dict[str, int] = {}
    for siret in sorted(labels):
        name = labels[siret].most_common(1)[0][0]
        kind = kinds[siret].most_common(1)[0][0]
        names = [("acronym", a, None) for a, _ in acronyms[siret].most_common(1)]
        names += [("alias", other, None) for other in sorted(labels[siret]) if other != name]
        identifiers = {"siret": [siret]}
        if uais[siret]:
            identifiers["uai"] = sorted(uais[siret])
        outcome = upsert_actor(session, record=ActorRecord(name=name, kind=kind, names=names, identifiers=identifiers),
                               source=source, match_by_name=False, schemes=("siret",))
        ids[siret] = outcome.actor_id
        report.supervisors[outcome.status] += 1
        if outcome.status == "created":
            report.created_by_kind[kind] += 1
    return ids


def _write_relations(session, structures, ids, supervisor_ids, source, report: RnsrReport, *, file: str) -> None:
    known = actor_ids_by_identifier(session, scheme="rnsr")  # parents imported earlier count too
    parents: dict[str, set[str]] = defaultdict(set)
    for s in structures:
        parents[s.id].update(s.parents)
        for child in s.children:
            if child in ids:
                parents[child].add(s.id)
            else:
                report.warnings.append(f"{file}, line {s.line}, column 'numero_de_structure_enfant' ({child!r}): "
                                       "child structure not in the file nor the atlas; link not made"
                                       if child not in known else
                                       f"{file}, line {s.line}, column 'numero_de_structure_enfant' ({child!r}): "
                                       "child structure not in this file; its own import states its links")
    for s in structures:
        relations: set[tuple[str, int]] = set()
        for sup in s.supervisors:
            relations.add((ROLE_RELATION.get(sup.role, "related"), supervisor_ids[sup.siret or ""]))
        for parent in sorted(parents[s.id]):
            target = ids.get(parent) or known.get(parent)
            if target is None:
                report.missing_parents += 1
                report.warnings.append(f"{file}, line {s.line}, column 'numero_de_structure_parent' ({parent!r}): "
                                       "parent structure not in the file nor the atlas; link not made")
            else:
                relations.add(("part_of", target))
        if replace_relations(session, actor_id=ids[s.id], relations=sorted(relations), source=source):
            report.relations += 1

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

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.atlas.geocode import gazetteer
from bioatlas.atlas.models import Actor, Identifier
from bioatlas.atlas.records import SourceRecord
from bioatlas.atlas.writer import get_or_create_source, replace_relations, upsert_actor
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


@dataclass
class RorReport:
    read: int = 0
    kept: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    relations: int = 0  # actors whose parent links changed
    rejected: list[tuple[int, str]] = field(default_factory=list)
    by_type: Counter = field(default_factory=Counter)
    by_status: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {
            "read": self.read, "kept": self.kept, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "relations": self.relations,
            "rejected": [{"record": n, "reason": r} for n, r in self.rejected],
            "by_type": dict(self.by_type.most_common()), "by_status": dict(self.by_status),
        }


def load(
    session: Session,
    path: Path,
    *,
    countries: set[str] | None = None,
    types: set[str] | None = None,
    published: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> RorReport:
    """Read the whole dump first (a truncated or foreign file fails before anything is written),
    then write in the caller's transaction."""
    report = RorReport()
    wanted_countries = {c.upper() for c in countries} if countries else None
    wanted_types = {t.lower() for t in types} if types else None
    orgs: list[ror.RorOrg] = []
    for n, rec in enumerate(ror.read_dump(Path(path)), 1):
        report.read += 1
        try:
            org = ror.parse(rec)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            report.rejected.append((n, f"{rec.get('id', '?')}: malformed record ({exc.__class__.__name__}: {exc})"))
            continue
        if not org.name.strip():
            report.rejected.append((n, f"{org.id}: no name"))
            continue
        if wanted_countries and not wanted_countries & {c.upper() for c in org.countries}:
            continue
        if wanted_types and not wanted_types & set(org.types):
            continue
        orgs.append(org)
    report.kept = len(orgs)
    source = get_or_create_source(session, ror_source(published))
    geo = gazetteer()
    ids: dict[str, int] = {}
    for i, org in enumerate(orgs, 1):
        outcome = upsert_actor(
            session, ror.to_actor_record(org, locate=geo.nearest), source=source, match_by_name=False, schemes=("ror",)
        )
        ids[org.id] = outcome.actor_id
        setattr(report, outcome.status, getattr(report, outcome.status) + 1)
        report.by_type.update(org.types or ["(none)"])
        report.by_status[org.status] += 1
        if progress and i % 100 == 0:
            progress(100)
    if progress:
        progress(len(orgs) % 100)
    # parents may come from earlier imports too (e.g. a country's dump after a type's dump)
    known = dict(
        session.execute(select(Identifier.value, Identifier.actor_id).where(Identifier.scheme == "ror")).all()
    )
    for org in orgs:
        parents = [("part_of", known[p]) for p in org.parents if p in known]
        if replace_relations(session, session.get(Actor, ids[org.id]), parents, source):
            report.relations += 1
    session.flush()
    return report

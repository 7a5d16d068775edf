"""Load the demo through the rooms' own loaders: the French organisations of the ROR registry
(sources), the organisations named in the sector's press articles (atlas spreadsheet import),
the demo steps of order below 300 (the registries and their linking), the EMA medicines lists
(products), the ROME occupations (occupations), then the other demo steps (plug-in hook
`bioatlas_demo_steps`, in their order), then the observatory's reference data and a snapshot of
its computed indicators.

Loading is idempotent: a second run reports every actor unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bioatlas.atlas.importer.run import import_actors
from bioatlas.atlas.models import Identifier
from bioatlas.atlas.taxonomy import Taxonomy
from bioatlas.core.db import transaction
from bioatlas.core.plugins import collect
from bioatlas.demo.files import EMA_FILES, ROME_FILES, ROR_FILE, SEED_FILE
from bioatlas.observatory.compute import snapshot
from bioatlas.observatory.reference import load_reference
from bioatlas.occupations.service import load_rome
from bioatlas.products.service import import_ema
from bioatlas.sources import ror, ror_load


ATLAS_SOURCES = 300  # steps below this order (registries 100, their linking 200) run before the EMA lists


@dataclass
class DemoReport:
    counts: dict[str, int] = field(default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0})
    relations: int = 0  # actors whose parent links were created or changed
    seeds: dict = field(default_factory=dict)
    ema: list[dict] = field(default_factory=list)  # one report per EMA list, oldest first
    rome: dict = field(default_factory=dict)
    observatory: dict = field(default_factory=dict)
    steps: dict[str, dict] = field(default_factory=dict)  # each room's demo step: its summary


def load_ror(session: Session, path: Path = ROR_FILE, *, progress: Callable[[int], None] | None = None) -> DemoReport:
    """The demo's ROR part, through the ROR connector (French records)."""
    result = ror_load.load(session, path, countries={"FR"}, progress=progress)
    report = DemoReport(relations=result.relations)
    report.counts = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
    return report


def load_demo(
    factory: sessionmaker[Session], *, taxonomies: dict[str, Taxonomy], progress: Callable[[int], None] | None = None
) -> DemoReport:
    """Load (or refresh) the whole demo through the connectors: ROR, the seed articles'
    organisations, the EMA medicines lists (2018 then 2026) and the ROME occupations."""
    with transaction(factory) as session:
        report = load_ror(session, progress=progress)
    seeds = import_actors(factory, SEED_FILE, taxonomies=taxonomies)
    report.seeds = seeds.as_dict()
    if seeds.as_dict().get("errors"):
        raise RuntimeError(f"demo seed file rejected: {seeds.as_dict()['errors']}")
    # the atlas's other sources (registries, order < 300) and their linking come before the EMA
    # lists, whose holders are resolved against the atlas: every run resolves them on the same actors
    report.steps = run_demo_steps(factory, taxonomies=taxonomies, below=ATLAS_SOURCES)
    report.ema = [import_ema(factory, path=path).as_dict() for path in EMA_FILES]
    report.rome = load_rome(factory, occupations_path=ROME_FILES[0], titles_path=ROME_FILES[1]).as_dict()
    report.steps.update(run_demo_steps(factory, taxonomies=taxonomies, from_order=ATLAS_SOURCES))
    with transaction(factory) as session:
        ref = load_reference(session)
        snap = snapshot(session, at=date.today(), taxonomies=taxonomies)
    report.observatory = {"reference": ref.as_dict(), "computed": dict(snap.stored), "empty": dict(snap.empty)}
    return report


def run_demo_steps(factory: sessionmaker[Session], *, taxonomies: dict[str, Taxonomy], from_order: int | None = None,
                   below: int | None = None) -> dict[str, dict]:
    """Every room's demo step (hook `bioatlas_demo_steps`) of order in [from_order, below), lowest
    order first: name -> summary."""
    steps = sorted((step for step in collect("bioatlas_demo_steps")
                    if (from_order is None or step.order >= from_order) and (below is None or step.order < below)),
                   key=lambda step: (step.order, step.name))
    return {step.name: dict(step.run(factory, taxonomies=taxonomies)) for step in steps}


def ror_count() -> int:
    return sum(1 for _ in ror.read_dump(ROR_FILE))


def has_demo(session: Session) -> bool:
    return session.scalar(select(Identifier.id).where(Identifier.scheme == "ror").limit(1)) is not None

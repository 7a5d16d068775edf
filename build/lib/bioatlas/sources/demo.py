"""The sources room's part of the demo (`bioatlas demo load`, order 100): the sector part of the
four registries (`demo_data/`, derived by `scripts/derive_demo_data.py`: RNSR life-science
structures, i-Lab biotech/pharma laureates, IREP pharmaceutical and biotech plants, French
Transparence-Santé human-medicine companies), each through its own connector, RNSR before i-Lab
(start-ups link to RNSR units). The whole files would make the demo load take minutes (measured in
docs/linking.md); `bioatlas import …` loads a whole file the same way. Idempotent: a second run
reports every actor unchanged."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bioatlas.sources import ilab_load, irep_load, rnsr_load, transparence_sante_load

DEMO_DATA = Path(__file__).with_name("demo_data")
RNSR_FILE = DEMO_DATA / "rnsr-sante.csv"
ILAB_FILE = DEMO_DATA / "ilab-biotech-pharma.csv"
IREP_FILE = DEMO_DATA / "irep-pharma-biotech.csv"
TS_FILE = DEMO_DATA / "transparence-sante-med-fr.csv"


def _counts(report) -> dict[str, Any]:
    return {k: getattr(report, k) for k in ("read", "created", "updated", "unchanged", "rejected")}


def load_registries(factory: sessionmaker[Session], *, taxonomies: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Each registry in its own all-or-nothing transaction; a file rejected whole stops the demo."""
    reports = {
        "rnsr": rnsr_load.import_rnsr(factory, RNSR_FILE),
        "ilab": ilab_load.import_ilab(factory, ILAB_FILE),
        "irep": irep_load.import_irep(factory, IREP_FILE),
        "transparence_sante": transparence_sante_load.import_transparence_sante(factory, TS_FILE),
    }
    summary = {name: _counts(report) for name, report in reports.items()}
    summary["rnsr"]["supervisors created"] = reports["rnsr"].supervisors["created"]
    return summary

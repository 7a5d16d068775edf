"""Real actors for the semantic tests: research units of the ROR registry (their registered
display name only, no translated alias) and organisations of the seed articles (with their
French description from the seed file), loaded through the writer like any import."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

from bioatlas.atlas.records import ActorRecord, SourceRecord
from bioatlas.atlas.writer import get_or_create_source, upsert_actor

DEMO = Path(__file__).resolve().parents[3] / "src" / "bioatlas" / "demo" / "data"
ROR_IDS = {
    "https://ror.org/01yw9jt43": "Pathogenesis and Control of Chronic and Emerging Infections",
    "https://ror.org/00b8mh310": "Institute for Regenerative Medicine & Biotherapy",
    "https://ror.org/02tg88m31": "Translational Research in Gene Therapy",
    "https://ror.org/0266c5p67": "Immunologie intégrative des tumeurs et immunothérapie du cancer",
    "https://ror.org/01c1p7750": "Centre d'Investigation Clinique de Vaccinologie Cochin-Pasteur",
    "https://ror.org/02wj62e51": "Diabète et thérapie cellulaire",
    "https://ror.org/03kr50w79": "Physique et Mécanique des Milieux Hétérogènes",
    "https://ror.org/03n4whq22": "GRAPHDECO: GRAPHics and DEsign with hEterogeneous COntent",
    "https://ror.org/00rkrv905": "La Ligue Contre le Cancer",
    "https://ror.org/01dyc9913": "European Cytogeneticists Association",
    "https://ror.org/02pthsx48": "Ecologie et émergence des pathogènes transmis par les arthropodes",
}
SEED_NAMES = ("Sensorion", "Cellectis", "Polepharma", "Genopole", "Région Île-de-France", "EIT Manufacturing")


def ror_records() -> list[ActorRecord]:
    out = []
    with gzip.open(DEMO / "ror-fr.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec["id"] in ROR_IDS:
                display = next(n["value"] for n in rec["names"] if "ror_display" in n["types"])
                out.append(ActorRecord(name=display, kind="research_unit", identifiers={"ror": [rec["id"]]}))
    assert {r.name for r in out} == set(ROR_IDS.values()), "the ROR extract changed"
    return out


def seed_records(*, with_descriptions: bool = True) -> list[ActorRecord]:
    with open(DEMO / "seed-actors.csv", encoding="utf-8") as fh:
        rows = {r["name"]: r for r in csv.DictReader(fh)}
    return [
        ActorRecord(name=n, kind=rows[n]["kind"], description_fr=rows[n]["description_fr"] if with_descriptions else None)
        for n in SEED_NAMES
    ]


def seed_description(name: str) -> str:
    with open(DEMO / "seed-actors.csv", encoding="utf-8") as fh:
        return next(r["description_fr"] for r in csv.DictReader(fh) if r["name"] == name)


def load(session, *, with_descriptions: bool = True) -> dict[str, int]:
    """Load the actors, commit, and return their ids by name."""
    ror = get_or_create_source(session, SourceRecord(key="test:ror", title="ROR (extract)", kind="open_data"))
    seeds = get_or_create_source(session, SourceRecord(key="test:seed", title="seed articles", kind="article"))
    ids = {r.name: upsert_actor(session, r, source=ror).actor_id for r in ror_records()}
    ids |= {r.name: upsert_actor(session, r, source=seeds).actor_id for r in seed_records(with_descriptions=with_descriptions)}
    session.commit()
    return ids

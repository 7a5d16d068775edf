"""Duplicate detection inside the atlas: blocking and scoring by the resolver itself.

Each actor's names (usual name and labels, with its city) are resolved against the atlas with
the actor itself left out: the resolver's retrieval is the blocking (exact name keys, rare shared
tokens) and its calibrated probability the pair score. Then:
- a pair whose actors hold different values of one strong identifier (two ROR ids, two SIRENs…)
  is two organisations by definition and is never proposed; two actors sharing one are certain;
- a pair whose actors are located in different countries is never proposed;
- the pair score is the resolver's probability weighed by the similarity of the two names;
- auto-merge needs the precision-safe rule: score >= AUTO_THRESHOLD, the same name key, and no
  disagreement on the city when both have one; other pairs >= REVIEW_THRESHOLD wait in the queue.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

# reads atlas tables: duplicate detection scans every strong identifier, like the resolver's index
from bioatlas.atlas.models import Actor, Identifier
from bioatlas.atlas.service import STRONG_SCHEMES
from bioatlas.resolve.index import ResolverIndex, build_index
from bioatlas.resolve.merge import merge_actors
from bioatlas.resolve.models import DuplicateCandidate
from bioatlas.resolve.resolver import Resolver
from bioatlas.resolve.text import key

AUTO_THRESHOLD = 0.8  # with the same name key and no city clash (see find_pairs)
REVIEW_THRESHOLD = 0.5
MAX_NAMES = 3


@dataclass
class Pair:
    a: int
    b: int
    score: float
    reasons: list[str]
    same_name: bool
    auto: bool = False


@dataclass
class DuplicateReport:
    actors: int = 0
    pairs: list[Pair] = field(default_factory=list)
    conflicts: int = 0  # pairs set aside: different strong identifiers or countries
    merged: list[int] = field(default_factory=list)  # merge ids
    queued: int = 0

    def as_dict(self) -> dict:
        return {"actors": self.actors, "pairs": len(self.pairs), "auto": sum(p.auto for p in self.pairs),
                "queued": self.queued, "merged": len(self.merged), "set_aside": self.conflicts}


def _identifiers(session: Session) -> dict[int, dict[str, set[str]]]:
    out: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    rows = session.execute(select(Identifier.actor_id, Identifier.scheme, Identifier.value).where(
        Identifier.scheme.in_(STRONG_SCHEMES)))
    for actor_id, scheme, value in rows:
        out[actor_id][scheme].add(value)
    return out


def _identity(ids_a: dict[str, set[str]], ids_b: dict[str, set[str]]) -> str | None:
    """'different' when one scheme (establishment SIRETs aside) disagrees — two ROR records are two
    organisations even when they cite one Wikidata item; else 'same' when they share a value."""
    if any(ids_a[s] and ids_b[s] and not ids_a[s] & ids_b[s] for s in ids_a if s in ids_b and s != "siret"):
        return "different"
    if any(ids_a[s] & ids_b[s] for s in ids_a if s in ids_b):
        return "same"
    return None


def find_pairs(session: Session, *, index: ResolverIndex | None = None, resolver: Resolver | None = None,
               review_threshold: float = REVIEW_THRESHOLD, auto_threshold: float = AUTO_THRESHOLD) -> DuplicateReport:
    index = index or build_index(session)
    resolver = resolver or Resolver(index)
    ids = _identifiers(session)
    report = DuplicateReport(actors=len(index.actors))
    names: dict[int, list[str]] = defaultdict(list)
    for e in index.entries:
        if not e.acronym and len(names[e.actor_id]) < MAX_NAMES:
            names[e.actor_id].append(e.value)
    best: dict[tuple[int, int], Pair] = {}
    set_aside: set[tuple[int, int]] = set()
    for actor_id, info in index.actors.items():
        city = next(iter(sorted(info.cities)), "")
        for name in names.get(actor_id, []):
            res = resolver.resolve(f"{name}, {city}" if city else name, exclude=actor_id)
            for c in res.candidates:
                # the whole names of two duplicates agree, not just a part of one: the resolver's
                # probability is weighed by the similarity of the two names
                pair_score = c.score * c.features["ratio"]
                if pair_score < review_threshold:
                    continue
                pair = (min(actor_id, c.actor_id), max(actor_id, c.actor_id))
                other = index.actors[c.actor_id]
                identity = _identity(ids.get(actor_id, {}), ids.get(c.actor_id, {}))
                if identity == "different" or (info.countries and other.countries and not info.countries & other.countries):
                    set_aside.add(pair)
                    continue
                score = 1.0 if identity == "same" else pair_score
                same_name = key(name) == key(c.matched) or identity == "same"
                reasons = (["identifier: shared"] if identity == "same" else []) + c.reasons
                city_clash = info.cities and other.cities and not info.cities & other.cities
                auto = score >= auto_threshold and same_name and not city_clash
                if pair not in best or score > best[pair].score:
                    best[pair] = Pair(pair[0], pair[1], score, reasons, same_name, auto)
    report.conflicts = len(set_aside - set(best))
    report.pairs = sorted(best.values(), key=lambda p: -p.score)
    return report


def record_and_merge(session: Session, report: DuplicateReport, *, merge: bool = True) -> DuplicateReport:
    """Store the pairs (pending, or merged when auto and `merge`); a pair already reviewed keeps its status."""
    existing = {(d.actor_a_id, d.actor_b_id): d for d in session.scalars(select(DuplicateCandidate))}
    into: dict[int, int] = {}  # merged actor -> the actor it was merged into, during this run
    for p in report.pairs:
        p.a, p.b = sorted((_final(into, p.a), _final(into, p.b)))
        if p.a == p.b:
            continue
        row = existing.get((p.a, p.b))
        if row is None:
            row = DuplicateCandidate(actor_a_id=p.a, actor_b_id=p.b, score=p.score, reasons=json.dumps(p.reasons))
            session.add(row)
        elif row.status != "pending":
            continue
        else:
            row.score, row.reasons = p.score, json.dumps(p.reasons)
        session.flush()
        if merge and p.auto:
            kept, dropped = choose_kept(session, a=p.a, b=p.b)
            row.status = "merged"
            session.flush()
            report.merged.append(merge_actors(session, kept_id=kept, merged_id=dropped, score=p.score, method="auto").id)
            into[dropped] = kept
            existing = {(d.actor_a_id, d.actor_b_id): d for d in session.scalars(select(DuplicateCandidate))}
        elif row.status == "pending":
            report.queued += 1
    return report


def _final(into: dict[int, int], actor_id: int) -> int:
    while actor_id in into:
        actor_id = into[actor_id]
    return actor_id


def choose_kept(session: Session, *, a: int, b: int) -> tuple[int, int]:
    """The actor with a ROR id, else the one with more identifiers, else the older one, is kept."""
    def rank(actor_id: int) -> tuple:
        schemes = set(session.scalars(select(Identifier.scheme).where(Identifier.actor_id == actor_id)))
        return ("ror" not in schemes, -len(schemes), actor_id)
    kept, dropped = sorted((a, b), key=rank)
    return kept, dropped


def queue(session: Session, *, limit: int = 50) -> list[dict]:
    rows = session.execute(
        select(DuplicateCandidate, Actor.name).join(Actor, Actor.id == DuplicateCandidate.actor_a_id)
        .where(DuplicateCandidate.status == "pending").order_by(DuplicateCandidate.score.desc(), DuplicateCandidate.id)
        .limit(limit)
    ).all()
    names = dict(session.execute(select(Actor.id, Actor.name).where(
        Actor.id.in_([d.actor_b_id for d, _ in rows]))).all()) if rows else {}
    return [{"id": d.id, "a": d.actor_a_id, "a_name": a_name, "b": d.actor_b_id, "b_name": names.get(d.actor_b_id),
             "score": round(d.score, 4), "reasons": json.loads(d.reasons)} for d, a_name in rows]

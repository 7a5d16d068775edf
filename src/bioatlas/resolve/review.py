"""The duplicate review queue as the web page shows it, and the reviewer's decisions (merge, not a
duplicate, undo a merge), shared by `bioatlas duplicates` and `/admin/duplicates`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.atlas.models import Actor, ActorName, Capability, Identifier, Site, Source
from bioatlas.resolve.duplicates import choose_kept
from bioatlas.resolve.merge import MergeError, merge_actors, unmerge
from bioatlas.resolve.models import ActorMerge, DuplicateCandidate

MAX_SHOWN = 8  # names, identifiers, sites listed per actor


@dataclass
class ActorCard:
    id: int
    name: str
    kind: str
    names: list[str] = field(default_factory=list)
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    sites: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


@dataclass
class PairView:
    id: int
    score: float
    reasons: list[str]
    a: ActorCard
    b: ActorCard


def _card(session: Session, actor: Actor) -> ActorCard:
    card = ActorCard(actor.id, actor.name, actor.kind)
    sources: set[int] = set()
    for value, source_id in session.execute(select(ActorName.value, ActorName.source_id).where(
            ActorName.actor_id == actor.id).order_by(ActorName.id)):
        sources.add(source_id)
        if value != actor.name and value not in card.names and len(card.names) < MAX_SHOWN:
            card.names.append(value)
    for scheme, value, source_id in session.execute(select(Identifier.scheme, Identifier.value, Identifier.source_id).where(
            Identifier.actor_id == actor.id).order_by(Identifier.scheme, Identifier.value)):
        sources.add(source_id)
        if len(card.identifiers) < MAX_SHOWN:
            card.identifiers.append((scheme, value))
    for commune, postcode, country, source_id in session.execute(select(
            Site.commune_name, Site.postcode, Site.country, Site.source_id).where(Site.actor_id == actor.id).order_by(Site.id)):
        sources.add(source_id)
        place = " ".join(p for p in (postcode, commune) if p) or "—"
        if len(card.sites) < MAX_SHOWN:
            card.sites.append(f"{place} ({country})" if country else place)
    sources.update(session.scalars(select(Capability.source_id).where(Capability.actor_id == actor.id)))
    if sources:
        card.sources = sorted(session.scalars(select(Source.title).where(Source.id.in_(sources))))
    return card


def pending_pairs(session: Session, *, limit: int = 50, offset: int = 0) -> tuple[list[PairView], int]:
    """The pairs waiting for review, best score first, with both actors' cards; and their total."""
    base = select(DuplicateCandidate).where(DuplicateCandidate.status == "pending")
    total = len(session.scalars(base.with_only_columns(DuplicateCandidate.id)).all())
    rows = session.scalars(base.order_by(DuplicateCandidate.score.desc(), DuplicateCandidate.id)
                           .limit(limit).offset(offset)).all()
    out = []
    for d in rows:
        a, b = session.get(Actor, d.actor_a_id), session.get(Actor, d.actor_b_id)
        if a is None or b is None:
            continue
        out.append(PairView(d.id, d.score, json.loads(d.reasons or "[]"), _card(session, a), _card(session, b)))
    return out, total


def recent_merges(session: Session, *, limit: int = 20) -> list[ActorMerge]:
    """Merges that can still be undone, latest first."""
    return list(session.scalars(select(ActorMerge).where(ActorMerge.status == "active")
                                .order_by(ActorMerge.id.desc()).limit(limit)))


def _pending(session: Session, pair_id: int) -> DuplicateCandidate:
    row = session.get(DuplicateCandidate, pair_id)
    if row is None:
        raise LookupError(f"no pair with id {pair_id}")
    if row.status != "pending":
        raise MergeError(f"pair {pair_id} is already {row.status}")
    return row


def merge_pair(session: Session, pair_id: int) -> ActorMerge:
    """Merge a queued pair through the reversible merge (the actor with a ROR id is kept)."""
    row = _pending(session, pair_id)
    kept, dropped = choose_kept(session, row.actor_a_id, row.actor_b_id)
    row.status = "merged"
    session.flush()
    return merge_actors(session, kept, dropped, score=row.score, method="manual")


def reject_pair(session: Session, pair_id: int) -> DuplicateCandidate:
    """Not a duplicate: the pair keeps the status `rejected`, so `duplicates find` never queues it again."""
    row = _pending(session, pair_id)
    row.status = "rejected"
    session.flush()
    return row


def undo_merge(session: Session, merge_id: int) -> ActorMerge:
    if session.get(ActorMerge, merge_id) is None:
        raise LookupError(f"no merge with id {merge_id}")
    return unmerge(session, merge_id)

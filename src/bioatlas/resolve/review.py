"""The duplicate review queue as the web page shows it, and the reviewer's decisions (merge, not a
duplicate, undo a merge), shared by `bioatlas duplicates` and `/admin/duplicates`."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts
from bioatlas.atlas.service import Actor, find_sources, get_actor, load_actor
from bioatlas.core.db import unit_of_work
from bioatlas.core.fields import FieldError
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
    facts = load_actor(session, actor_id=actor.id) or actor
    sources: set[int] = set()
    for n in sorted(facts.names, key=lambda n: n.id):
        sources.add(n.source_id)
        if n.value != actor.name and n.value not in card.names and len(card.names) < MAX_SHOWN:
            card.names.append(n.value)
    for i in sorted(facts.identifiers, key=lambda i: (i.scheme, i.value)):
        sources.add(i.source_id)
        if len(card.identifiers) < MAX_SHOWN:
            card.identifiers.append((i.scheme, i.value))
    for s in sorted(facts.sites, key=lambda s: s.id):
        sources.add(s.source_id)
        place = " ".join(p for p in (s.postcode, s.commune_name) if p) or "—"
        if len(card.sites) < MAX_SHOWN:
            card.sites.append(f"{place} ({s.country})" if s.country else place)
    sources.update(c.source_id for c in facts.capabilities)
    if sources:
        card.sources = sorted(s.title for s in find_sources(session, ids=sources))
    return card


def pending_pairs(session: Session, *, limit: int = 50, offset: int = 0,
                  visible: Callable[[tuple[int, int]], bool] | None = None) -> tuple[list[PairView], int]:
    """The pairs waiting for review, best score first, with both actors' cards; and their total.
    `visible(actor ids)`: only the pairs the reviewer may decide on (filtered before paging)."""
    base = select(DuplicateCandidate).where(DuplicateCandidate.status == "pending")
    order = (DuplicateCandidate.score.desc(), DuplicateCandidate.id)
    if visible is None:
        total = len(session.scalars(base.with_only_columns(DuplicateCandidate.id)).all())
        rows = session.scalars(base.order_by(*order).limit(limit).offset(offset)).all()
    else:
        ids = [r.id for r in session.execute(
            base.with_only_columns(DuplicateCandidate.id, DuplicateCandidate.actor_a_id, DuplicateCandidate.actor_b_id)
            .order_by(*order)) if visible((r.actor_a_id, r.actor_b_id))]
        total = len(ids)
        page = ids[offset:offset + limit]
        by_id = {d.id: d for d in session.scalars(select(DuplicateCandidate).where(DuplicateCandidate.id.in_(page)))}
        rows = [by_id[i] for i in page]
    out = []
    for d in rows:
        a, b = get_actor(session, actor_id=d.actor_a_id), get_actor(session, actor_id=d.actor_b_id)
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
        if row.status == "merged":
            refusal = FieldError("pair_id", "this pair was already merged", 409)
        elif row.status == "rejected":
            refusal = FieldError("pair_id", "this pair was already marked as two organisations", 409)
        else:
            refusal = FieldError("pair_id", "this pair is no longer waiting for review", 409)
        raise MergeError(f"pair {pair_id} is already {row.status}", refusal=refusal)
    return row


def pair_actor_ids(session: Session, *, pair_id: int) -> tuple[int, ...]:
    """The two actors of a queued pair (none when there is no such pair), to authorise a decision."""
    row = session.get(DuplicateCandidate, pair_id)
    return (row.actor_a_id, row.actor_b_id) if row is not None else ()


def merge_actor_ids(session: Session, *, merge_id: int) -> tuple[int, ...]:
    """The kept actor of a merge (none when there is no such merge), to authorise undoing it."""
    record = session.get(ActorMerge, merge_id)
    return (record.kept_id,) if record is not None else ()


def _audited(session: Session, *, decision: str, target: str, record_id: int, user_id: int | None,
             ip: str | None) -> None:
    accounts.record_audit(session, event="duplicate_review", user_id=user_id, ip=ip, target=target,
                 detail={"decision": decision, "id": record_id})


def merge_pair(session: Session, *, pair_id: int, user_id: int | None = None, ip: str | None = None) -> ActorMerge:
    """Merge a queued pair through the reversible merge (the actor with a ROR id is kept); one unit
    of work, audited and committed. LookupError (no such pair), MergeError (already decided)."""
    with unit_of_work(session):
        row = _pending(session, pair_id)
        kept, dropped = choose_kept(session, a=row.actor_a_id, b=row.actor_b_id)
        row.status = "merged"
        session.flush()
        record = merge_actors(session, kept_id=kept, merged_id=dropped, score=row.score, method="manual")
        _audited(session, decision="merge", target=f"duplicate:{pair_id}", record_id=record.id, user_id=user_id, ip=ip)
    return record


def reject_pair(session: Session, *, pair_id: int, user_id: int | None = None,
                ip: str | None = None) -> DuplicateCandidate:
    """Not a duplicate: the pair keeps the status `rejected`, so `duplicates find` never queues it
    again; one unit of work, audited and committed."""
    with unit_of_work(session):
        row = _pending(session, pair_id)
        row.status = "rejected"
        session.flush()
        _audited(session, decision="reject", target=f"duplicate:{pair_id}", record_id=row.id, user_id=user_id, ip=ip)
    return row


def undo_merge(session: Session, *, merge_id: int, user_id: int | None = None, ip: str | None = None) -> ActorMerge:
    """Undo a merge; one unit of work, audited and committed. LookupError (no such merge),
    MergeError (already undone)."""
    with unit_of_work(session):
        if session.get(ActorMerge, merge_id) is None:
            raise LookupError(f"no merge with id {merge_id}")
        record = unmerge(session, merge_id=merge_id)
        _audited(session, decision="undo", target=f"merge:{merge_id}", record_id=record.id, user_id=user_id, ip=ip)
    return record

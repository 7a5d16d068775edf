"""Capabilities inferred from the sources' own words (`models.CapabilityEvidence`): stored as
`actor_capabilities` rows of the one source of kind "inferred" (ranked below every stated fact),
each with its rule and matched words; a stated capability always wins, a rejected one never
comes back, and a confirmed one becomes the confirming user's fact."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.atlas.models import Actor, ActorName, Capability, CapabilityEvidence, FieldSource, Identifier, ResearchFact, Source
from bioatlas.atlas.records import SourceRecord
from bioatlas.atlas.writer import get_or_create_source

INFERRED = "inferred"  # the kind (and key) of the source of inferred capabilities
Evidence = tuple[str, str]  # (rule, matched words "|"-separated)


def source(session: Session) -> Source:
    return get_or_create_source(session, SourceRecord(
        key=INFERRED, kind=INFERRED, title="Capabilities inferred from the sources' own words (rules over the taxonomies)"))


def field_texts(session: Session, source_key: str, field: str) -> list[tuple[int, str]]:
    """(actor id, text) of a scalar field of `Actor` whose value was stated by `source_key`."""
    column = getattr(Actor, field)
    rows = session.execute(
        select(Actor.id, column).join(FieldSource, FieldSource.actor_id == Actor.id).join(Source, Source.id == FieldSource.source_id)
        .where(FieldSource.field == field, Source.key == source_key, column.is_not(None)).order_by(Actor.id))
    return [(r[0], r[1]) for r in rows]


def names_of_scheme(session: Session, scheme: str) -> dict[int, list[str]]:
    """{actor id: [usual name, other names]} of the actors holding an identifier of `scheme`."""
    ids = select(Identifier.actor_id).where(Identifier.scheme == scheme)
    out: dict[int, list[str]] = {}
    for actor_id, name in session.execute(select(Actor.id, Actor.name).where(Actor.id.in_(ids)).order_by(Actor.id)):
        out[actor_id] = [name]
    for actor_id, value in session.execute(select(ActorName.actor_id, ActorName.value).where(ActorName.actor_id.in_(ids))
                                           .order_by(ActorName.id)):
        out.setdefault(actor_id, []).append(value)
    return out


def facts_of_kind(session: Session, kind: str) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for actor_id, code in session.execute(select(ResearchFact.actor_id, ResearchFact.code)
                                          .where(ResearchFact.kind == kind).order_by(ResearchFact.id)):
        out.setdefault(actor_id, []).append(code)
    return out


def replace_all(session: Session, found: Mapping[int, Mapping[tuple[str, str], Evidence]]) -> Counter:
    """Make the inferred capabilities exactly `found` ({actor id: {(facet, code): (rule, matched)}}),
    except where another source states the capability (it wins) or a member rejected it. Counts
    created, updated (evidence changed), unchanged, removed, skipped_stated, skipped_rejected."""
    src = source(session)
    counts: Counter = Counter()
    caps: dict[tuple[int, str, str], Capability] = {
        (c.actor_id, c.facet, c.code): c for c in session.scalars(select(Capability))}
    evidence: dict[tuple[int, str, str], CapabilityEvidence] = {
        (e.actor_id, e.facet, e.code): e for e in session.scalars(select(CapabilityEvidence))}
    wanted = {(a, f, c): ev for a, per in found.items() for (f, c), ev in per.items()}
    for key, (rule, matched) in sorted(wanted.items()):
        cap, ev = caps.get(key), evidence.get(key)
        if ev is not None and ev.status == "rejected":
            counts["skipped_rejected"] += 1
        elif cap is not None and cap.source_id != src.id:
            counts["skipped_stated"] += 1
            if ev is not None:
                session.delete(ev)
        elif cap is None:
            session.add(Capability(actor_id=key[0], facet=key[1], code=key[2], source_id=src.id))
            if ev is None:
                session.add(CapabilityEvidence(actor_id=key[0], facet=key[1], code=key[2], rule=rule, matched=matched))
            else:
                ev.rule, ev.matched = rule, matched
            counts["created"] += 1
        elif ev is None or (ev.rule, ev.matched) != (rule, matched):
            if ev is None:
                session.add(CapabilityEvidence(actor_id=key[0], facet=key[1], code=key[2], rule=rule, matched=matched))
            else:
                ev.rule, ev.matched = rule, matched
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    for key, cap in caps.items():
        if cap.source_id == src.id and key not in wanted:
            session.delete(cap)
            counts["removed"] += 1
    for key, ev in evidence.items():
        if ev.status != "rejected" and key not in wanted:
            session.delete(ev)
    session.flush()
    return counts


def of_actor(session: Session, actor_id: int) -> dict[tuple[str, str], CapabilityEvidence]:
    """The evidence of the actor's capabilities still inferred (not the rejected ones)."""
    src = session.scalar(select(Source).where(Source.key == INFERRED))
    if src is None:
        return {}
    inferred = {(c.facet, c.code) for c in session.scalars(
        select(Capability).where(Capability.actor_id == actor_id, Capability.source_id == src.id))}
    return {(e.facet, e.code): e for e in session.scalars(
        select(CapabilityEvidence).where(CapabilityEvidence.actor_id == actor_id, CapabilityEvidence.status == "inferred"))
        if (e.facet, e.code) in inferred}


def judge(session: Session, actor_id: int, facet: str, code: str, decision: str, by: Source) -> bool:
    """Confirm (the capability becomes `by`'s fact) or reject (removed, remembered) an inferred
    capability; False when the actor has no such inferred capability."""
    if (facet, code) not in of_actor(session, actor_id):
        return False
    cap = session.scalar(select(Capability).where(Capability.actor_id == actor_id, Capability.facet == facet,
                                                  Capability.code == code))
    ev = session.scalar(select(CapabilityEvidence).where(CapabilityEvidence.actor_id == actor_id,
                                                         CapabilityEvidence.facet == facet, CapabilityEvidence.code == code))
    if decision == "confirm":
        cap.source_id = by.id
        session.delete(ev)
    else:
        session.delete(cap)
        ev.status = "rejected"
    session.flush()
    return True


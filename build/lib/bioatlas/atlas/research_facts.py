"""Research facts (`models.ResearchFact`): what one source states about one actor replaces what
it stated before; other sources' facts stay."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.atlas.models import ResearchFact

Fact = tuple[str, str, str | None]  # (kind, code, label)


def replace(session: Session, actor_id: int, source_id: int, facts: list[Fact]) -> bool:
    """Set the facts of `source_id` about `actor_id`; True if anything changed."""
    wanted: dict[tuple[str, str], str | None] = {}
    for kind, code, label in facts:
        wanted.setdefault((kind, code), label)
    current = {
        (f.kind, f.code): f
        for f in session.scalars(
            select(ResearchFact).where(ResearchFact.actor_id == actor_id, ResearchFact.source_id == source_id)
        )
    }
    changed = False
    for key, row in current.items():
        if key not in wanted:
            session.delete(row)
            changed = True
        elif row.label != wanted[key]:
            row.label = wanted[key]
            changed = True
    for (kind, code), label in wanted.items():
        if (kind, code) not in current:
            session.add(ResearchFact(actor_id=actor_id, source_id=source_id, kind=kind, code=code, label=label))
            changed = True
    return changed


def of_actor(session: Session, actor_id: int, kind: str | None = None) -> list[ResearchFact]:
    query = select(ResearchFact).where(ResearchFact.actor_id == actor_id)
    if kind is not None:
        query = query.where(ResearchFact.kind == kind)
    return list(session.scalars(query.order_by(ResearchFact.kind, ResearchFact.code)))

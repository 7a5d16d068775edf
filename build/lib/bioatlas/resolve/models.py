"""Duplicate candidates between actors and the merges applied (reversible)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bioatlas.core.db import Base


def _now() -> datetime:
    return datetime.now(timezone.utc)


class DuplicateCandidate(Base):
    """A pair of actors that may be one organisation; `actor_a_id` < `actor_b_id`."""

    __tablename__ = "duplicate_candidates"
    __table_args__ = (UniqueConstraint("actor_a_id", "actor_b_id", name="uq_duplicate_candidates_pair"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_a_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    actor_b_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)  # pending | merged | rejected
    found_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class ActorMerge(Base):
    """One merge: `merged_id` was folded into `kept_id`. `rows` (JSON) holds every row that named
    the merged actor, as it was, so that `unmerge` restores both actors and their facts."""

    __tablename__ = "actor_merges"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kept_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    merged_id: Mapped[int] = mapped_column(Integer, index=True)  # the actor row is gone while merged
    merged_name: Mapped[str] = mapped_column(String(500))
    score: Mapped[float | None] = mapped_column(Float)
    method: Mapped[str] = mapped_column(String(20))  # auto | manual
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)  # active | undone
    rows: Mapped[str] = mapped_column(Text)
    merged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

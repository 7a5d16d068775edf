"""A contribution: a claim on an actor, a correction or a new actor proposed, under review."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bioatlas.accounts.models import now
from bioatlas.core.db import Base


STATUSES = ("pending", "accepted", "amended", "rejected")


class Contribution(Base):
    """`kind`: claim | correction | new_actor. `status`: pending | accepted | amended | rejected.
    `payload` is the proposed change as JSON (validated fields only). The author is kept as a
    user id (SET NULL when the account is deleted: the contribution stays, anonymised)."""

    __tablename__ = "contributions"
    __table_args__ = (Index("ix_contributions_status_created", "status", "created_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    payload: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    review_message: Mapped[str | None] = mapped_column(Text)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

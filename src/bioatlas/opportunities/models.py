"""An opportunity (an offer or a request published by members of an actor) and the expressions
of interest answering it.

Lifecycle of `Opportunity.status`: draft → submitted (an editor reviews it against the quality
rules) → published, or rejected (back to the author with a reason) → expired (its expiry passed;
renewable) or closed (with an `outcome`). Taxonomy codes and the capacity block are JSON lists /
objects validated by `opportunities.fields.clean` (the shape is documented there)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bioatlas.accounts.models import now
from bioatlas.core.db import Base

STATUSES = ("draft", "submitted", "rejected", "published", "expired", "closed")
INTEREST_STATUSES = ("pending", "accepted", "declined")


class Opportunity(Base):
    __tablename__ = "opportunities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    direction: Mapped[str] = mapped_column(String(8), index=True)  # offer | request
    kind: Mapped[str] = mapped_column(String(16))  # technology | capacity | rd_partner | business
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    title_fr: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    description_fr: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    modalities: Mapped[list] = mapped_column(JSON, default=list)
    steps: Mapped[list] = mapped_column(JSON, default=list)
    expression_systems: Mapped[list] = mapped_column(JSON, default=list)
    capacity: Mapped[dict | None] = mapped_column(JSON)  # scale, GMP grade, batch types, quantity, window
    regions: Mapped[list] = mapped_column(JSON, default=list)  # scope: INSEE region codes (empty: anywhere)
    countries: Mapped[list] = mapped_column(JSON, default=list)  # scope: ISO 3166 alpha-2 codes
    call_ref: Mapped[str | None] = mapped_column(String(120))  # the funding call of an R&D partner search
    deadline: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date, index=True)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(24))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    synthetic_note: Mapped[str | None] = mapped_column(Text)  # demo and benchmark records say so
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Interest(Base):
    """An expression of interest: who (the user, on behalf of an actor or not), what they bring,
    why, a message; answered by a member of the opportunity's actor. Accepting opens a thread
    (messaging.service.open_thread, context kind "opportunity"), kept as `thread_id`."""

    __tablename__ = "opportunity_interests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="SET NULL"))
    what: Mapped[str] = mapped_column(Text, default="")
    why: Mapped[str] = mapped_column(Text, default="")
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    thread_id: Mapped[int | None] = mapped_column(Integer)


class Alert(Base):
    """A saved search: tell the user (notification kind `opportunities.alert`, delivered at once
    or in the daily digest as they choose, with unsubscribe) when an opportunity meeting it is
    published. Empty filters mean "any"."""

    __tablename__ = "opportunity_alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str | None] = mapped_column(String(8))
    kind: Mapped[str | None] = mapped_column(String(16))
    modalities: Mapped[list] = mapped_column(JSON, default=list)
    regions: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

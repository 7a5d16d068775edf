"""Start-up pitches of an event: the event's call for pitches and the applications to it. The
review (jury, weighted criteria, conflicts of interest, scores, decisions) is the platform's
`review` engine: the call owns a panel (context "event_pitch_call"), each application an item
(subject "event_pitch")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bioatlas.accounts.models import now
from bioatlas.core.db import Base

PITCH_STATUSES = ("submitted", "selected", "rejected", "waitlisted", "withdrawn")


class PitchCall(Base):
    """An event's call for pitches (one per event): `seats` pitches are selected."""

    __tablename__ = "event_pitch_calls"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    seats: Mapped[int] = mapped_column(Integer, default=6)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class PitchApplication(Base):
    """A start-up's application: the account that applied, the actor it pitches for (one the
    account is a member of), a title and a summary; `status` follows the jury's decision."""

    __tablename__ = "event_pitch_applications"
    __table_args__ = (UniqueConstraint("call_id", "actor_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("event_pitch_calls.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="submitted")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

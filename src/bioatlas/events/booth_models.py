"""Booth applications: an atlas actor's member asks for a stand at an event (a stand type, a wish
for its place, a presentation); organisers accept it (a booth on the floor plan: the application
becomes an exhibitor), put it on the waiting list or refuse it with a reason."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bioatlas.accounts.models import now
from bioatlas.core.db import Base

STAND_TYPES = ("standard", "large", "village")  # a 9 m² stand, an 18 m² stand, a table in the innovation village
BOOTH_STATUSES = ("submitted", "accepted", "waitlisted", "refused", "withdrawn")  # withdrawn: by the applicant


class BoothApplication(Base):
    """`user_id`: who applied (None once the account is erased: an accepted booth stays);
    `exhibitor_id`: the booth given on acceptance (None again once withdrawn); `reason`: the
    organisers' word to the applicant; `decided_at`/`decided_by`: the decision, or the withdrawal."""

    __tablename__ = "event_booth_applications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    stand_type: Mapped[str] = mapped_column(String(12))
    wish: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(12), default="submitted", index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    exhibitor_id: Mapped[int | None] = mapped_column(ForeignKey("event_exhibitors.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

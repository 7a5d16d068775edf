"""A capacity profile: what an actor (CDMO, technology platform, integrator, academic platform)
offers, with its scales, GMP grades, batch types, certifications, availability and contact route.

One profile per actor. `draft` is the working version its members edit; `published` is the last
version an editor verified (or a labelled demo profile), the one the directory and the public
page show, kept while a newer draft waits for review. Both are JSON documents validated by
`capacity.fields.clean` (the shape is documented there and in docs/capacity.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bioatlas.accounts.models import now
from bioatlas.core.db import Base

STATUSES = ("draft", "submitted", "verified", "rejected", "demo")


class CapacityProfile(Base):
    """`status` is the state of the working version: draft → submitted → verified (or rejected,
    with `reject_reason`); "demo": loaded by the demo, published unverified with `demo_note`
    saying what it was built from. Editing a verified profile sends it back to draft while
    `published` stays public. Users are kept as ids (SET NULL when an account is deleted)."""

    __tablename__ = "capacity_profiles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    draft: Mapped[dict] = mapped_column(JSON)
    published: Mapped[dict | None] = mapped_column(JSON)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    demo_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

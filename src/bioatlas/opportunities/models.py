"""An opportunity (an offer or a request published by members of an actor) and the expressions
of interest answering it.

Lifecycle of `Opportunity.status`: draft → submitted (an editor reviews it against the quality
rules) → published, or rejected (back to the author with a reason) → expired (its expiry passed;
renewable) or closed (with an `outcome`). Taxonomy codes and the capacity block are JSON lists /
objects validated by `opportunities.fields.clean` (the shape is documented there)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from bioatlas.accounts.models import now
from bioatlas.core.db import Base

STATUSES = ("draft", "submitted", "rejected", "published", "expired", "closed")
INTEREST_STATUSES = ("pending", "accepted", "declined")


GMP_RANKS = {"none": 0, "gmp_clinical": 1, "gmp_commercial": 2}  # the order of matching.GMP_GRADES


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def capacity_columns(cap: dict | None) -> dict:
    """The capacity block's hard constraints as the indexed columns (scale, GMP rank, window)."""
    cap = cap or {}
    low, high = cap.get("scale_min_l"), cap.get("scale_max_l")
    scale = (float(low), float(high)) if low is not None and high is not None else (None, None)
    return {"scale_min_l": scale[0], "scale_max_l": scale[1],
            "gmp_rank": GMP_RANKS.get(cap.get("gmp") or "none", 0),
            "window_from": _day(cap.get("window_from")), "window_to": _day(cap.get("window_to"))}


class Opportunity(Base):
    __tablename__ = "opportunities"
    __table_args__ = (Index("ix_opportunities_match", "status", "direction", "kind"),)
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
    partner_kinds: Mapped[list | None] = mapped_column(JSON, default=list)  # academia | industry; empty: any
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
    # the capacity block's hard constraints as columns, kept by `_keep_capacity` (the SQL prefilter of
    # `suggest.matches`); `modality_rows` mirrors `modalities` the same way
    scale_min_l: Mapped[float | None] = mapped_column(Float)
    scale_max_l: Mapped[float | None] = mapped_column(Float)
    gmp_rank: Mapped[int | None] = mapped_column(SmallInteger)  # 0 none, 1 clinical, 2 commercial
    window_from: Mapped[date | None] = mapped_column(Date)
    window_to: Mapped[date | None] = mapped_column(Date)
    modality_rows: Mapped[list[OpportunityModality]] = relationship(cascade="all, delete-orphan")

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("modalities", [])  # so the validators below always run
        kwargs.setdefault("capacity", None)
        super().__init__(**kwargs)

    @validates("capacity")
    def _keep_capacity(self, _key: str, value: dict | None) -> dict | None:
        for column, v in capacity_columns(value).items():
            setattr(self, column, v)
        return value

    @validates("modalities")
    def _keep_modalities(self, _key: str, codes: list | None) -> list:
        # "" stands for "states no modality" (such an offer is not ruled out by the modality gate)
        self.modality_rows = [OpportunityModality(code=c) for c in sorted(set(codes or ())) or [""]]
        return list(codes or [])


class OpportunityModality(Base):
    """One modality code of an opportunity ("" when it states none), indexed for the matching prefilter."""

    __tablename__ = "opportunity_modalities"
    __table_args__ = (Index("ix_opportunity_modalities_code", "code", "opportunity_id"),)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)


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

"""The review engine's tables. A panel reviews the items of one context (a call, an event's pitch
selection: `context_kind`, `context_id`); an item is one submission (`subject_kind`,
`subject_id` in the context's own tables) with the actors behind it. Reviewers come from the
panel's pool; every exclusion is stored with its reason, so it can be shown."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bioatlas.accounts.models import now
from bioatlas.core.db import Base

PHASES = ("open", "closed")  # open: reviewers score; closed: scores are final
DECISIONS = ("selected", "rejected", "waitlisted")
REASONS = ("same_actor", "parent_child", "partner", "agreement", "declared", "co_applicant", "own_submission",
           "previous_round")


class ReviewPanel(Base):
    """How one context reviews: blind (reviewers do not see who applied), show_others (a reviewer
    sees the others' scores once their own are in), how many reviewers per item, overall threshold."""

    __tablename__ = "review_panels"
    __table_args__ = (UniqueConstraint("context_kind", "context_id", name="uq_review_panels_context"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    context_kind: Mapped[str] = mapped_column(String(40))
    context_id: Mapped[int] = mapped_column(Integer)
    blind: Mapped[bool] = mapped_column(Boolean, default=True)
    show_others: Mapped[bool] = mapped_column(Boolean, default=False)
    reviewers_per_item: Mapped[int] = mapped_column(Integer, default=3)
    overall_threshold: Mapped[float | None] = mapped_column(Float)
    phase: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    criteria: Mapped[list[ReviewCriterion]] = relationship(
        cascade="all, delete-orphan", order_by="ReviewCriterion.position")


class ReviewCriterion(Base):
    """A weighted criterion with its scale (inclusive) and an optional threshold on its median."""

    __tablename__ = "review_criteria"
    __table_args__ = (UniqueConstraint("panel_id", "code", name="uq_review_criteria_panel_code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("review_panels.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    label_fr: Mapped[str] = mapped_column(String(300))
    label_en: Mapped[str] = mapped_column(String(300))
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    scale_min: Mapped[int] = mapped_column(Integer, default=0)
    scale_max: Mapped[int] = mapped_column(Integer, default=5)
    threshold: Mapped[float | None] = mapped_column(Float)
    position: Mapped[int] = mapped_column(Integer, default=0)


class ReviewPoolMember(Base):
    """A reviewer of the panel (assignments are drawn from the pool, least loaded first)."""

    __tablename__ = "review_pool"
    panel_id: Mapped[int] = mapped_column(ForeignKey("review_panels.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class ReviewItem(Base):
    """One submission under review. `actor_ids`: the applicant actor(s) (JSON list);
    `co_actor_ids`: co-applicants; `previous_item_id`: the earlier round of a resubmission (its
    reviewers are excluded), with the applicant's `rebuttal`."""

    __tablename__ = "review_items"
    __table_args__ = (UniqueConstraint("panel_id", "subject_kind", "subject_id", name="uq_review_items_subject"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("review_panels.id", ondelete="CASCADE"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(Integer)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_ids: Mapped[str] = mapped_column(Text, default="[]")
    co_actor_ids: Mapped[str] = mapped_column(Text, default="[]")
    previous_item_id: Mapped[int | None] = mapped_column(ForeignKey("review_items.id", ondelete="SET NULL"))
    rebuttal: Mapped[str | None] = mapped_column(Text)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    decision: Mapped[str | None] = mapped_column(String(20))
    rationale: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class ReviewAssignment(Base):
    """A reviewer assigned to an item; `submitted_at` once their scores are in. Two comments: one
    the applicant will read, one for the jury only."""

    __tablename__ = "review_assignments"
    __table_args__ = (UniqueConstraint("item_id", "reviewer_id", name="uq_review_assignments_item_reviewer"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    comment_applicant: Mapped[str | None] = mapped_column(Text)
    comment_jury: Mapped[str | None] = mapped_column(Text)


class ReviewScore(Base):
    __tablename__ = "review_scores"
    assignment_id: Mapped[int] = mapped_column(ForeignKey("review_assignments.id", ondelete="CASCADE"),
                                               primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("review_criteria.id", ondelete="CASCADE"), primary_key=True)
    value: Mapped[float] = mapped_column(Float)


class ReviewExclusion(Base):
    """A reviewer kept away from an item, with the reason (REASONS), the actor involved and a
    readable detail ("member of X, which is part of Y")."""

    __tablename__ = "review_exclusions"
    __table_args__ = (UniqueConstraint("item_id", "reviewer_id", "reason", name="uq_review_exclusions_item_reason"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="SET NULL"))
    detail: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class DeclaredConflict(Base):
    """A conflict a reviewer (or a manager for them) declares with an actor, for one panel or all."""

    __tablename__ = "review_declared_conflicts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    panel_id: Mapped[int | None] = mapped_column(ForeignKey("review_panels.id", ondelete="CASCADE"), index=True)
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

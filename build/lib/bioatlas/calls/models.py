"""Calls, applications and their attachments; the portfolio of structuring projects (partners,
funding, milestones, deliverables). Times are stored in UTC; each call names the time zone its
deadline is shown in."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bioatlas.accounts.models import now
from bioatlas.core.db import Base

CALL_KINDS = ("challenge", "pitch", "project")
CALL_STATUSES = ("draft", "published", "results")
APPLICATION_STATUSES = ("draft", "submitted", "withdrawn")
RESULTS = ("laureate", "not_selected")
MILESTONE_STATUSES = ("planned", "in_progress", "done", "late", "cancelled")
PARTNER_ROLES = ("lead", "partner", "subcontractor", "funder")


class Call(Base):
    """A call. `eligibility` and `form` are JSON data (see calls/forms.py); `region` (INSEE code)
    makes the region's editors its managers, with the managers named in `call_managers`."""

    __tablename__ = "calls"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title_fr: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    text_fr: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str] = mapped_column(Text, default="")
    region: Mapped[str | None] = mapped_column(String(3), index=True)
    opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    timezone: Mapped[str] = mapped_column(String(40), default="Europe/Paris")
    eligibility: Mapped[str] = mapped_column(Text, default="{}")
    form: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    results_published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    source_note: Mapped[str | None] = mapped_column(String(500))  # e.g. "synthetic demonstration call"
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class CallManager(Base):
    __tablename__ = "call_managers"
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class Application(Base):
    """An application: answers (JSON, by form field), the applicant's actor (an atlas actor) or
    an actor proposed through contributions, co-applicants, status, result and whether a
    non-laureate agrees to appear in the results."""

    __tablename__ = "call_applications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="SET NULL"), index=True)
    applicant_name: Mapped[str] = mapped_column(String(300), default="")
    co_actor_ids: Mapped[str] = mapped_column(Text, default="[]")
    answers: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("call_applications.id", ondelete="SET NULL"))
    rebuttal: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(String(20))
    publish_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, onupdate=now)
    attachments: Mapped[list[Attachment]] = relationship(cascade="all, delete-orphan", order_by="Attachment.id")


class Attachment(Base):
    """A file of an application. Its bytes live in the database (never under the web root): they
    are in every backup, go with the application in one transaction, and are erased with it;
    loaded only when served, through the application's policy."""

    __tablename__ = "call_attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("call_applications.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(60))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class PortfolioProject(Base):
    """A structuring project followed over time. `roadmap_code` + `roadmap_action` (the action's
    number) link it to a regional roadmap action; `source_id` says where it is recorded from."""

    __tablename__ = "portfolio_projects"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    region: Mapped[str | None] = mapped_column(String(3), index=True)
    modality: Mapped[str | None] = mapped_column(String(40))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    budget_eur: Mapped[float | None] = mapped_column(Float)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    roadmap_code: Mapped[str | None] = mapped_column(String(60), index=True)
    roadmap_action: Mapped[int | None] = mapped_column(Integer)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    partners: Mapped[list[ProjectPartner]] = relationship(cascade="all, delete-orphan")
    funding: Mapped[list[ProjectFunding]] = relationship(cascade="all, delete-orphan", order_by="ProjectFunding.id")
    milestones: Mapped[list[Milestone]] = relationship(cascade="all, delete-orphan",
                                                       order_by="(Milestone.due_date, Milestone.id)")
    deliverables: Mapped[list[Deliverable]] = relationship(cascade="all, delete-orphan", order_by="Deliverable.id")


class ProjectPartner(Base):
    __tablename__ = "portfolio_partners"
    project_id: Mapped[int] = mapped_column(ForeignKey("portfolio_projects.id", ondelete="CASCADE"), primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), default="partner")


class ProjectFunding(Base):
    __tablename__ = "portfolio_funding"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("portfolio_projects.id", ondelete="CASCADE"), index=True)
    funder: Mapped[str] = mapped_column(String(300))
    amount_eur: Mapped[float | None] = mapped_column(Float)


class Milestone(Base):
    __tablename__ = "portfolio_milestones"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("portfolio_projects.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    done_date: Mapped[date | None] = mapped_column(Date)


class Deliverable(Base):
    __tablename__ = "portfolio_deliverables"
    __table_args__ = (UniqueConstraint("project_id", "title", name="uq_portfolio_deliverables_title"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("portfolio_projects.id", ondelete="CASCADE"), index=True)
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("portfolio_milestones.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    delivered_on: Mapped[date | None] = mapped_column(Date)

"""The one-stop shop's records: a case (a company's establishment project, received through the
public intake form), its needs, the routed requests (one per need and partner organisation, each
with its own status, owner and reminders), the routing rules (data edited by coordinators), the
partners' private notes and the case's documents (kept in the database, never served inline)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bioatlas.accounts.models import now
from bioatlas.core.db import Base

PROJECT_TYPES = ("new_site", "extension", "pilot_line", "rd_centre", "relocation")
NEEDS = ("regulatory", "funding", "real_estate", "permits", "recruitment", "partners")
SIZES = ("micro", "small", "medium", "large")  # jobs planned: <10, <50, <250, 250+
INVESTMENT_BANDS = ("lt1m", "1to10m", "10to50m", "gt50m")
CASE_STATUSES = ("unverified", "open", "closed")
OUTCOMES = ("established", "abandoned", "elsewhere")
REQUEST_STATUSES = ("new", "taken", "in_progress", "answered", "closed", "declined")
PARTNER_STATUSES = REQUEST_STATUSES[1:]  # what a partner may set ("new" is where routing puts a request)
PARTNER_KINDS = ("public_agency", "cluster", "incubator")


class Case(Base):
    """An establishment project. `email` is the first contact's address, verified through a link
    (`verify_digest`) before anything is routed; `user_id`: the account following the case (the
    account with that verified address). `synthetic`: a demo case, labelled."""

    __tablename__ = "oneshop_cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_name: Mapped[str] = mapped_column(String(200))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="SET NULL"))
    country: Mapped[str] = mapped_column(String(2), default="FR")
    siret: Mapped[str | None] = mapped_column(String(14))
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320), index=True)
    verify_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    language: Mapped[str] = mapped_column(String(2), default="fr")
    project_type: Mapped[str] = mapped_column(String(20))
    modality: Mapped[str] = mapped_column(String(40), default="")
    # the value-chain steps the project covers: codes of the atlas's value_chain taxonomy, space-separated
    value_chain_steps: Mapped[str] = mapped_column(String(200), default="")
    region: Mapped[str] = mapped_column(String(3), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    surface_m2: Mapped[int | None] = mapped_column(Integer)
    cleanroom_grade: Mapped[str] = mapped_column(String(2), default="")
    jobs_planned: Mapped[int] = mapped_column(Integer, default=0)
    investment_band: Mapped[str] = mapped_column(String(10), default="")
    start_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="unverified", index=True)
    outcome: Mapped[str | None] = mapped_column(String(12))
    share_details: Mapped[bool] = mapped_column(Boolean, default=True)  # description, surface, investment to partners
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Need(Base):
    __tablename__ = "oneshop_needs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("oneshop_cases.id", ondelete="CASCADE"), index=True)
    need: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text, default="")


class Rule(Base):
    """Routing rule: a need (required) and optional conditions (region INSEE code, modality, size)
    to a partner actor, or to the partner actors of a kind with a site in the case's region."""

    __tablename__ = "oneshop_rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    need: Mapped[str] = mapped_column(String(20), index=True)
    region: Mapped[str | None] = mapped_column(String(3))
    modality: Mapped[str | None] = mapped_column(String(40))
    size: Mapped[str | None] = mapped_column(String(10))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    actor_kind: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class RoutedRequest(Base):
    """One need routed to one partner organisation."""

    __tablename__ = "oneshop_requests"
    __table_args__ = (UniqueConstraint("need_id", "partner_actor_id", name="uq_oneshop_requests_need_partner"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("oneshop_cases.id", ondelete="CASCADE"), index=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("oneshop_needs.id", ondelete="CASCADE"), index=True)
    partner_actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("oneshop_rules.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default="new", index=True)
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    thread_id: Mapped[int | None] = mapped_column(Integer)
    next_step: Mapped[str] = mapped_column(String(300), default="")
    next_step_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    touched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    first_answer_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # None: the case's choice at intake (`Case.share_details`); else the company's choice for this partner
    details_shared: Mapped[bool | None] = mapped_column(Boolean)
    # the company's satisfaction with this partner's help, once the case is closed (1 to 5)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    satisfaction_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Note(Base):
    """A partner's private note on its routed request: only that partner's members read it."""

    __tablename__ = "oneshop_notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("oneshop_requests.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Document(Base):
    """An upload of the company, kept in the database; shared with the partner organisations of
    its `DocumentShare` rows (none: the company's own copy only)."""

    __tablename__ = "oneshop_documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("oneshop_cases.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class DocumentShare(Base):
    """A document shared with one partner organisation of the case (the company chooses, per
    document and partner, and may withdraw it)."""

    __tablename__ = "oneshop_document_shares"
    document_id: Mapped[int] = mapped_column(ForeignKey("oneshop_documents.id", ondelete="CASCADE"), primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True, index=True)

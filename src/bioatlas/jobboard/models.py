"""A job offer of the sector job board: published by the members of an actor for one of its
sites, or imported from France Travail's offer JSON (kept with its source and external id, so a
re-import refreshes it), or a labelled synthetic demo offer.

The ROME code and appellation are stored with the referential version they were checked against
(`rome_version`, the ROME source key such as "rome:v460"): they are not foreign keys, so an offer
stays readable when a newer ROME file drops or renames its code. The place (commune,
département, region, coordinates) is copied from the site when the offer is written, so the
search, the facets and the map layer read one table."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from bioatlas.accounts.models import now
from bioatlas.core.db import Base

STATUSES = ("open", "closed")
ORIGINS = ("member", "france_travail", "demo")


class JobOffer(Base):
    __tablename__ = "job_offers"
    __table_args__ = (UniqueConstraint("origin", "external_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    employer_name: Mapped[str] = mapped_column(String(300))
    title: Mapped[str] = mapped_column(String(200))
    search_key: Mapped[str] = mapped_column(String(800), default="")  # fold(title, appellation, occupation)
    rome_code: Mapped[str] = mapped_column(String(5), index=True)
    rome_label: Mapped[str] = mapped_column(String(300), default="")
    appellation_code: Mapped[str | None] = mapped_column(String(12))
    appellation_label: Mapped[str | None] = mapped_column(String(300))
    rome_version: Mapped[str] = mapped_column(String(40))
    contract: Mapped[str] = mapped_column(String(16), index=True)
    experience: Mapped[str] = mapped_column(String(16), default="any")
    education: Mapped[str] = mapped_column(String(16), default="any")
    skills: Mapped[list] = mapped_column(JSON, default=list)
    gmp_environment: Mapped[bool] = mapped_column(Boolean, default=False)
    remote_share: Mapped[int] = mapped_column(Integer, default=0)  # percent of working time
    salary_min: Mapped[int | None] = mapped_column(Integer)  # gross euros a year
    salary_max: Mapped[int | None] = mapped_column(Integer)
    start_date: Mapped[date | None] = mapped_column(Date)
    description_fr: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    apply_url: Mapped[str | None] = mapped_column(String(1000))
    apply_email: Mapped[str | None] = mapped_column(String(254))
    expires_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(8), default="open", index=True)
    origin: Mapped[str] = mapped_column(String(16), default="member")
    external_id: Mapped[str | None] = mapped_column(String(60))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    commune_name: Mapped[str | None] = mapped_column(String(200))
    departement: Mapped[str | None] = mapped_column(String(3), index=True)
    region: Mapped[str | None] = mapped_column(String(3), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    close_reason: Mapped[str | None] = mapped_column(String(12))  # closed (by the employer) | expired
    reminded_on: Mapped[date | None] = mapped_column(Date)  # the author was told of the coming expiry


class SavedSearch(Base):
    """A user's saved search of the jobs page (`params`: the checked query, as `parse_query`
    reads it); a new matching offer notifies the user (kind `jobboard.match`: immediately or in
    the daily digest, as they chose, with unsubscribe).

    The other columns copy the search's simple conditions so that a new offer is matched by SQL
    first (`alerts.candidates`): "" (or NULL, False) means "any"; a search saved before they
    existed keeps the defaults and is simply always a candidate. Words and capabilities are then
    checked in Python on the candidates only."""

    __tablename__ = "job_saved_searches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    params: Mapped[dict] = mapped_column(JSON)
    rome: Mapped[str] = mapped_column(String(5), default="", server_default="")  # domain, family or code
    contracts: Mapped[str] = mapped_column(String(120), default="", server_default="")  # ",cdi,cdd,"
    region: Mapped[str] = mapped_column(String(3), default="", server_default="", index=True)
    departement: Mapped[str] = mapped_column(String(3), default="", server_default="")
    gmp: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    near_latitude: Mapped[float | None] = mapped_column(Float)
    near_longitude: Mapped[float | None] = mapped_column(Float)
    near_kx: Mapped[float | None] = mapped_column(Float)  # km per degree of longitude at near_latitude
    km: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

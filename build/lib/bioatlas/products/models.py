"""Product model: one medicine of the EMA list, keyed by its EMA product number, with the source
that last stated it; and ProductManufacturing, the actors (and sites) that make it."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bioatlas.atlas.models import Actor, Site, Source
from bioatlas.core.db import Base

CATEGORIES = ("human", "veterinary")
MANUFACTURING_ROLES = ("active_substance", "finished_product", "other")


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Product(Base):
    """A medicine as the EMA lists it. Flags are None when the file's column set has no such column
    (the 2018-2020 lists have no "Advanced therapy" column)."""

    __tablename__ = "products"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_number: Mapped[str] = mapped_column(String(40), unique=True)  # EMEA/H/C/000992
    name: Mapped[str] = mapped_column(String(300))
    inn: Mapped[str | None] = mapped_column(Text)  # INN / common name, `;` between substances
    active_substance: Mapped[str | None] = mapped_column(Text)
    atc_code: Mapped[str | None] = mapped_column(String(200), index=True)  # ATC (human) or ATCvet (Q…)
    therapeutic_area: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20), index=True)  # human | veterinary
    status: Mapped[str] = mapped_column(String(60), index=True)  # authorised, withdrawn, refused…
    authorisation_date: Mapped[date | None] = mapped_column(Date, index=True)
    decision_date: Mapped[date | None] = mapped_column(Date)  # latest European Commission decision
    opinion_date: Mapped[date | None] = mapped_column(Date)
    refusal_date: Mapped[date | None] = mapped_column(Date)
    withdrawal_date: Mapped[date | None] = mapped_column(Date)  # withdrawal / expiry / revocation / lapse
    biosimilar: Mapped[bool | None] = mapped_column(Boolean)
    advanced_therapy: Mapped[bool | None] = mapped_column(Boolean)
    orphan: Mapped[bool | None] = mapped_column(Boolean)
    generic: Mapped[bool | None] = mapped_column(Boolean)  # "Generic" (2018) / "Generic or hybrid" (2026)
    conditional_approval: Mapped[bool | None] = mapped_column(Boolean)
    exceptional_circumstances: Mapped[bool | None] = mapped_column(Boolean)
    accelerated_assessment: Mapped[bool | None] = mapped_column(Boolean)
    prime: Mapped[bool | None] = mapped_column(Boolean)
    url: Mapped[str | None] = mapped_column(String(500))
    mah_name: Mapped[str | None] = mapped_column(String(300))
    mah_actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="SET NULL"), index=True)
    mah_country: Mapped[str | None] = mapped_column(String(2), index=True)
    mah_country_rule: Mapped[str | None] = mapped_column(String(60))  # actor:site | legal_form:B.V. | name:Ireland
    is_biologic: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    biologic_rule: Mapped[str] = mapped_column(String(60), default="none")  # see products/data/biologic_rules.csv
    search_key: Mapped[str] = mapped_column(Text, default="")  # fold(name, INN, substance, number)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    first_seen: Mapped[date | None] = mapped_column(Date)  # earliest EMA list that named it
    last_seen: Mapped[date | None] = mapped_column(Date)  # latest EMA list that named it (its facts are kept)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    source: Mapped[Source] = relationship()
    mah_actor: Mapped[Actor | None] = relationship()
    manufacturing: Mapped[list[ProductManufacturing]] = relationship(
        back_populates="product", cascade="all, delete-orphan"
    )


class ProductManufacturing(Base):
    """An actor (and optionally one of its sites) that makes the active substance, the finished
    product or another part of a product, as a source states it."""

    __tablename__ = "product_manufacturing"
    __table_args__ = (
        UniqueConstraint("product_id", "actor_id", "role", "site_id", name="uq_product_manufacturing_product_actor_role_site"),
        Index("ix_product_manufacturing_actor_role", "actor_id", "role"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"), index=True)
    role: Mapped[str] = mapped_column(String(30))  # active_substance | finished_product | other
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    product: Mapped[Product] = relationship(back_populates="manufacturing")
    actor: Mapped[Actor] = relationship()
    site: Mapped[Site | None] = relationship()
    source: Mapped[Source] = relationship()

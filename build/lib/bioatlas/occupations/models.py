"""ROME occupations and their job titles (appellations), with a bioproduction flag and its reason.

Codes are the natural keys (`H2302`, appellation `11528`): offers and profiles refer to them, and
a new ROME version updates rows in place.
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bioatlas.atlas.models import Source
from bioatlas.core.db import Base


class Occupation(Base):
    """One ROME occupation (`code_rome`), e.g. H2302. In ROME 4 an occupation may descend from one
    of the 532 historical fiches (`parent_code`, e.g. H2301); a historical fiche is its own parent."""

    __tablename__ = "occupations"
    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    label: Mapped[str] = mapped_column(String(300))
    label_key: Mapped[str] = mapped_column(String(300), index=True)  # fold(label)
    domain: Mapped[str] = mapped_column(String(1), index=True)  # letter: H (industry)
    subdomain: Mapped[str] = mapped_column(String(3), index=True)  # letter + 2 digits: H23
    parent_code: Mapped[str | None] = mapped_column(String(5), index=True)
    ogr_code: Mapped[str | None] = mapped_column(String(12))
    bioproduction: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    bioproduction_reason: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)

    titles: Mapped[list[JobTitle]] = relationship(back_populates="occupation", order_by="JobTitle.label_key")
    source: Mapped[Source] = relationship()


class JobTitle(Base):
    """One job title (ROME appellation), e.g. 11528 "Biotechnologue" under K2402.

    `bioproduction_basis` says where the flag comes from: `occupation` (inherited from an occupation
    listed with titles=all) or `keyword` (a keyword rule on the title itself)."""

    __tablename__ = "job_titles"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    label: Mapped[str] = mapped_column(String(300))
    label_key: Mapped[str] = mapped_column(String(300), index=True)  # fold(label)
    short_label: Mapped[str | None] = mapped_column(String(300))
    occupation_code: Mapped[str] = mapped_column(ForeignKey("occupations.code"), index=True)
    main: Mapped[bool] = mapped_column(Boolean, default=False)  # classification PRINCIPALE
    rarely_used: Mapped[bool] = mapped_column(Boolean, default=False)  # peu_usite = O
    bioproduction: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    bioproduction_basis: Mapped[str | None] = mapped_column(String(20))  # occupation | keyword
    bioproduction_reason: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)

    occupation: Mapped[Occupation] = relationship(back_populates="titles")
    source: Mapped[Source] = relationship()

"""Observatory model: indicators, their values (recorded from an article or computed from the
atlas, each citing its `Source`), targets, regional roadmaps (axes, actions) and structuring projects.

Values of the same indicator, scope and period coming from different sources are kept side by
side (no unique constraint): the observatory shows disagreements, it does not settle them.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import Column, Date, DateTime, Float, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bioatlas.atlas.models import Actor, Source
from bioatlas.core.db import Base

UNITS = ("count", "percent", "litres", "jobs", "factor", "euros", "days")
SCOPE_KINDS = ("country", "region", "cluster", "group", "world", "event")
METHODS = ("computed", "recorded")
VALUE_KINDS = ("computed", "recorded")
COMPARATORS = ("=", ">", "<", "~")  # "more than 85 %" is stored as value 85 with ">"
ACTION_STATUSES = ("planned", "in_progress", "done", "abandoned", "unknown")


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Indicator(Base):
    __tablename__ = "indicators"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    label_fr: Mapped[str] = mapped_column(String(300))
    label_en: Mapped[str] = mapped_column(String(300))
    definition_fr: Mapped[str] = mapped_column(Text, default="")
    definition_en: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(String(20))  # UNITS
    scope_kind: Mapped[str] = mapped_column(String(20))  # SCOPE_KINDS
    method: Mapped[str] = mapped_column(String(20))  # METHODS: how its values are mostly obtained
    query: Mapped[str | None] = mapped_column(String(100))  # compute.py query code of a computed indicator

    values: Mapped[list[IndicatorValue]] = relationship(back_populates="indicator", cascade="all, delete-orphan")
    targets: Mapped[list[Target]] = relationship(back_populates="indicator", cascade="all, delete-orphan")


class IndicatorValue(Base):
    __tablename__ = "indicator_values"
    __table_args__ = (Index("ix_indicator_values_indicator_scope_period", "indicator_id", "scope", "period"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(60))  # FR, region code 11, DE, EU, KR+CN, medicen…
    dimension: Mapped[str | None] = mapped_column(String(100))  # breakdown, e.g. kind=company, year=2024
    period: Mapped[str | None] = mapped_column(String(10))  # 2020, 2021-06, 2021-06-30; None: undated
    value: Mapped[float] = mapped_column(Float)
    comparator: Mapped[str] = mapped_column(String(1), default="=")  # COMPARATORS
    value_text: Mapped[str | None] = mapped_column(String(200))  # "5 of 76", "> 85 %"
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(20), index=True)  # VALUE_KINDS
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    snapshot_date: Mapped[date | None] = mapped_column(Date, index=True)  # day of the computed snapshot
    computed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)

    indicator: Mapped[Indicator] = relationship(back_populates="values")
    source: Mapped[Source] = relationship()


class Target(Base):
    __tablename__ = "indicator_targets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(60))
    value: Mapped[float] = mapped_column(Float)
    comparator: Mapped[str] = mapped_column(String(1), default="=")  # ">": "at least"
    horizon_year: Mapped[int] = mapped_column(Integer)
    baseline_value: Mapped[float | None] = mapped_column(Float)
    baseline_year: Mapped[int | None] = mapped_column(Integer)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)

    indicator: Mapped[Indicator] = relationship(back_populates="targets")
    source: Mapped[Source] = relationship()


action_owners = Table(
    "roadmap_action_owners",
    Base.metadata,
    Column("action_id", ForeignKey("roadmap_actions.id", ondelete="CASCADE"), primary_key=True),
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True, index=True),
)
action_indicators = Table(
    "roadmap_action_indicators",
    Base.metadata,
    Column("action_id", ForeignKey("roadmap_actions.id", ondelete="CASCADE"), primary_key=True),
    Column("indicator_id", ForeignKey("indicators.id", ondelete="CASCADE"), primary_key=True, index=True),
)
project_partners = Table(
    "project_partners",
    Base.metadata,
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Roadmap(Base):
    __tablename__ = "roadmaps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    title_fr: Mapped[str] = mapped_column(String(500))
    title_en: Mapped[str | None] = mapped_column(String(500))
    owner_name: Mapped[str | None] = mapped_column(String(300))  # as the article names it
    owner_actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="SET NULL"), index=True)
    region: Mapped[str | None] = mapped_column(String(3))
    adopted: Mapped[str | None] = mapped_column(String(10))  # as precise as the source: 2021-05, 2024-03-13
    axes_declared: Mapped[int | None] = mapped_column(Integer)  # as the article counts them
    actions_declared: Mapped[int | None] = mapped_column(Integer)
    summary_fr: Mapped[str | None] = mapped_column(Text)
    summary_en: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)

    owner: Mapped[Actor | None] = relationship()
    source: Mapped[Source] = relationship()
    axes: Mapped[list[RoadmapAxis]] = relationship(
        back_populates="roadmap", cascade="all, delete-orphan", order_by="RoadmapAxis.number"
    )


class RoadmapAxis(Base):
    __tablename__ = "roadmap_axes"
    __table_args__ = (UniqueConstraint("roadmap_id", "number", name="uq_roadmap_axes_roadmap_number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmaps.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title_fr: Mapped[str] = mapped_column(String(500))
    title_en: Mapped[str | None] = mapped_column(String(500))

    roadmap: Mapped[Roadmap] = relationship(back_populates="axes")
    actions: Mapped[list[RoadmapAction]] = relationship(
        back_populates="axis", cascade="all, delete-orphan", order_by="RoadmapAction.number"
    )


class RoadmapAction(Base):
    __tablename__ = "roadmap_actions"
    __table_args__ = (UniqueConstraint("axis_id", "number", name="uq_roadmap_actions_axis_number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    axis_id: Mapped[int] = mapped_column(ForeignKey("roadmap_axes.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title_fr: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(Text)
    owners_text: Mapped[str | None] = mapped_column(String(500))  # owners named without an atlas actor
    status: Mapped[str] = mapped_column(String(20), default="unknown")  # ACTION_STATUSES
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)

    axis: Mapped[RoadmapAxis] = relationship(back_populates="actions")
    owners: Mapped[list[Actor]] = relationship(secondary=action_owners)
    indicators: Mapped[list[Indicator]] = relationship(secondary=action_indicators, order_by="Indicator.code")


class Project(Base):
    """A structuring project (a factory, a pilot line, an R&D programme) and who carries it."""

    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    budget_eur: Mapped[float | None] = mapped_column(Float)
    funding_source: Mapped[str | None] = mapped_column(String(500))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("roadmap_actions.id", ondelete="SET NULL"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    action: Mapped[RoadmapAction | None] = relationship()
    partners: Mapped[list[Actor]] = relationship(secondary=project_partners)
    source: Mapped[Source] = relationship()


class ActionStatusChange(Base):
    """One change of a roadmap action's status (PATCH /api/v1/roadmaps/actions/{id}), with its date."""

    __tablename__ = "roadmap_action_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("roadmap_actions.id", ondelete="CASCADE"), index=True)
    old_status: Mapped[str] = mapped_column(String(20))
    new_status: Mapped[str] = mapped_column(String(20))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    changed_by: Mapped[str] = mapped_column(String(100))  # "admin token" until accounts exist
    note: Mapped[str | None] = mapped_column(Text)

"""Pydantic response models of the observatory API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


class SourceOut(BaseModel):
    id: int
    key: str
    title: str
    kind: str
    published: str | None = None
    url: str | None = None


class ValueOut(BaseModel):
    id: int
    scope: str
    dimension: str | None = None
    period: str | None = None
    value: float
    comparator: str
    value_text: str | None = None
    numerator: float | None = None
    denominator: float | None = None
    kind: str
    snapshot_date: date | None = None
    computed_at: datetime | None = None
    note: str | None = None
    source: SourceOut


class IndicatorOut(BaseModel):
    code: str
    label: str
    label_fr: str
    label_en: str
    definition_fr: str
    definition_en: str
    unit: str
    scope_kind: str
    method: str
    query: str | None = None


class IndicatorSummary(IndicatorOut):
    latest: list[ValueOut]


class TargetOut(BaseModel):
    indicator: str
    scope: str
    value: float
    comparator: str
    horizon_year: int
    baseline_value: float | None = None
    baseline_year: int | None = None
    note: str | None = None
    source: SourceOut
    latest: ValueOut | None = None
    progress: float | None = None


class ConflictOut(BaseModel):
    indicator: str
    scope: str
    dimension: str | None = None
    period: str | None = None
    values: list[ValueOut]


class IndicatorDetail(BaseModel):
    indicator: IndicatorOut
    targets: list[TargetOut]
    series: list[ValueOut]
    conflicts: list[ConflictOut]


class Progress(BaseModel):
    actions: int
    by_status: dict[str, int]
    share_done: float | None = None


class ActorRef(BaseModel):
    id: int
    name: str


class ActionOut(BaseModel):
    id: int
    number: int
    title_fr: str
    title_en: str | None = None
    status: str
    start_date: date | None = None
    end_date: date | None = None
    owners_text: str | None = None
    owners: list[ActorRef]
    indicators: list[str]


class AxisOut(BaseModel):
    number: int
    title_fr: str
    title_en: str | None = None
    progress: Progress
    actions: list[ActionOut] = []


class RoadmapOut(BaseModel):
    code: str
    title: str
    title_fr: str
    title_en: str | None = None
    owner_name: str | None = None
    owner: ActorRef | None = None
    region: str | None = None
    adopted: str | None = None
    axes_declared: int | None = None
    actions_declared: int | None = None
    summary_fr: str | None = None
    summary_en: str | None = None
    source: SourceOut
    progress: Progress
    axes: list[AxisOut]


class ActionStatusIn(BaseModel):
    """A new status for a roadmap action; `note` says why (kept with the dated change)."""

    model_config = {"extra": "forbid"}
    status: Literal["planned", "in_progress", "done", "abandoned", "unknown"]
    note: str | None = Field(default=None, max_length=2000)


class ActionStatusOut(BaseModel):
    id: int
    roadmap: str
    axis: int
    number: int
    status: str
    previous_status: str
    changed_at: datetime

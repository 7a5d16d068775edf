"""Pydantic shapes of the atlas API answers (they make the OpenAPI schema at /docs)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class SiteOut(BaseModel):
    role: str
    commune: str | None = None
    postcode: str | None = None
    departement: str | None = None
    region: str | None = None
    latitude: float | None = None
    longitude: float | None = None


class ActorSummary(BaseModel):
    id: int
    name: str
    kind: str
    kind_label: str
    url: str
    sites: list[SiteOut]
    modalities: list[str]


class ActorPage(BaseModel):
    total: int = Field(description="number of actors matching the filters")
    limit: int
    offset: int
    items: list[ActorSummary]


class FacetValue(BaseModel):
    code: str
    label: str
    count: int
    parent: str | None = None


class Facets(BaseModel):
    total: int
    facets: dict[str, list[FacetValue]]


class Problem(BaseModel):
    detail: Any


class TermOut(BaseModel):
    code: str
    parent: str | None
    label: str
    label_fr: str
    label_en: str

"""Pydantic shapes of the atlas API answers (they make the OpenAPI schema at /docs)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class SiteOut(BaseModel):
    id: int
    role: str
    role_label: str
    address: str | None = None
    postcode: str | None = None
    commune_insee: str | None = None
    commune_name: str | None = None
    departement: str | None = None
    departement_name: str | None = None
    region: str | None = None
    region_name: str | None = None
    country: str
    latitude: float | None = None
    longitude: float | None = None
    source_id: int


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


class ChangeSource(BaseModel):
    id: int
    title: str
    kind: str


class ChangeOut(BaseModel):
    at: datetime
    action: str
    field: str
    old_value: str | None
    new_value: str | None
    source: ChangeSource


class TermOut(BaseModel):
    code: str
    parent: str | None
    label: str
    label_fr: str
    label_en: str

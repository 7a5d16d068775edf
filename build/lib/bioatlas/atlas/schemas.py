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
    scope: str = Field("all", description="what `total` counts: sector (the sector scope) or all (every actor)")
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
    scope: str = Field("all", description="what `total` counts: sector (the sector scope) or all (every actor)")
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


class LayerOption(BaseModel):
    value: str
    label: str


class LayerFilterOut(BaseModel):
    name: str = Field(description="the query parameter of the filter (repeat it or separate values by commas)")
    label: str
    options: list[LayerOption]


class MapLayerOut(BaseModel):
    name: str
    label: str = Field(description="in the request's language")
    source: str = Field(description="where the items come from, in the request's language")
    color: str
    limit: int = Field(description="at most this many points per answer (`truncated` says when cut)")
    private: bool = Field(description="readers need more than public access")
    url: str = Field(description="GeoJSON of the layer's points: add ?bbox=west,south,east,north")
    filters: list[LayerFilterOut]


class MapLayerList(BaseModel):
    layers: list[MapLayerOut]

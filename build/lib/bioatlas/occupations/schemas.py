"""Pydantic shapes of the occupations API answers (they make the OpenAPI schema at /docs)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class OccupationRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    label: str


class OccupationOut(OccupationRef):
    domain: str = Field(description="ROME letter, e.g. H (industry)")
    subdomain: str = Field(description="professional domain: letter and two digits, e.g. H23")
    parent_code: str | None = Field(None, description="historical ROME fiche this occupation descends from")
    bioproduction: bool
    bioproduction_reason: str | None = None
    url: str


class OccupationPage(BaseModel):
    total: int = Field(description="number of occupations matching the filters")
    limit: int
    offset: int
    items: list[OccupationOut]


class JobTitleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str = Field(description="ROME appellation code (code OGR)")
    label: str
    short_label: str | None = None
    occupation_code: str
    main: bool = Field(description="the title that names the occupation (classification PRINCIPALE)")
    rarely_used: bool
    bioproduction: bool
    bioproduction_basis: str | None = Field(None, description="occupation (inherited) or keyword (own)")
    bioproduction_reason: str | None = None


class JobTitlePage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[JobTitleOut]


class SourceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    key: str
    title: str
    url: str | None = None
    licence: str | None = None


class OccupationDetail(OccupationOut):
    ogr_code: str | None = None
    parent: OccupationRef | None = None
    children: list[OccupationRef] = []
    titles: list[JobTitleOut]
    source: SourceOut

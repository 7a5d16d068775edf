"""Pydantic shapes of the products API answers (they make the OpenAPI schema at /docs)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class ProductSummary(BaseModel):
    id: int
    product_number: str = Field(description="EMA product number, e.g. EMEA/H/C/000992")
    name: str
    inn: str | None = Field(None, description="International non-proprietary name / common name")
    active_substance: str | None = None
    atc_code: str | None = Field(None, description="ATC code (human) or ATCvet code (veterinary, Q…)")
    category: str = Field(description="human or veterinary")
    status: str = Field(description="authorised, withdrawn, refused, application_withdrawn…")
    authorisation_date: date | None = None
    is_biologic: bool
    biologic_rule: str = Field(description="code of the rule that decided is_biologic (see docs/sources-ema.md)")
    advanced_therapy: bool | None = Field(None, description="ATMP; null when the source list has no such column")
    biosimilar: bool | None = None
    orphan: bool | None = None
    mah_name: str | None = Field(None, description="marketing-authorisation holder as the EMA writes it")
    mah_actor_id: int | None = Field(None, description="the atlas actor the holder resolves to, when exactly one")
    mah_country: str | None = None
    url: str | None = None


class ActorRef(BaseModel):
    id: int
    name: str
    url: str


class SourceRef(BaseModel):
    id: int
    title: str
    kind: str
    url: str | None = None
    licence: str | None = None
    published: date | None = None


class ManufacturingOut(BaseModel):
    actor: ActorRef
    site_id: int | None = None
    role: str
    source_id: int


class ProductOut(ProductSummary):
    therapeutic_area: str | None = None
    decision_date: date | None = None
    opinion_date: date | None = None
    refusal_date: date | None = None
    withdrawal_date: date | None = None
    generic: bool | None = None
    conditional_approval: bool | None = None
    exceptional_circumstances: bool | None = None
    accelerated_assessment: bool | None = None
    prime: bool | None = None
    biologic_rule_description: str
    mah_actor: ActorRef | None = None
    mah_country_rule: str | None = Field(None, description="how the holder country was told: actor:site, legal_form:…, name:…")
    first_seen: date | None = Field(None, description="date of the earliest EMA list that names the product")
    last_seen: date | None = Field(None, description="date of the latest EMA list that names the product")
    source: SourceRef
    manufacturing: list[ManufacturingOut]


class ProductPage(BaseModel):
    total: int = Field(description="number of products matching the filters")
    limit: int
    offset: int
    items: list[ProductSummary]


class YearCount(BaseModel):
    year: int = Field(description="year of the marketing authorisation")
    all: int
    biologics: int
    atmps: int = Field(description="products flagged 'Advanced therapy' (unknown in lists without that column)")

"""Actor model. Every fact row points to the `Source` it came from (provenance)."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import BigInteger, Computed, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bioatlas.atlas.cells import GRIDS, cell_sql
from bioatlas.core.db import Base


# Made by migration 0039 outside the models (an expression index: the models-vs-schema comparison
# cannot reflect it on SQLite): the directory's name order, `ORDER BY lower(name), id`, walks it
# instead of sorting every active actor (atlas.queries.list_actors).
NAME_ORDER_INDEX = "ix_actors_lower_name_id"
Base.metadata.info.setdefault("unmanaged", set()).add(NAME_ORDER_INDEX)


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Source(Base):
    """Where a fact comes from: an open-data file, an article, a spreadsheet, a user's edit."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(40), default="file")  # open_data | article | file | user
    url: Mapped[str | None] = mapped_column(String(1000))
    licence: Mapped[str | None] = mapped_column(String(200))
    published: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Actor(Base):
    __tablename__ = "actors"
    # a filtered view's count reads the index alone (status checked in it, no row read: migration 0041)
    __table_args__ = (Index("ix_actors_kind_status", "kind", "status"), Index("ix_actors_gmp_status", "gmp", "status"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    name_key: Mapped[str] = mapped_column(String(500), index=True)  # fold(name): accent/case-free match
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    description_fr: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    scale_litres: Mapped[float | None] = mapped_column(Float)
    gmp: Mapped[str | None] = mapped_column(String(40))
    naf_code: Mapped[str | None] = mapped_column(String(6))  # main activity, NAF rév. 2 ("21.20Z")
    headcount_band: Mapped[str | None] = mapped_column(String(2))  # headcount_bands taxonomy (INSEE band)
    headcount_year: Mapped[int | None] = mapped_column(Integer)  # the year the band describes
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)

    names: Mapped[list[ActorName]] = relationship(back_populates="actor", cascade="all, delete-orphan")
    identifiers: Mapped[list[Identifier]] = relationship(back_populates="actor", cascade="all, delete-orphan")
    sites: Mapped[list[Site]] = relationship(back_populates="actor", cascade="all, delete-orphan")
    capabilities: Mapped[list[Capability]] = relationship(back_populates="actor", cascade="all, delete-orphan")
    relations: Mapped[list[Relation]] = relationship(
        back_populates="actor", cascade="all, delete-orphan", foreign_keys="Relation.actor_id"
    )
    field_sources: Mapped[list[FieldSource]] = relationship(back_populates="actor", cascade="all, delete-orphan")


class FieldSource(Base):
    """Provenance of a scalar field of an actor (name, kind, description, scale, GMP)."""

    __tablename__ = "actor_field_sources"
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True)
    field: Mapped[str] = mapped_column(String(40), primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    actor: Mapped[Actor] = relationship(back_populates="field_sources")
    source: Mapped[Source] = relationship()


class ActorName(Base):
    __tablename__ = "actor_names"
    __table_args__ = (UniqueConstraint("actor_id", "type", "value", name="uq_actor_names_actor_type_value"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(20))  # name_types taxonomy
    value: Mapped[str] = mapped_column(String(500))
    value_key: Mapped[str] = mapped_column(String(500), index=True)  # fold(value)
    lang: Mapped[str | None] = mapped_column(String(10))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    actor: Mapped[Actor] = relationship(back_populates="names")
    source: Mapped[Source] = relationship()


class Identifier(Base):
    __tablename__ = "actor_identifiers"
    __table_args__ = (
        UniqueConstraint("actor_id", "scheme", "value", name="uq_actor_identifiers_actor_scheme_value"),
        Index("ix_actor_identifiers_scheme_value", "scheme", "value"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    scheme: Mapped[str] = mapped_column(String(20))  # identifier_schemes taxonomy
    value: Mapped[str] = mapped_column(String(500))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    actor: Mapped[Actor] = relationship(back_populates="identifiers")
    source: Mapped[Source] = relationship()


class Site(Base):
    __tablename__ = "sites"
    __table_args__ = (
        *(Index(f"ix_sites_cell_g{g}", f"cell_g{g}", "latitude", "longitude", "actor_id") for g in GRIDS),
        # a region or département filter reads its actors from the index alone (migration 0041)
        Index("ix_sites_region_actor", "region", "actor_id"),
        Index("ix_sites_departement_actor", "departement", "actor_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="hq")  # site_roles taxonomy
    address: Mapped[str | None] = mapped_column(String(500))
    postcode: Mapped[str | None] = mapped_column(String(10))
    commune_insee: Mapped[str | None] = mapped_column(String(5), index=True)
    commune_name: Mapped[str | None] = mapped_column(String(200))
    departement: Mapped[str | None] = mapped_column(String(3))
    region: Mapped[str | None] = mapped_column(String(3))
    country: Mapped[str] = mapped_column(String(2), default="FR")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # address | commune | city_registry (records.PRECISIONS); null when the site is not located
    precision: Mapped[str | None] = mapped_column(String(20))
    # map grid cells, computed by the database from latitude/longitude (atlas/cells.py, clusters.py)
    cell_g4: Mapped[int | None] = mapped_column(BigInteger, Computed(cell_sql(4), persisted=True))
    cell_g6: Mapped[int | None] = mapped_column(BigInteger, Computed(cell_sql(6), persisted=True))
    cell_g8: Mapped[int | None] = mapped_column(BigInteger, Computed(cell_sql(8), persisted=True))
    cell_g10: Mapped[int | None] = mapped_column(BigInteger, Computed(cell_sql(10), persisted=True))
    cell_g12: Mapped[int | None] = mapped_column(BigInteger, Computed(cell_sql(12), persisted=True))
    cell_g14: Mapped[int | None] = mapped_column(BigInteger, Computed(cell_sql(14), persisted=True))
    cell_g16: Mapped[int | None] = mapped_column(BigInteger, Computed(cell_sql(16), persisted=True))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    actor: Mapped[Actor] = relationship(back_populates="sites")
    source: Mapped[Source] = relationship()


class SiteSupersession(Base):
    """A site statement that a correction replaced or removed (`atlas.site_corrections`): the
    source that stated it and its values (JSON of `writer.SITE_FIELDS`). Re-importing that source
    does not bring it back (the writer and the bulk loader skip it); reverting the correction
    puts the row back from here."""

    __tablename__ = "site_supersessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    site: Mapped[str] = mapped_column(Text)
    by_source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)  # who corrected it
    superseded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Capability(Base):
    """One capability value of an actor: a modality, a value-chain step or an expression system."""

    __tablename__ = "actor_capabilities"
    __table_args__ = (
        UniqueConstraint("actor_id", "facet", "code", name="uq_actor_capabilities_actor_facet_code"),
        Index("ix_actor_capabilities_facet_code_actor", "facet", "code", "actor_id"),  # covering (migration 0041)
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    facet: Mapped[str] = mapped_column(String(30))  # taxonomy name: modalities, value_chain, expression_systems
    code: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    actor: Mapped[Actor] = relationship(back_populates="capabilities")
    source: Mapped[Source] = relationship()


class Relation(Base):
    """Actor → actor link: cluster membership, parent organisation, related."""

    __tablename__ = "actor_relations"
    __table_args__ = (
        UniqueConstraint("actor_id", "relation", "target_id", name="uq_actor_relations_actor_relation_target"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(20))  # relation_types taxonomy
    target_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    actor: Mapped[Actor] = relationship(back_populates="relations", foreign_keys=[actor_id])
    target: Mapped[Actor] = relationship(foreign_keys=[target_id])
    source: Mapped[Source] = relationship()


class ActorChange(Base):
    """One change of an actor's facts: who/what source, when, which field, old and new values (JSON)."""

    __tablename__ = "actor_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    action: Mapped[str] = mapped_column(String(20))  # created | updated
    field: Mapped[str] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    source: Mapped[Source] = relationship()


class ChangeLogEntry(Base):
    """One row per actor touched by a commit (its row, names, sites or capabilities), written in
    the same transaction by `atlas.changelog`: in-memory indexes of every process (search facets,
    map) compare the highest `seq` with the one they were built at and absorb the changed actors."""

    __tablename__ = "actor_change_log"
    __table_args__ = {"sqlite_autoincrement": True}  # seqs are never reused, even after a DELETE
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(Integer)  # no foreign key: a deleted actor is a change too
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class ContentVersion(Base):
    """One row (id 1) whose `seq` grows with every commit that wrote content through the ORM (any
    table but the quiet ones of `atlas.content_version`), written in the same transaction: with the
    change log's seq it is the version the response cache and the HTTP validators (ETag) key on."""

    __tablename__ = "content_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class ResearchFact(Base):
    """What a research registry states about an actor beyond the columns above, one row per
    (actor, source, kind, code) with the source's label: kinds `rnsr_domain` (RNSR scientific
    domain, 5 = biology, medicine, health), `erc_panel` (LS1-LS9, PE…, SH…), `rnsr_created`
    (creation year), `ilab_year` (an i-Lab competition won), `ilab_domain` (i-Lab technology
    domain), `ilab_laureate` (i-Lab application id). Read by the sector scope and inferred
    capabilities; kept apart from `actor_capabilities`, whose facets are the bioproduction
    taxonomies."""

    __tablename__ = "research_facts"
    __table_args__ = (UniqueConstraint("actor_id", "source_id", "kind", "code", name="uq_research_facts_fact"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    code: Mapped[str] = mapped_column(String(200))
    label: Mapped[str | None] = mapped_column(String(500))


class CapabilityEvidence(Base):
    """Why an inferred capability is there (the rule and the words it matched in the actor's own
    texts), or that a member rejected it (`status` "rejected": a re-run never brings it back).
    The capability itself is an `actor_capabilities` row whose source is of kind "inferred"."""

    __tablename__ = "capability_evidence"
    __table_args__ = (UniqueConstraint("actor_id", "facet", "code", name="uq_capability_evidence_actor_facet_code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    facet: Mapped[str] = mapped_column(String(30))
    code: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="inferred")  # inferred | rejected
    rule: Mapped[str] = mapped_column(String(60))
    matched: Mapped[str] = mapped_column(String(500))  # the words matched, "|"-separated, as written


class ScopeReason(Base):
    """Why an actor belongs to the sector scope: one row per (actor, rule) of the scope rules
    (`atlas/sector/rules.csv`), with the values the rule matched ("21.20Z", "LS9", "vaccin").
    Written only by `atlas.scope.compute` (`bioatlas scope compute`): an actor with no row is
    outside the sector."""

    __tablename__ = "actor_scope_reasons"
    __table_args__ = (UniqueConstraint("actor_id", "rule", name="uq_actor_scope_reasons_actor_rule"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(60), index=True)
    matched: Mapped[str] = mapped_column(String(500))  # the values matched, "|"-separated


class ScopeRun(Base):
    """One computation of the sector scope: when, over which rules (digest of the rule file) and
    how many actors it put in scope. Views default to the sector once a run exists."""

    __tablename__ = "sector_scope_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    rules_digest: Mapped[str] = mapped_column(String(64))
    actors: Mapped[int] = mapped_column(Integer)

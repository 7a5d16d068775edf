"""The atlas's public interface: what other rooms may call (keyword-only functions over actors,
their sites, scopes, the view filter, taxonomies and the gazetteer). Other rooms import the
atlas's `models` only to declare foreign keys; everything else goes through this module.

Groups: records and errors handed to connectors; actors (get, find, upsert, scope); history;
the change log (for in-memory indexes); the view filter; taxonomies and the gazetteer;
request dependencies and presenters for other rooms' pages. History and the change log live in
`service_history`, the sector scope, research facts and inferred capabilities in
`service_sector`, located sites in `service_sites`, sources in `service_sources`: this module
re-exports them (other rooms import only `atlas.service`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql import ColumnElement

from bioatlas.atlas import bulk, detail, history, queries, writer
from bioatlas.atlas.cards import load_cards
from bioatlas.atlas.deps import FilterDep, TaxonomiesDep
from bioatlas.atlas.filters import (
    FACETS,
    ActorFilter,
    FilterError,
    Predicates,
    conditions,
    parse_filter,
    predicates,
)
from bioatlas.atlas.geocode import Gazetteer, GeocodeError, Place
from bioatlas.atlas.geocode import gazetteer as _gazetteer
from bioatlas.atlas.importer.errors import ImportFileError, RowError
from bioatlas.atlas.importer.validators import naf as check_naf
from bioatlas.atlas.models import (
    Actor,
    ActorChange,
    ActorName,
    CapabilityEvidence,
    Identifier,
    Relation,
    ResearchFact,
    Site,
    Source,
)
from bioatlas.atlas.presenters import actor_summary
from bioatlas.atlas.records import APPROXIMATE, PRECISIONS, ActorRecord, SiteRecord, SourceRecord, site_precision
from bioatlas.atlas.revert import (
    REVERTIBLE,
    RevertError,
    check_revertible,
    revert_change,
)
from bioatlas.atlas.serialize import ordered_sites
from bioatlas.atlas.service_history import (
    actor_snapshot,
    add_change,
    change_mark,
    change_position,
    changes_since,
    data_version,
    data_version_reader,
    files_due,
    files_mark,
    get_change,
    latest_change,
    note_changed,
    note_content_changed,
    note_everything,
    note_touched_actors,
    record_changes,
)
from bioatlas.atlas.service_sector import (
    ALL,
    INFERRED,
    SCOPES,
    SECTOR,
    ScopeRuleError,
    default_scope,
    field_texts,
    in_scope_ids,
    inference_source,
    inferred_evidence_of,
    judge_inferred_capability,
    names_of_scheme,
    replace_inferred_capabilities,
    replace_research_facts,
    research_facts_by_kind,
    research_facts_of,
    scope_reasons_of,
    scope_rules,
    scope_summary,
)
from bioatlas.atlas.service_sites import (
    LocatedSite,
    SiteCorrectionError,
    correct_site,
    find_site,
    located_sites,
    site_values,
    sites_selectable,
)
from bioatlas.atlas.service_sources import find_source, find_sources, get_or_create_source
from bioatlas.atlas.stats import (
    RegionFacts,
    capacity_per_region_and_modality,
    located_actor_total,
    located_actors_per_region,
    region_facts,
    sites_per_gmp_status,
)
from bioatlas.atlas.taxonomy import (
    CAPABILITY_FACETS,
    SHIPPED_DIR,
    Taxonomy,
    load_taxonomies,
)
from bioatlas.atlas.writer import STRONG_SCHEMES, MatchError, Outcome
from bioatlas.core.dialect import Dialect
from bioatlas.core.text import fold

__all__ = [  # noqa: RUF022  (grouped by purpose, not sorted)
    # records and errors (connectors, importers)
    "ActorRecord", "SiteRecord", "SourceRecord", "MatchError", "Outcome", "ImportFileError", "RowError",
    "GeocodeError", "FilterError", "STRONG_SCHEMES", "check_naf",
    # how precise a site's position is (SiteRecord.precision)
    "PRECISIONS", "APPROXIMATE", "site_precision",
    # actors
    "Actor", "Source", "get_actor", "load_actor", "load_actors", "actor_exists", "has_actors", "names_with_keys", "site_of_actor",
    "find_actors", "actor_ids_by_identifier", "actor_identifiers", "find_actor_by_name", "upsert_actor", "bulk_upsert",
    "replace_relations", "relations_touching", "get_or_create_source", "find_source", "find_sources", "actor_scope", "ActorScopeData",
    # history
    "HISTORY_FIELDS", "actor_snapshot", "record_changes", "get_change", "add_change", "revert_change", "check_revertible", "RevertError",
    "REVERTIBLE", "ActorChange",
    # change log
    "latest_change", "changes_since", "note_changed", "note_touched_actors", "note_everything",
    "note_content_changed", "data_version", "data_version_reader", "change_mark", "change_position",
    "files_mark", "files_due",
    # view filter
    "ActorFilter", "FACETS", "Predicates", "parse_view", "view_conditions", "view_predicates", "facet_counts",
    # taxonomies, gazetteer
    "Taxonomy", "CAPABILITY_FACETS", "SHIPPED_DIR", "taxonomies", "gazetteer", "Gazetteer", "Place",
    # counts for statistics (observatory)
    "located_actor_total", "located_actors_per_region", "capacity_per_region_and_modality", "region_facts", "sites_per_gmp_status",
    "RegionFacts",
    # located sites (map layers of other rooms)
    "LocatedSite", "located_sites", "sites_selectable",
    # corrections of an actor's sites (contributions)
    "correct_site", "find_site", "site_values", "SiteCorrectionError",
    # for other rooms' pages and APIs
    "TaxonomiesDep", "FilterDep", "actor_summary", "ordered_sites", "load_cards",
    # research facts (RNSR domains and ERC panels, i-Lab years and domains)
    "ResearchFact", "replace_research_facts", "research_facts_of",
    # the sector scope (atlas/sector/rules.csv): rules, reasons, the default scope of a view
    "SCOPES", "SECTOR", "ALL", "ScopeRuleError", "scope_rules", "default_scope", "scope_reasons_of", "in_scope_ids",
    "scope_summary",
    # inferred capabilities (the inference room): what it reads, what it writes, members' judgements
    "INFERRED", "CapabilityEvidence", "inference_source", "field_texts", "names_of_scheme", "research_facts_by_kind",
    "replace_inferred_capabilities", "inferred_evidence_of", "judge_inferred_capability",
]

# Actor and Source are the types of the objects this interface hands out (for annotations and
# attribute reads); other rooms do not query their tables.
HISTORY_FIELDS = history.SCALARS  # the scalar fields the history records one by one


# --- actors ---------------------------------------------------------------------------------------


def get_actor(session: Session, *, actor_id: int) -> Actor | None:
    """The actor (its row, relations loaded on access), or None."""
    return session.get(Actor, actor_id)


def load_actor(session: Session, *, actor_id: int) -> Actor | None:
    """The actor with every fact loaded at once (names, identifiers, sites, capabilities,
    relations, field sources): for pages and exports."""
    return queries.get_actor(session, actor_id=actor_id)


def load_actors(session: Session, *, ids: Iterable[int]) -> dict[int, Actor]:
    """{id: actor} with names, sites and capabilities loaded (result lists, summaries)."""
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return {}
    return {a.id: a for a in session.scalars(
        select(Actor).where(Actor.id.in_(wanted))
        .options(selectinload(Actor.sites), selectinload(Actor.capabilities), selectinload(Actor.names)))}


def actor_exists(session: Session, *, actor_id: int) -> bool:
    return session.scalar(select(Actor.id).where(Actor.id == actor_id)) is not None


def actor_ids_of_kinds(session: Session, *, kinds: Sequence[str], region: str | None = None) -> list[int]:
    """Active actors of these kinds, with a site in the region (INSEE code) when given, ordered by id."""
    stmt = select(Actor.id).where(Actor.kind.in_(list(kinds)), Actor.status == "active")
    if region:
        stmt = stmt.where(Actor.id.in_(select(Site.actor_id).where(Site.region == region)))
    return list(session.scalars(stmt.order_by(Actor.id)))


def find_actors(
    session: Session,
    *,
    ids: Iterable[int] | None = None,
    name: str | None = None,
    identifier: tuple[str, str] | None = None,
    limit: int = 500,
) -> list[Actor]:
    """Actors meeting every criterion given, ordered by id: `ids` (a set of ids), `name` (the
    usual or another name folds to the same text as `name`), `identifier` ((scheme, value))."""
    stmt = select(Actor)
    if ids is not None:
        wanted = sorted({int(i) for i in ids})
        if not wanted:
            return []
        stmt = stmt.where(Actor.id.in_(wanted))
    if name is not None:
        key = fold(name)
        if not key:
            return []
        stmt = stmt.where(or_(Actor.name_key == key,
                              Actor.id.in_(select(ActorName.actor_id).where(ActorName.value_key == key))))
    if identifier is not None:
        scheme, value = identifier
        stmt = stmt.where(Actor.id.in_(
            select(Identifier.actor_id).where(Identifier.scheme == scheme, Identifier.value == value)))
    return list(session.scalars(stmt.order_by(Actor.id).limit(max(1, limit))))


def actor_ids_by_identifier(session: Session, *, scheme: str) -> dict[str, int]:
    """{identifier value: actor id} for every identifier of `scheme` (a registry's own ids)."""
    rows = session.execute(select(Identifier.value, Identifier.actor_id).where(Identifier.scheme == scheme))
    return {value: actor_id for value, actor_id in rows}


def has_actors(session: Session) -> bool:
    return session.scalar(select(Actor.id).limit(1)) is not None


def names_with_keys(session: Session, *, keys: Sequence[str], skip_types: Sequence[str] = ()) -> list[tuple[int, str]]:
    """(actor id, name) of every usual or other name (not of `skip_types`) whose folded key is
    one of `keys` (exact look-ups on the indexed folded columns)."""
    keys = list(keys)
    rows = session.execute(select(Actor.id, Actor.name).where(Actor.name_key.in_(keys))).all()
    other = select(ActorName.actor_id, ActorName.value).where(ActorName.value_key.in_(keys))
    if skip_types:
        other = other.where(ActorName.type.not_in(list(skip_types)))
    return [(int(i), v) for i, v in [*rows, *session.execute(other).all()]]


def site_of_actor(session: Session, *, site_id: int, actor_id: int) -> bool:
    """Whether the site exists and belongs to the actor."""
    return session.scalar(select(Site.id).where(Site.id == site_id, Site.actor_id == actor_id)) is not None


def identifiers_containing(session: Session, *, scheme: str, text: str, limit: int = 1000) -> list[tuple[int, str]]:
    """(actor id, value) of the identifiers of one scheme whose value contains `text` (case-blind),
    e.g. the websites on a domain; at most `limit`."""
    pattern = "%" + text.lower().replace("\\", "").replace("%", "").replace("_", "\\_") + "%"
    rows = session.execute(select(Identifier.actor_id, Identifier.value).where(
        Identifier.scheme == scheme, func.lower(Identifier.value).like(pattern, escape="\\")).limit(limit))
    return [(r[0], r[1]) for r in rows]


def actor_identifiers(session: Session, *, actor_id: int, scheme: str) -> list[str]:
    """The actor's identifier values of one scheme (e.g. its websites), by value."""
    return list(session.scalars(select(Identifier.value).where(
        Identifier.actor_id == actor_id, Identifier.scheme == scheme).order_by(Identifier.value)))


def find_actor_by_name(session: Session, *, name: str) -> Actor | None:
    """The single actor whose usual or other name folds to the same text; MatchError if several."""
    return writer.find_by_name(session, name)


def upsert_actor(session: Session, *, record: ActorRecord, source: Source, **options) -> Outcome:
    """Create or update the actor a record describes, with this source as provenance (the
    source's facts are replaced, the other sources' kept; the history records the change).
    `options`: `match_by_name` (default True) and `schemes` (default STRONG_SCHEMES); a registry
    whose records carry their own id passes `match_by_name=False, schemes=(its scheme,)`."""
    return writer.upsert_actor(session, record, source=source, **options)


def bulk_upsert(
    session: Session,
    *,
    records: Iterable[ActorRecord],
    source: Source,
    scheme: str,
    supersedes: Iterable[int] = (),
    batch_size: int = bulk.BATCH_SIZE,
    progress=None,
) -> dict[str, int]:
    """Set-based upsert of registry records matched on their `scheme` identifier only (see
    `atlas.bulk.bulk_upsert`); {"created", "updated", "unchanged"} counts; the caller commits."""
    return bulk.bulk_upsert(session, records, source=source, scheme=scheme, batch_size=batch_size,
                            supersedes=supersedes, progress=progress)


def replace_relations(session: Session, *, actor_id: int, relations: list[tuple[str, int]], source: Source) -> bool:
    """Replace what `source` states about the actor's relations ((relation, target id) pairs)."""
    actor = session.get(Actor, actor_id)
    if actor is None:
        raise MatchError("id", "no actor with id {id}", params={"id": actor_id})
    return writer.replace_relations(session, actor, relations, source)


def relations_touching(session: Session, *, actor_ids: Iterable[int]) -> list[tuple[int, str, int]]:
    """Every relation (actor id, relation code, target id) from or to one of these actors (for the
    conflict-of-interest check of reviews: parents, children, partners)."""
    ids = sorted({int(i) for i in actor_ids})
    if not ids:
        return []
    stmt = select(Relation.actor_id, Relation.relation, Relation.target_id).where(
        or_(Relation.actor_id.in_(ids), Relation.target_id.in_(ids))).order_by(Relation.id)
    return [(a, r, t) for a, r, t in session.execute(stmt).tuples()]


@dataclass(frozen=True)
class ActorScopeData:
    """Where an actor stands, for authorisation rules: its regions (of its sites) and the clusters
    it belongs to. `actor_id` None: no such actor. The policy's `ActorScope` is built from it by
    the caller (accounts sits above the atlas)."""

    actor_id: int | None
    regions: frozenset[str] = frozenset()
    clusters: frozenset[int] = frozenset()


def actor_scope(session: Session, *, actor_id: int | None) -> ActorScopeData:
    found = detail.where_it_stands(session, actor_id=actor_id) if actor_id is not None else None
    if found is None or actor_id is None:
        return ActorScopeData(None)
    return ActorScopeData(actor_id, *found)


# --- the view filter ------------------------------------------------------------------------------


def parse_view(params: Mapping[str, list[str]], *, taxonomies: Mapping[str, Taxonomy], gazetteer: Gazetteer,
               default_scope: str = "all") -> ActorFilter:
    """The view filter from query parameters ({name: [values]}); FilterError names a bad parameter.
    Without a `scope` parameter the view takes `default_scope` (see `default_scope()`)."""
    return parse_filter(params, dict(taxonomies), gazetteer, default_scope=default_scope)


def view_conditions(
    view: ActorFilter, *, taxonomies: Mapping[str, Taxonomy], sites: str = "in", dialect: Dialect | None = None
) -> list[ColumnElement[bool]]:
    """The view as SQL conditions on `Actor` (see `atlas.filters.conditions` for `sites`)."""
    return conditions(view, taxonomies, sites=sites, dialect=dialect)


def view_predicates(view: ActorFilter, *, taxonomies: Mapping[str, Taxonomy]) -> Predicates:
    """The view as accepted codes per actor facet and per site facet (in-memory indexes)."""
    return predicates(view, taxonomies)


def facet_counts(
    session: Session, *, view: ActorFilter, taxonomies: Mapping[str, Taxonomy], extra: Sequence = ()
) -> dict[str, dict[str, int]]:
    """Matching actors per value of each facet, that facet's own selection left out (an in-memory index when one answers)."""
    return queries.indexed_facet_counts(session, f=view, taxonomies=dict(taxonomies), extra=extra)


# --- taxonomies and gazetteer ---------------------------------------------------------------------


def taxonomies(settings: Any = None, *, extra_dir: Path | None = None) -> dict[str, Taxonomy]:
    """The taxonomies (shipped CSV files, plus the settings' extra folder when given); cached."""
    if extra_dir is None and settings is not None:
        extra_dir = getattr(settings, "extra_taxonomy_dir", None)
    return load_taxonomies(extra_dir)


def gazetteer() -> Gazetteer:
    """The offline gazetteer (communes, départements, regions); loaded once."""
    return _gazetteer()

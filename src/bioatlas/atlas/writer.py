"""Write side of the atlas: find the actor a record describes and create or update it.

Matching order: explicit actor id, then a strong identifier (SIREN, SIRET, ROR, RNSR, Wikidata,
VAT, ISNI, GRID, FundRef), then the name (usual, legal or other) when exactly one actor bears it.
Facts are replaced per source: what a source says now replaces what the same source said before,
and facts from other sources stay.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bioatlas.atlas.history import SCALARS as SCALAR_FIELDS, record_changes, snapshot
from bioatlas.atlas.models import (
    Actor,
    ActorName,
    Capability,
    FieldSource,
    Identifier,
    Relation,
    Site,
    SiteSupersession,
    Source,
)
from bioatlas.atlas.records import ActorRecord, SiteRecord, SourceRecord, site_precision
from bioatlas.core.fields import FieldError
from bioatlas.core.text import fold

STRONG_SCHEMES = ("siret", "siren", "ror", "rnsr", "wikidata", "vat", "isni", "grid", "fundref")
SITE_FIELDS = (
    "role", "address", "postcode", "commune_insee", "commune_name", "departement", "region",
    "country", "latitude", "longitude", "precision",
)


class MatchError(FieldError):
    """The record could describe several actors (the message names them), or names an id no actor
    has: `field` the identifier's scheme ("siren", "ror"…), "id" or "name". Its `str()` is the
    English message alone (the CLI's and the import report's reason); the import API says it in
    the reader's language from its message id and params."""

    def __init__(self, field: str, message: str, *, params: dict | None = None) -> None:
        super().__init__(field, message, 409, params=params)
        self.args = (self.message,)


@dataclass
class Outcome:
    actor_id: int
    status: str  # created | updated | unchanged


def get_or_create_source(session: Session, record: SourceRecord) -> Source:
    source = session.scalar(select(Source).where(Source.key == record.key))
    if source is None:
        source = Source(
            key=record.key, title=record.title, kind=record.kind, url=record.url,
            licence=record.licence, published=record.published,
        )
        session.add(source)
        session.flush()
    else:
        for attr in ("title", "kind", "url", "licence", "published"):
            value = getattr(record, attr)
            if value is not None and getattr(source, attr) != value:
                setattr(source, attr, value)
    return source


def find_actor(
    session: Session, record: ActorRecord, *, match_by_name: bool = True, schemes: tuple[str, ...] = STRONG_SCHEMES
) -> Actor | None:
    if record.actor_id is not None:
        actor = session.get(Actor, record.actor_id)
        if actor is None:
            raise MatchError("id", "no actor with id {id}", params={"id": record.actor_id})
        return actor
    for scheme in schemes:
        for value in record.identifiers.get(scheme, []):
            ids = session.scalars(
                select(Identifier.actor_id).where(Identifier.scheme == scheme, Identifier.value == value).distinct()
            ).all()
            if len(ids) > 1:
                raise MatchError(scheme, "{scheme} {value} is held by several actors ({ids})",
                                 params={"scheme": scheme, "value": value, "ids": ", ".join(map(str, ids))})
            if ids:
                return session.get(Actor, ids[0])
    return find_by_name(session, record.name) if match_by_name else None


def find_by_name(session: Session, name: str) -> Actor | None:
    """The single actor whose usual or other name folds to the same text; MatchError if several."""
    key = fold(name)
    if not key:
        return None
    candidates = session.scalars(
        select(Actor).where(
            or_(Actor.name_key == key, Actor.id.in_(select(ActorName.actor_id).where(ActorName.value_key == key)))
        )
    ).all()
    distinct = {a.id: a for a in candidates}
    if len(distinct) > 1:
        raise MatchError("name", "name {name} matches several actors ({ids}); add an identifier or the actor id to choose",
                         params={"name": repr(name), "ids": ", ".join(str(i) for i in sorted(distinct))})
    return next(iter(distinct.values()), None)


def upsert_actor(
    session: Session,
    record: ActorRecord,
    *,
    source: Source,
    match_by_name: bool = True,
    schemes: tuple[str, ...] = STRONG_SCHEMES,
) -> Outcome:
    """Create or update the actor a record describes, with this source as provenance.

    A registry whose records always carry their own identifier passes match_by_name=False and
    schemes=(its scheme,), so that distinct organisations sharing a name or a secondary
    identifier (two ROR records citing one Wikidata item) are never merged."""
    actor = find_actor(session, record, match_by_name=match_by_name, schemes=schemes)
    with session.no_autoflush:
        before = snapshot(actor) if actor is not None else None
        actor, status = _apply(session, actor, record, source)
    session.flush()
    if status != "unchanged":
        record_changes(session, actor, before, source, datetime.now(timezone.utc))
    return Outcome(actor.id, status)


def _apply(session: Session, actor: Actor | None, record: ActorRecord, source: Source) -> tuple[Actor, str]:
    created = actor is None
    if actor is None:
        actor = Actor(
            name=record.name, name_key=fold(record.name), kind=record.kind or "other", status=record.status or "active",
            names=[], identifiers=[], sites=[], capabilities=[], relations=[], field_sources=[],
        )
        session.add(actor)
    changed = created
    now = datetime.now(timezone.utc)
    provenance = {p.field: p for p in actor.field_sources}
    for attr in SCALAR_FIELDS:
        value = getattr(record, attr)
        if value is None:
            continue
        prov = provenance.get(attr)
        if prov is None:
            actor.field_sources.append(FieldSource(field=attr, source=source, recorded_at=now))
        elif getattr(actor, attr) != value and _outranks(source, prov.source):
            prov.source, prov.recorded_at = source, now
        else:
            continue  # the value stated by a higher-ranked source stays
        if getattr(actor, attr) != value:
            setattr(actor, attr, value)
            changed = True
            if attr == "name":
                actor.name_key = fold(value)
    if record.names is not None:
        changed |= _replace_names(session, actor, record, source)
    changed |= _add_identifiers(session, actor, record, source)
    if record.sites is not None:
        changed |= _replace_sites(session, actor, record.sites, source)
    for facet, codes in record.capabilities.items():
        changed |= _replace_capabilities(session, actor, facet, codes, source)
    if record.relations is not None:
        changed |= replace_relations(session, actor, record.relations, source)
    if changed and not created:
        actor.updated_at = now
    return actor, "created" if created else ("updated" if changed else "unchanged")


SOURCE_RANK = {"inferred": -1, "open_data": 0, "file": 1, "article": 1, "user": 2}


def _outranks(new: Source, current: Source) -> bool:
    """A source may overwrite a field stated by itself or by a source of lower or equal rank
    (a member's edit over a spreadsheet over a registry), so re-running a registry import never
    undoes a curated value. Two registries (open data) do not overwrite each other: on an actor
    linked across registries (`resolve.links`) the first one's value stays, so re-importing
    either changes nothing."""
    new_rank, current_rank = SOURCE_RANK.get(new.kind, 1), SOURCE_RANK.get(current.kind, 1)
    if new.id == current.id or new_rank > current_rank:
        return True
    return new_rank == current_rank and new.kind != "open_data"


def wanted_names(record: ActorRecord, actor_name: str) -> list[tuple[str, str, str | None]]:
    """The (type, value, lang) rows kept from a record's names: stripped, not equal to the
    actor's name, one per (type, value) with the first language given."""
    wanted: dict[tuple[str, str], tuple[str, str, str | None]] = {}
    for type_, value, lang in record.names or []:
        if value and value.strip() and value.strip() != actor_name:
            wanted.setdefault((type_, value.strip()), (type_, value.strip(), lang))
    return list(wanted.values())


def _replace_names(session: Session, actor: Actor, record: ActorRecord, source: Source) -> bool:
    wanted = set(wanted_names(record, actor.name))
    current = {(n.type, n.value, n.lang): n for n in actor.names if n.source_id == source.id}
    others = {(n.type, n.value) for n in actor.names if n.source_id != source.id}
    changed = False
    for key, row in current.items():
        if key not in wanted:
            actor.names.remove(row)
            changed = True
    for key in wanted - set(current):
        if (key[0], key[1]) in others:
            continue
        actor.names.append(ActorName(type=key[0], value=key[1], value_key=fold(key[1]), lang=key[2], source_id=source.id))
        changed = True
    return changed


def _add_identifiers(session: Session, actor: Actor, record: ActorRecord, source: Source) -> bool:
    have = {(i.scheme, i.value) for i in actor.identifiers}
    changed = False
    for scheme, values in record.identifiers.items():
        for value in values:
            if (scheme, value) not in have:
                actor.identifiers.append(Identifier(scheme=scheme, value=value, source_id=source.id))
                have.add((scheme, value))
                changed = True
    return changed


def site_values(site: Site | SiteRecord) -> dict[str, object]:
    """The stored values of a site's fields, its precision resolved (`records.site_precision`)."""
    values = {f: getattr(site, f) for f in SITE_FIELDS}
    values["precision"] = site_precision(site)
    return values


def site_key(site: Site | SiteRecord) -> tuple:
    return tuple(site_values(site).values())


def superseded_keys(session: Session, *, actor_ids: list[int], source_id: int) -> dict[int, set[tuple]]:
    """{actor id: keys of the site statements of this source that a correction replaced or removed}."""
    out: dict[int, set[tuple]] = {}
    rows = session.execute(select(SiteSupersession.actor_id, SiteSupersession.site).where(
        SiteSupersession.actor_id.in_(actor_ids), SiteSupersession.source_id == source_id))
    for actor_id, site in rows:
        out.setdefault(actor_id, set()).add(site_key(SiteRecord(**json.loads(site))))
    return out


def corrected_actors(session: Session, *, source_id: int) -> set[int]:
    """The actors with a statement of this source superseded by a correction: read once per
    transaction (an import upserts thousands of actors, a handful have corrections);
    `site_corrections` forgets it when it supersedes a site."""
    transaction = session.get_transaction()
    held = session.info.get("corrected_actors")
    if held is None or held[0] is not transaction:
        held = (transaction, {})
        session.info["corrected_actors"] = held
    if source_id not in held[1]:
        held[1][source_id] = set(session.scalars(
            select(SiteSupersession.actor_id).where(SiteSupersession.source_id == source_id).distinct()))
    return held[1][source_id]


def _replace_sites(session: Session, actor: Actor, sites: list[SiteRecord], source: Source) -> bool:
    current = [s for s in actor.sites if s.source_id == source.id]
    others = {site_key(s) for s in actor.sites if s.source_id != source.id}
    if actor.id is not None and actor.id in corrected_actors(session, source_id=source.id):
        # a statement a correction superseded stays superseded (site_corrections)
        others |= superseded_keys(session, actor_ids=[actor.id], source_id=source.id).get(actor.id, set())
    sites = [s for s in sites if site_key(s) not in others]  # another source already states it
    if sorted(map(site_key, current), key=repr) == sorted(map(site_key, sites), key=repr):
        return False
    for row in current:
        actor.sites.remove(row)
    for rec in sites:
        actor.sites.append(Site(source_id=source.id, **site_values(rec)))
    return True


def _replace_capabilities(session: Session, actor: Actor, facet: str, codes: list[str], source: Source) -> bool:
    wanted = set(codes)
    changed = False
    for row in actor.capabilities:  # a stated capability takes over an inferred one
        if (row.facet == facet and row.code in wanted and row.source_id != source.id
                and row.source.kind == "inferred" and source.kind != "inferred"):
            row.source, row.source_id = source, source.id
            changed = True
    current = {c.code: c for c in actor.capabilities if c.facet == facet and c.source_id == source.id}
    others = {c.code for c in actor.capabilities if c.facet == facet and c.source_id != source.id}
    for code, row in current.items():
        if code not in wanted:
            actor.capabilities.remove(row)
            changed = True
    for code in sorted(wanted - set(current) - others):
        actor.capabilities.append(Capability(facet=facet, code=code, source_id=source.id))
        changed = True
    return changed


def replace_relations(session: Session, actor: Actor, relations: list[tuple[str, int]], source: Source) -> bool:
    """Set what this source says about an actor's links (member of, part of…); True if it changed."""
    current = {(r.relation, r.target_id): r for r in actor.relations if r.source_id == source.id}
    others = {(r.relation, r.target_id) for r in actor.relations if r.source_id != source.id}
    wanted = {(rel, target) for rel, target in relations if target != actor.id}
    changed = False
    for key, row in current.items():
        if key not in wanted:
            actor.relations.remove(row)
            changed = True
    for rel, target in sorted(wanted - set(current) - others):
        actor.relations.append(Relation(relation=rel, target_id=target, source_id=source.id))
        changed = True
    return changed

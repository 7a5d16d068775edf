"""The actor detail (page and `GET /api/v1/actors/{id}`) read set-based: plain rows, no ORM objects.

`plain_actor` reads one actor and each collection of its facts with one prebuilt statement per
collection (the fact's source joined in), so the number of statements does not depend on how many
names, sites or links the actor has, and no statement's cache key is rebuilt per request. The
result is an `export_rows.Plain` shaped like the ORM actor (`sites[i].source.title`,
`relations[i].target.name`...): `serialize.actor_to_dict` reads it exactly as it reads an `Actor`.
`inbound_of` gives the links pointing at an actor as a count and the first rows the page shows
(a cluster may have thousands of members; the page lists 200).
Issue 19: the ORM read of the detail (9 statements, ~600 ORM objects for a cluster's page) was most
of a cache miss's time.
"""

from __future__ import annotations

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, aliased

from bioatlas.atlas.export_rows import Plain
from bioatlas.atlas.models import Actor, ActorName, Capability, FieldSource, Identifier, Relation, Site, Source

INBOUND_SHOWN = 200  # links pointing at an actor listed on its page (the rest as a count)

_ACTOR_COLS = list(Actor.__table__.columns)
_SOURCE_COLS = (Source.id, Source.title, Source.kind, Source.url, Source.licence, Source.published)
_SOURCE_KEYS = ("id", "title", "kind", "url", "licence", "published")
_ID = bindparam("actor_id")
_target = aliased(Actor)


def _facts(model, *cols):
    """One collection of an actor's facts with each fact's source, in insertion order."""
    return (select(*cols, *_SOURCE_COLS).join(Source, Source.id == model.source_id)
            .where(model.actor_id == _ID))


_SITE_COLS = (Site.id, Site.role, Site.address, Site.postcode, Site.commune_insee, Site.commune_name,
              Site.departement, Site.region, Site.country, Site.latitude, Site.longitude, Site.precision,
              Site.source_id)
# (attribute, statement, field names of the fact's own columns); built once: their cache keys too
_COLLECTIONS = (
    ("names", _facts(ActorName, ActorName.type, ActorName.value, ActorName.lang, ActorName.source_id)
     .order_by(ActorName.id), ("type", "value", "lang", "source_id")),
    ("identifiers", _facts(Identifier, Identifier.scheme, Identifier.value, Identifier.source_id)
     .order_by(Identifier.id), ("scheme", "value", "source_id")),
    ("sites", _facts(Site, *_SITE_COLS).order_by(Site.id), tuple(c.key for c in _SITE_COLS)),
    ("capabilities", _facts(Capability, Capability.facet, Capability.code, Capability.source_id)
     .order_by(Capability.id), ("facet", "code", "source_id")),
    ("relations", _facts(Relation, Relation.relation, Relation.target_id, _target.name, Relation.source_id)
     .outerjoin(_target, _target.id == Relation.target_id).order_by(Relation.id),
     ("relation", "target_id", "target_name", "source_id")),
    ("field_sources", _facts(FieldSource, FieldSource.field, FieldSource.recorded_at, FieldSource.source_id)
     .order_by(FieldSource.field), ("field", "recorded_at", "source_id")),
)
_ACTOR = select(*_ACTOR_COLS).where(Actor.id == _ID)
_INBOUND_COUNT = select(func.count()).select_from(Relation).where(Relation.target_id == _ID)
_INBOUND = (select(Relation.actor_id, Actor.name).join(Actor, Actor.id == Relation.actor_id)
            .where(Relation.target_id == _ID).order_by(Relation.id).limit(bindparam("shown")))


def plain_actor(session: Session, *, actor_id: int) -> Plain | None:
    """An actor with every fact and each fact's source, as plain rows (None when there is none)."""
    conn = session.connection()
    params = {"actor_id": actor_id}
    row = conn.execute(_ACTOR, params).first()
    if row is None:
        return None
    actor = Plain(**{c.key: v for c, v in zip(_ACTOR_COLS, row)})
    sources: dict[int, Plain] = {}
    n_src = len(_SOURCE_KEYS)
    for attr, stmt, fields in _COLLECTIONS:
        items = []
        for r in conn.execute(stmt, params):
            values = dict(zip(fields, r[:-n_src]))
            src = r[-n_src:]
            source = sources.get(src[0])
            if source is None:
                source = sources[src[0]] = Plain(**dict(zip(_SOURCE_KEYS, src)))
            values["source"] = source
            items.append(Plain(**values))
        setattr(actor, attr, items)
    for rel in actor.relations:
        rel.target = Plain(id=rel.target_id, name=rel.target_name) if rel.target_name is not None else None
    return actor


def inbound_of(session: Session, *, actor_id: int, shown: int = INBOUND_SHOWN) -> tuple[int, list[dict]]:
    """Links pointing at an actor (its members, its units): how many, and the first `shown` as
    {actor_id, name} in the order they were recorded."""
    conn = session.connection()
    total = conn.execute(_INBOUND_COUNT, {"actor_id": actor_id}).scalar_one()
    if not total:
        return 0, []
    rows = conn.execute(_INBOUND, {"actor_id": actor_id, "shown": shown})
    return total, [{"actor_id": a, "name": name} for a, name in rows]


_EXISTS = select(Actor.id).where(Actor.id == _ID)
_REGIONS = select(Site.region).where(Site.actor_id == _ID, Site.region.isnot(None)).distinct()
_CLUSTERS = (select(Relation.target_id).join(_target, _target.id == Relation.target_id)
             .where(Relation.actor_id == _ID, _target.kind == "cluster").distinct())


def where_it_stands(session: Session, *, actor_id: int) -> tuple[frozenset[str], frozenset[int]] | None:
    """The regions of an actor's sites and the clusters it is linked to (None: no such actor), for
    the authorisation rules every actor page asks (three small statements, pending changes flushed
    first, instead of loading the actor, its sites and each link's target)."""
    params = {"actor_id": actor_id}
    if session.execute(_EXISTS, params).first() is None:
        return None
    regions = frozenset(r for (r,) in session.execute(_REGIONS, params) if r)
    return regions, frozenset(t for (t,) in session.execute(_CLUSTERS, params))

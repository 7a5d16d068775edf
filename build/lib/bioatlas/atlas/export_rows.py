"""Set-based reading of a view's actors for the exports: plain SQL rows, no ORM objects.

`iter_plain_actors` reads the ids of the view in name order once, then per batch one SELECT per
fact table (names, identifiers, sites, capabilities, relations with their target's name, field
sources) and groups the rows by actor in Python. Each actor is handed out as a `Plain` object
with the attribute names of the `Actor` model (`names`, `sites`, `relations[i].target.name`,
`row.source.title`...), so `exporter.actor_row` and `serialize.actor_to_dict` read it exactly as
they read an ORM actor: one code path for the API, the page and the exports, without the ORM's
identity map, lazy loaders and per-object bookkeeping (issue 19: a demo CSV took 5 s).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from bioatlas.atlas.filters import ActorFilter, conditions
from bioatlas.atlas.models import Actor, ActorName, Capability, FieldSource, Identifier, Relation, Site, Source
from bioatlas.atlas.taxonomy import Taxonomy

BATCH = 5000  # ids per IN (...) list: under the bound-parameter limits (SQLite 32,766, PostgreSQL 65,535)

_ACTOR_COLS = [c for c in Actor.__table__.columns]
_SITE_COLS = [
    Site.actor_id, Site.id, Site.role, Site.address, Site.postcode, Site.commune_insee, Site.commune_name,
    Site.departement, Site.region, Site.country, Site.latitude, Site.longitude, Site.precision, Site.source_id,
]


class Plain:
    """Attribute bag shaped like an ORM row (only what the exports read)."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


def view_ids(session: Session, *, f: ActorFilter, taxonomies: dict[str, Taxonomy]) -> list[int]:
    """The ids of the view's actors in name order (the order of every export)."""
    return list(session.scalars(
        select(Actor.id).where(*conditions(f, taxonomies)).order_by(func.lower(Actor.name), Actor.id)
    ))


def _grouped(conn, stmt, sources: dict[int, Plain], fields: list[str]) -> dict[int, list[Plain]]:
    """Rows of `stmt` (actor_id first, source_id last) grouped by actor as `Plain` objects."""
    out: dict[int, list[Plain]] = defaultdict(list)
    new = Plain.__new__
    for row in conn.execute(stmt).all():
        item = new(Plain)
        item.__dict__ = values = dict(zip(fields, row[1:]))
        values["source"] = sources[values["source_id"]]
        out[row[0]].append(item)
    return out


def _all_sources(conn) -> dict[int, Plain]:
    """Every source (a few per file, connector and contributing user: small beside the facts)."""
    cols = (Source.id, Source.title, Source.kind, Source.url, Source.licence, Source.published)
    return {row[0]: Plain(id=row[0], title=row[1], kind=row[2], url=row[3], licence=row[4], published=row[5])
            for row in conn.execute(select(*cols))}


def iter_plain_actors(
    session: Session, *, f: ActorFilter, taxonomies: dict[str, Taxonomy], batch: int = BATCH
) -> Iterator[Plain]:
    """Every actor of the view with its facts as plain rows, in name order."""
    ids = view_ids(session, f=f, taxonomies=taxonomies)
    conn = session.connection()  # Core rows: no ORM loading context per statement
    sources = _all_sources(conn)
    target = aliased(Actor)
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        actors = {row[0]: row for row in conn.execute(select(*_ACTOR_COLS).where(Actor.id.in_(chunk)))}
        names = _grouped(conn, select(ActorName.actor_id, ActorName.type, ActorName.value, ActorName.lang,
                                         ActorName.source_id).where(ActorName.actor_id.in_(chunk)),
                         sources, ["type", "value", "lang", "source_id"])
        identifiers = _grouped(conn, select(Identifier.actor_id, Identifier.scheme, Identifier.value,
                                               Identifier.source_id).where(Identifier.actor_id.in_(chunk)),
                               sources, ["scheme", "value", "source_id"])
        sites = _grouped(conn, select(*_SITE_COLS).where(Site.actor_id.in_(chunk)),
                         sources, [c.key for c in _SITE_COLS[1:]])
        capabilities = _grouped(conn, select(Capability.actor_id, Capability.facet, Capability.code,
                                                Capability.source_id).where(Capability.actor_id.in_(chunk)),
                                sources, ["facet", "code", "source_id"])
        relations = _grouped(conn, select(Relation.actor_id, Relation.relation, Relation.target_id, target.name,
                                             Relation.source_id)
                             .join(target, target.id == Relation.target_id).where(Relation.actor_id.in_(chunk)),
                             sources, ["relation", "target_id", "target_name", "source_id"])
        for rel_list in relations.values():
            for rel in rel_list:
                rel.target = Plain(id=rel.target_id, name=rel.target_name)
        field_sources = _grouped(conn, select(FieldSource.actor_id, FieldSource.field, FieldSource.recorded_at,
                                                 FieldSource.source_id).where(FieldSource.actor_id.in_(chunk)),
                                 sources, ["field", "recorded_at", "source_id"])
        for actor_id in chunk:
            row = actors.get(actor_id)
            if row is None:  # deleted since the ids were read
                continue
            actor = Plain(**{c.key: v for c, v in zip(_ACTOR_COLS, row)})
            actor.names = names.get(actor_id, [])
            actor.identifiers = identifiers.get(actor_id, [])
            actor.sites = sites.get(actor_id, [])
            actor.capabilities = capabilities.get(actor_id, [])
            actor.relations = relations.get(actor_id, [])
            actor.field_sources = field_sources.get(actor_id, [])
            yield actor


# -- the spreadsheet rows (CSV, XLSX): tuples straight from the driver --------------------------
# The columns are plain text and numbers (no type conversion needed), so the rows are fetched on
# the driver's cursor: no SQLAlchemy Row per fact. `{ids}` becomes the batch's placeholders.
_SHEET_SQL = {
    "actors": "SELECT id, name, kind, status, scale_litres, gmp, naf_code, headcount_band, headcount_year, "
              "description_fr, description_en FROM actors WHERE id IN ({ids})",
    "names": "SELECT actor_id, type, value, source_id FROM actor_names WHERE actor_id IN ({ids})",
    "identifiers": "SELECT actor_id, scheme, value, source_id FROM actor_identifiers WHERE actor_id IN ({ids})",
    "sites": "SELECT actor_id, id, role, address, postcode, commune_name, commune_insee, latitude, longitude, "
             "precision, source_id FROM sites WHERE actor_id IN ({ids})",
    "capabilities": "SELECT actor_id, facet, code, source_id FROM actor_capabilities WHERE actor_id IN ({ids})",
    "relations": "SELECT r.actor_id, r.relation, t.name, r.source_id FROM actor_relations r "
                 "JOIN actors t ON t.id = r.target_id WHERE r.actor_id IN ({ids})",
    "provenance": "SELECT actor_id, source_id FROM actor_field_sources WHERE actor_id IN ({ids})",
}


class SheetFacts:
    """What one spreadsheet row of an actor needs, as plain tuples (see `exporter.actor_row`):
    `actor` (id, name, kind, status, scale_litres, gmp, naf_code, headcount_band, headcount_year,
    description_fr, description_en), `names` [(type, value, source)], `identifiers` [(scheme,
    value, source)], `site` (the head office, else the first site: (id, role, address, postcode,
    commune, insee, latitude, longitude, precision, source) or None), `capabilities` [(facet, code,
    source)], `members` (names of the clusters it is a member of), `sources` (titles of every
    source its facts cite, oldest first)."""

    __slots__ = ("actor", "names", "identifiers", "site", "capabilities", "members", "sources")

    def __init__(self, actor, names, identifiers, site, capabilities, members, sources) -> None:
        self.actor, self.names, self.identifiers, self.site = actor, names, identifiers, site
        self.capabilities, self.members, self.sources = capabilities, members, sources


def _by_actor(cursor, sql: str, chunk: list[int], mark: str) -> dict[int, list]:
    """(actor_id, a, b, …) rows of the batch -> actor_id -> [(a, b, …)]."""
    cursor.execute(sql.format(ids=",".join([mark] * len(chunk))), chunk)
    out: dict[int, list] = defaultdict(list)
    for row in cursor.fetchall():
        out[row[0]].append(row[1:])
    return out


def iter_sheet_facts(
    session: Session, *, f: ActorFilter, taxonomies: dict[str, Taxonomy], batch: int = BATCH
) -> Iterator[SheetFacts]:
    """Every actor of the view, in name order, with the facts of its spreadsheet row."""
    ids = view_ids(session, f=f, taxonomies=taxonomies)
    conn = session.connection()
    titles = {row[0]: row[1] for row in conn.execute(select(Source.id, Source.title)).all()}
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    cursor = conn.connection.cursor()
    try:
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            got = {name: _by_actor(cursor, sql, chunk, mark) for name, sql in _SHEET_SQL.items()}
            actors, names, identifiers = got["actors"], got["names"], got["identifiers"]
            sites, capabilities, relations, provenance = got["sites"], got["capabilities"], got["relations"], got["provenance"]
            for actor_id in chunk:
                found = actors.get(actor_id)
                if not found:  # deleted since the ids were read
                    continue
                its_sites = sites.get(actor_id, ())
                its_relations = relations.get(actor_id, ())
                cited = {r[-1] for group in (names.get(actor_id, ()), identifiers.get(actor_id, ()), its_sites,
                                             capabilities.get(actor_id, ()), its_relations, provenance.get(actor_id, ()))
                         for r in group}
                yield SheetFacts(
                    (actor_id, *found[0]),
                    names.get(actor_id, ()),
                    identifiers.get(actor_id, ()),
                    min(its_sites, key=lambda s: (s[1] != "hq", s[0] or 0)) if its_sites else None,
                    capabilities.get(actor_id, ()),
                    [r[1] for r in its_relations if r[0] == "member_of"],
                    [titles[s] for s in sorted(cited)],
                )
    finally:
        cursor.close()

"""Set-based loading of many records from one registry source (tens of thousands of SIRENE
establishments), with the same result as `writer.upsert_actor(..., match_by_name=False,
schemes=(scheme,))` called record by record, at a fraction of the cost.

Each batch of records costs a handful of queries:
- one query finds which `scheme` identifiers (e.g. SIRET) already belong to an actor;
- the new actors are inserted with Core executemany (their ids come back with RETURNING, which
  SQLite >= 3.35 and PostgreSQL both support), then their names, identifiers, sites,
  capabilities, relations, field provenance and one `actor_changes` row "created" holding the
  same JSON snapshot `history.record_changes` would write;
- for the actors that exist, what *this source* stated before is read back (one query per table)
  and compared with what the record states now. When they agree the writer would change nothing,
  so the actor is counted unchanged without touching it; otherwise the record goes through
  `writer.upsert_actor`, which applies the change and records it in the history.

Re-running the same file is therefore one comparison per actor and no write at all.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from itertools import islice

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bioatlas.atlas import changelog
from bioatlas.atlas.history import build_snapshot
from bioatlas.atlas.models import Actor, ActorChange, ActorName, Capability, FieldSource, Identifier, Relation, Site, Source
from bioatlas.atlas.records import ActorRecord
from bioatlas.atlas.writer import (
    SCALAR_FIELDS,
    SITE_FIELDS,
    MatchError,
    site_key,
    site_values,
    superseded_keys,
    upsert_actor,
    wanted_names,
)
from bioatlas.core.dialect import dialect_for
from bioatlas.core.text import fold

BATCH_SIZE = 5000

_ACTORS = Actor.__table__
_NAMES = ActorName.__table__
_IDENTIFIERS = Identifier.__table__
_SITES = Site.__table__
_CAPABILITIES = Capability.__table__
_RELATIONS = Relation.__table__
_FIELD_SOURCES = FieldSource.__table__
_CHANGES = ActorChange.__table__


def bulk_upsert(
    session: Session,
    records: Iterable[ActorRecord],
    *,
    source: Source,
    scheme: str,
    batch_size: int = BATCH_SIZE,
    supersedes: Iterable[int] = (),
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Create or update the actors the records describe, matched on their `scheme` identifier
    only (each record must carry exactly one value of it and no actor id).

    `supersedes`: ids of earlier editions of the same source (last month's file). What they
    stated about an actor this run describes is handed over to `source` first, so that the new
    edition replaces it (a moved establishment keeps one site) instead of adding to it; the
    actors the new edition does not describe keep their earlier provenance.

    Returns {"created": n, "updated": n, "unchanged": n}. Raises MatchError when an identifier
    is held by several actors, ValueError for a record without its identifier. Nothing is
    committed: the caller owns the transaction."""
    if source.id is None:
        session.flush()
    earlier = sorted({int(i) for i in supersedes} - {source.id})
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for batch in _chunks(records, batch_size):
        _load_batch(session, batch, source, scheme, counts, earlier)
        if progress is not None:
            progress(len(batch))
    return counts


def _chunks(records: Iterable[ActorRecord], size: int) -> Iterator[list[ActorRecord]]:
    it = iter(records)
    while batch := list(islice(it, size)):
        yield batch


def _key(record: ActorRecord, scheme: str) -> str:
    values = record.identifiers.get(scheme) or []
    if record.actor_id is not None or len(values) != 1:
        raise ValueError(
            f"bulk_upsert needs records with exactly one {scheme!r} identifier and no actor id "
            f"(record {record.name!r} has {values!r})"
        )
    return values[0]


def _load_batch(
    session: Session, batch: list[ActorRecord], source: Source, scheme: str, counts: dict[str, int], earlier: list[int]
) -> None:
    first: dict[str, ActorRecord] = {}
    repeated: list[ActorRecord] = []  # the same identifier again in this batch: after the first one
    for record in batch:
        key = _key(record, scheme)
        if key in first:
            repeated.append(record)
        else:
            first[key] = record
    existing = _existing_actors(session, scheme, list(first))
    new = [record for key, record in first.items() if key not in existing]
    old = [(existing[key], record) for key, record in first.items() if key in existing]
    if new:
        _insert_new(session, new, source)
        counts["created"] += len(new)
    if earlier and old:
        _hand_over(session, [actor_id for actor_id, _ in old], earlier, source.id)
    to_writer = _changed(session, old, source) + repeated
    counts["unchanged"] += len(old) - (len(to_writer) - len(repeated))
    for record in to_writer:
        outcome = upsert_actor(session, record, source=source, match_by_name=False, schemes=(scheme,))
        counts[outcome.status] += 1


_FACT_TABLES = (_NAMES, _IDENTIFIERS, _SITES, _CAPABILITIES, _RELATIONS, _FIELD_SOURCES)


def _hand_over(session: Session, actor_ids: list[int], earlier: list[int], source_id: int) -> None:
    """Re-point these actors' facts stated by earlier editions to the current one."""
    sources = ", ".join(map(str, earlier))
    for table in _FACT_TABLES:
        session.execute(
            table.update()
            .where(_ids_in(table.c.actor_id, actor_ids), text(f"{table.name}.source_id IN ({sources})"))
            .values(source_id=source_id)
        )
    session.expire_all()  # ORM objects loaded earlier in this session may hold the old source


def _existing_actors(session: Session, scheme: str, values: list[str]) -> dict[str, int]:
    found: dict[str, set[int]] = defaultdict(set)
    if values:
        rows = session.execute(
            select(_IDENTIFIERS.c.value, _IDENTIFIERS.c.actor_id).where(
                _IDENTIFIERS.c.scheme == scheme, _IDENTIFIERS.c.value.in_(values)
            )
        )
        for value, actor_id in rows:
            found[value].add(actor_id)
    result = {}
    for value, ids in found.items():
        if len(ids) > 1:
            raise MatchError(scheme, "{scheme} {value} is held by several actors ({ids})",
                             params={"scheme": scheme, "value": value, "ids": ", ".join(map(str, sorted(ids)))})
        result[value] = next(iter(ids))
    return result


# -- new actors -------------------------------------------------------------------------------


def _identifier_pairs(record: ActorRecord) -> list[tuple[str, str]]:
    pairs: dict[tuple[str, str], None] = {}
    for scheme, values in record.identifiers.items():
        for value in values:
            pairs.setdefault((scheme, value), None)
    return list(pairs)


def creation_snapshot(record: ActorRecord, actor_id: int) -> dict[str, object]:
    """What `history.snapshot` gives for the actor the writer creates from this record."""
    scalars = {f: getattr(record, f) for f in SCALAR_FIELDS}
    scalars.update(kind=record.kind or "other", status=record.status or "active")
    return build_snapshot(
        scalars,
        ((t, v) for t, v, _ in wanted_names(record, record.name)) if record.names is not None else (),
        _identifier_pairs(record),
        record.sites or [],
        ((f, c) for f, codes in record.capabilities.items() for c in codes),
        _wanted_relations(record, actor_id),
    )


def _wanted_relations(record: ActorRecord, actor_id: int) -> set[tuple[str, int]]:
    return {(rel, target) for rel, target in (record.relations or []) if target != actor_id}


def _insert_new(session: Session, records: list[ActorRecord], source: Source) -> None:
    now = datetime.now(timezone.utc)
    actor_rows = [
        {
            "name": r.name,
            "name_key": fold(r.name),
            "kind": r.kind or "other",
            "status": r.status or "active",
            "description_fr": r.description_fr,
            "description_en": r.description_en,
            "scale_litres": r.scale_litres,
            "gmp": r.gmp,
            "naf_code": r.naf_code,
            "headcount_band": r.headcount_band,
            "headcount_year": r.headcount_year,
            "created_at": now,
            "updated_at": now,
        }
        for r in records
    ]
    # PostgreSQL draws them from the sequence; SQLite after the largest id (see Dialect.allocate_ids)
    ids = dialect_for(session).allocate_ids(session, table=_ACTORS, n=len(actor_rows))
    for actor_id, row in zip(ids, actor_rows, strict=True):
        row["id"] = actor_id
    _insert_many(session, _ACTORS, actor_rows)
    session.info.setdefault("bulk_actor_ids", set()).update(ids)  # search index: reindexed before commit
    changelog.note(session, ids)
    sid = source.id
    provenance, names, identifiers, sites, capabilities, relations, changes = [], [], [], [], [], [], []
    for actor_id, r in zip(ids, records, strict=True):
        for attr in SCALAR_FIELDS:
            if getattr(r, attr) is not None:
                provenance.append({"actor_id": actor_id, "field": attr, "source_id": sid, "recorded_at": now})
        if r.names is not None:
            for type_, value, lang in wanted_names(r, r.name):
                names.append({"actor_id": actor_id, "type": type_, "value": value, "value_key": fold(value),
                              "lang": lang, "source_id": sid})
        for scheme, value in _identifier_pairs(r):
            identifiers.append({"actor_id": actor_id, "scheme": scheme, "value": value, "source_id": sid})
        for site in r.sites or []:
            sites.append({"actor_id": actor_id, "source_id": sid, **site_values(site)})
        for facet, codes in r.capabilities.items():
            for code in sorted(set(codes)):
                capabilities.append({"actor_id": actor_id, "facet": facet, "code": code, "source_id": sid})
        for rel, target in sorted(_wanted_relations(r, actor_id)):
            relations.append({"actor_id": actor_id, "relation": rel, "target_id": target, "source_id": sid})
        changes.append({
            "actor_id": actor_id, "source_id": sid, "at": now, "action": "created", "field": "*", "old_value": None,
            "new_value": json.dumps(creation_snapshot(r, actor_id), ensure_ascii=False, default=str),
        })
    for table, rows in (
        (_FIELD_SOURCES, provenance), (_NAMES, names), (_IDENTIFIERS, identifiers), (_SITES, sites),
        (_CAPABILITIES, capabilities), (_RELATIONS, relations), (_CHANGES, changes),
    ):
        _insert_many(session, table, rows)


def _insert_many(session: Session, table, rows: list[dict]) -> None:
    """INSERT the rows (dicts with the same keys), the backend's fastest way (`Dialect.insert_rows`)."""
    if rows:
        dialect_for(session).insert_rows(session.connection(), table=table, rows=rows)


# -- existing actors: did this source's statement change? --------------------------------------


class _Stated:
    """What the atlas holds for one actor, split into this source's statements and the others'."""

    __slots__ = ("values", "provenance", "names", "identifiers", "sites", "other_sites", "superseded", "capabilities",
                 "relations")

    def __init__(self) -> None:
        self.values: dict[str, object] = {}
        self.provenance: dict[str, int] = {}  # field -> source id
        self.names: set[tuple[str, str, str | None]] = set()
        self.identifiers: set[tuple[str, str]] = set()
        self.sites: list[tuple] = []
        self.other_sites: set[tuple] = set()
        self.superseded: set[tuple] = set()  # this source's statements a correction replaced
        self.capabilities: dict[str, set[str]] = defaultdict(set)
        self.relations: set[tuple[str, int]] = set()


def _changed(session: Session, pairs: list[tuple[int, ActorRecord]], source: Source) -> list[ActorRecord]:
    """The records whose statement differs from what this source said before (the writer's
    "unchanged" decision, made for a whole batch with one query per table)."""
    if not pairs:
        return []
    ids = [actor_id for actor_id, _ in pairs]
    sid = source.id
    stated: dict[int, _Stated] = {actor_id: _Stated() for actor_id in ids}
    cols = [_ACTORS.c.id, *(_ACTORS.c[f] for f in SCALAR_FIELDS)]
    for row in session.execute(select(*cols).where(_ids_in(_ACTORS.c.id, ids))).all():
        stated[row[0]].values = dict(zip(SCALAR_FIELDS, row[1:]))
    fs = _FIELD_SOURCES.c
    for actor_id, name, source_id in session.execute(select(fs.actor_id, fs.field, fs.source_id).where(_ids_in(fs.actor_id, ids))).all():
        stated[actor_id].provenance[name] = source_id
    n = _NAMES.c
    for actor_id, type_, value, lang in session.execute(
        select(n.actor_id, n.type, n.value, n.lang).where(_ids_in(n.actor_id, ids), n.source_id == sid)
    ).all():
        stated[actor_id].names.add((type_, value, lang))
    i = _IDENTIFIERS.c
    for actor_id, scheme, value in session.execute(select(i.actor_id, i.scheme, i.value).where(_ids_in(i.actor_id, ids))).all():
        stated[actor_id].identifiers.add((scheme, value))
    if any(r.sites is not None for _, r in pairs):
        s = _SITES.c
        for row in session.execute(select(s.actor_id, s.source_id, *(s[f] for f in SITE_FIELDS)).where(_ids_in(s.actor_id, ids))).all():
            target = stated[row[0]]
            if row[1] == sid:
                target.sites.append(tuple(row[2:]))
            else:
                target.other_sites.add(tuple(row[2:]))
        for actor_id, keys in superseded_keys(session, actor_ids=ids, source_id=sid).items():
            stated[actor_id].superseded = keys
    if any(r.capabilities for _, r in pairs):
        c = _CAPABILITIES.c
        for actor_id, facet, code in session.execute(
            select(c.actor_id, c.facet, c.code).where(_ids_in(c.actor_id, ids), c.source_id == sid)
        ).all():
            stated[actor_id].capabilities[facet].add(code)
    if any(r.relations is not None for _, r in pairs):
        rl = _RELATIONS.c
        for actor_id, rel, target in session.execute(
            select(rl.actor_id, rl.relation, rl.target_id).where(_ids_in(rl.actor_id, ids), rl.source_id == sid)
        ).all():
            stated[actor_id].relations.add((rel, target))
    return [record for actor_id, record in pairs if not _same(actor_id, record, stated[actor_id], sid)]


def _ids_in(column, ids: list[int]):
    """`column IN (1, 2, …)` with the ids written out: they are integers read from the database,
    and thousands of bound parameters cost more to process than the query itself."""
    return text(f"{column.table.name}.{column.name} IN ({', '.join(str(int(i)) for i in ids)})")


def _same(actor_id: int, record: ActorRecord, held: _Stated, sid: int) -> bool:
    """True when upserting the record would change nothing: every fact the record states is
    already held, and held by this source where the writer replaces per source."""
    for attr in SCALAR_FIELDS:
        value = getattr(record, attr)
        if value is not None and (held.provenance.get(attr) != sid or held.values.get(attr) != value):
            return False
    if record.names is not None and set(wanted_names(record, held.values.get("name"))) != held.names:
        return False
    if any(pair not in held.identifiers for pair in _identifier_pairs(record)):
        return False
    if record.sites is not None:
        keys = [k for k in map(site_key, record.sites) if k not in held.superseded]
        if any(k in held.other_sites for k in keys) or sorted(keys, key=repr) != sorted(held.sites, key=repr):
            return False
    for facet, codes in record.capabilities.items():
        if set(codes) != held.capabilities.get(facet, set()):
            return False
    if record.relations is not None and _wanted_relations(record, actor_id) != held.relations:
        return False
    return True

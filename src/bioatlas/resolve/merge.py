"""Reversible merge of two actors.

Every row of every table that points at the merged actor (names, identifiers, sites,
capabilities, relations, field provenance, history, products, roadmaps, other features' tables:
found through the foreign keys of the metadata, so a new feature's table is covered without
code here) is re-pointed to the kept actor, or deleted when the kept actor already has the same
row (a unique key would clash) or when it would link the kept actor to itself. Each such row is
stored as it was in `ActorMerge.rows`, with the actor row itself; `unmerge` puts them back.
Facts keep their `source_id`: provenance survives the merge and the undo. Both actors' history
records the merge and the undo.
"""

from __future__ import annotations

import base64
import json
from datetime import date, datetime, timezone

from sqlalchemy import Date, DateTime, and_, delete, insert, select, update
from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts

# reads atlas tables: a merge moves every row that references an actor, found through the metadata
from bioatlas.atlas.models import Actor, ActorChange
from bioatlas.atlas.service import HISTORY_FIELDS, SourceRecord, get_or_create_source, note_changed
from bioatlas.core import migrate
from bioatlas.core.db import Base
from bioatlas.core.fields import FieldError
from bioatlas.resolve.models import ActorMerge, DuplicateCandidate

# the kept actor takes these from the merged one when it has none (name, kind and status stay its own)
FILLABLE = tuple(f for f in HISTORY_FIELDS if f not in ("name", "kind", "status"))
MERGE_SOURCE = SourceRecord(key="resolve", title="Organisation resolution: duplicate merges", kind="user")


class MergeError(ValueError):
    """A merge or undo that cannot be done; the message says why (English: the CLI, the API's
    `detail`). `refusal` says it to a reader (a FieldError: message id and params, its status),
    always given, so no answer of the resolver lacks `field` and `message`."""

    def __init__(self, message: str, *, refusal: FieldError) -> None:
        super().__init__(message)
        self.refusal = refusal


def _referencing() -> list[tuple]:
    migrate.import_all_models()
    actors = Actor.__table__
    out = []
    for table in Base.metadata.sorted_tables:
        if table is actors:
            continue
        for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
            if fk.column.table is actors:
                out.append((table, fk.parent))
    return out


def _plain(table, row: dict) -> dict:
    out = {}
    for k, v in row.items():
        if isinstance(v, (date, datetime)):
            v = v.isoformat()
        elif isinstance(v, (bytes, bytearray, memoryview)):
            v = {"base64": base64.b64encode(bytes(v)).decode("ascii")}  # e.g. another feature's vectors
        out[k] = v
    return out


def _typed(table, row: dict) -> dict:
    out = {}
    for k, v in row.items():
        col_type = table.c[k].type
        if isinstance(v, dict) and set(v) == {"base64"}:
            v = base64.b64decode(v["base64"])
        elif v is not None and isinstance(col_type, DateTime):
            v = datetime.fromisoformat(v)
        elif v is not None and isinstance(col_type, Date):
            v = date.fromisoformat(v)
        out[k] = v
    return out


def _where(table, values: dict):
    return and_(*(table.c[c.name] == values[c.name] for c in table.primary_key.columns))


def _clashes(session: Session, table, column, moved: dict) -> bool:
    """Would the re-pointed row duplicate a unique key (or the primary key) the kept actor holds?"""
    keys = [list(table.primary_key.columns)] + [
        list(c.columns) for c in table.constraints if c.__class__.__name__ == "UniqueConstraint"
    ]
    for cols in keys:
        if column in cols:
            cond = and_(*(c == moved[c.name] for c in cols))
            if session.execute(select(1).select_from(table).where(cond).limit(1)).first():
                return True
    return False


def merge_actors(session: Session, *, kept_id: int, merged_id: int, score: float | None = None,
                 method: str = "manual") -> ActorMerge:
    """Fold `merged_id` into `kept_id` in the caller's transaction; returns the merge record."""
    if kept_id == merged_id:
        raise MergeError(f"actor {kept_id} cannot be merged with itself",
                         refusal=FieldError("", "an actor cannot be merged with itself", 409))
    kept, merged = session.get(Actor, kept_id), session.get(Actor, merged_id)
    if kept is None or merged is None:
        missing = merged_id if kept is not None else kept_id
        raise MergeError(f"no actor with id {missing}", refusal=FieldError(
            "", "actor {actor} no longer exists", 409, params={"actor": missing}))
    actors = Actor.__table__
    actor_row = dict(session.execute(select(actors).where(actors.c.id == merged_id)).mappings().one())
    stored: list[dict] = [{"table": "actors", "action": "deleted", "row": _plain(actors, actor_row)}]
    for table, column in _referencing():
        others = [c for c in table.columns if c is not column and any(fk.column.table is actors for fk in c.foreign_keys)]
        for row in session.execute(select(table).where(column == merged_id)).mappings().all():
            row = dict(row)
            moved = {**row, column.name: kept_id}
            self_link = any(moved[c.name] == kept_id for c in others)
            action = "deleted" if self_link or _clashes(session, table, column, moved) else "moved"
            if action == "deleted":
                session.execute(delete(table).where(_where(table, row)))
            else:
                session.execute(update(table).where(_where(table, row)).values({column.name: kept_id}))
            stored.append({"table": table.name, "column": column.name, "action": action, "row": _plain(table, row)})
    filled = {f: actor_row[f] for f in FILLABLE if actor_row[f] is not None and getattr(kept, f) is None}
    if filled:  # the kept actor takes what only the merged one said (its provenance row moved with it)
        session.execute(update(actors).where(actors.c.id == kept_id).values(filled))
        stored.append({"table": "actors", "action": "filled", "row": {"id": kept_id, **filled}})
    session.execute(delete(actors).where(actors.c.id == merged_id))
    record = ActorMerge(kept_id=kept_id, merged_id=merged_id, merged_name=actor_row["name"], score=score,
                        method=method, status="active", rows=json.dumps(stored, ensure_ascii=False))
    session.add(record)
    session.flush()
    note_changed(session, actor_ids=(kept_id, merged_id))
    _history(session, kept_id, "merged", old=None, new={"merge": record.id, "actor": merged_id, "name": actor_row["name"]})
    accounts.record_audit(session, event="merge", target=f"actor:{kept_id}", detail={
        "merge": record.id, "merged_actor": merged_id, "merged_name": actor_row["name"], "method": method, "score": score})
    session.expire_all()
    return record


def unmerge(session: Session, *, merge_id: int) -> ActorMerge:
    """Undo a merge: the merged actor comes back with its id, facts, provenance and history."""
    record = session.get(ActorMerge, merge_id)
    if record is None:
        raise MergeError(f"no merge with id {merge_id}", refusal=FieldError("merge_id", "No merge with this number.", 404))
    if record.status != "active":
        raise MergeError(f"merge {merge_id} was already undone",
                         refusal=FieldError("merge_id", "this merge was already undone", 409))
    if session.get(Actor, record.merged_id) is not None:
        raise MergeError(f"actor {record.merged_id} exists again; merge {merge_id} cannot be undone", refusal=FieldError(
            "merge_id", "actor {actor} exists again: this merge cannot be undone", 409, params={"actor": record.merged_id}))
    tables = {t.name: t for t in Base.metadata.sorted_tables}
    stored = json.loads(record.rows)
    actors = Actor.__table__
    session.execute(insert(actors).values(_typed(actors, stored[0]["row"])))
    for item in stored[1:]:
        table = tables[item["table"]]
        row = _typed(table, item["row"])
        if item["action"] == "filled":
            session.execute(update(table).where(table.c.id == record.kept_id).values({f: None for f in row if f != "id"}))
            continue
        if item["action"] == "moved":
            now = {**row, item["column"]: record.kept_id}
            done = session.execute(update(table).where(_where(table, now)).values({item["column"]: record.merged_id}))
            if done.rowcount:
                continue
        _restore(session, table, row)
    pairs = DuplicateCandidate.__table__
    a, b = sorted((record.kept_id, record.merged_id))
    session.execute(update(pairs).where(pairs.c.actor_a_id == a, pairs.c.actor_b_id == b).values(status="rejected"))
    record.status = "undone"
    record.undone_at = datetime.now(timezone.utc)
    session.flush()
    note_changed(session, actor_ids=(record.kept_id, record.merged_id))
    info = {"merge": record.id, "actor": record.merged_id, "name": record.merged_name}
    _history(session, record.kept_id, "unmerged", old=info, new=None)
    _history(session, record.merged_id, "unmerged", old=None, new={**info, "from": record.kept_id})
    accounts.record_audit(session, event="unmerge", target=f"actor:{record.kept_id}", detail=info)
    session.expire_all()
    return record


def _restore(session: Session, table, row: dict) -> None:
    """Insert a stored row again; when its surrogate id was reused meanwhile, under a new id."""
    held = session.execute(select(table).where(_where(table, row))).mappings().first()
    if held is None:
        session.execute(insert(table).values(row))
        return
    pk = [c.name for c in table.primary_key.columns]
    if pk == ["id"] and {k: v for k, v in held.items() if k != "id"} != {k: v for k, v in row.items() if k != "id"}:
        session.execute(insert(table).values({k: v for k, v in row.items() if k != "id"}))


def _history(session: Session, actor_id: int, action: str, *, old, new) -> None:
    source = get_or_create_source(session, record=MERGE_SOURCE)
    session.add(ActorChange(
        actor_id=actor_id, source_id=source.id, at=datetime.now(timezone.utc), action=action, field="merged_actor",
        old_value=None if old is None else json.dumps(old, ensure_ascii=False),
        new_value=None if new is None else json.dumps(new, ensure_ascii=False),
    ))
    session.flush()

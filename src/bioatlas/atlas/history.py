"""The history of an actor: every change the writer makes is recorded as ActorChange rows
(field, old value, new value, source, time), so an update says what it changed and why."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from bioatlas.atlas.models import Actor, ActorChange, Source

SCALARS = ("name", "kind", "status", "description_fr", "description_en", "scale_litres", "gmp", "naf_code",
           "headcount_band", "headcount_year")


def build_snapshot(
    scalars: dict[str, object],
    names: Iterable[tuple[str, str]],
    identifiers: Iterable[tuple[str, str]],
    sites: Iterable,
    capabilities: Iterable[tuple[str, str]],
    relations: Iterable[tuple[str, int]],
) -> dict[str, object]:
    """The comparable form of an actor's facts, one key per field or collection; the writer
    (from an Actor) and the bulk loader (from a record) both build it here."""
    snap: dict[str, object] = {f: scalars.get(f) for f in SCALARS}
    snap["names"] = sorted(f"{t}:{v}" for t, v in names)
    snap["identifiers"] = sorted(f"{sch}:{v}" for sch, v in identifiers)
    snap["sites"] = sorted(site_line(s) for s in sites)
    for facet, code in sorted(set(capabilities)):
        snap.setdefault(f"capabilities.{facet}", []).append(code)
    snap["relations"] = sorted(f"{r}:{t}" for r, t in relations)
    return snap


def site_line(site) -> str:
    """How the history writes one site (a row or a record): role, address, postcode, INSEE code,
    coordinates, the empty ones left out."""
    values = (site.role, site.address, site.postcode, site.commune_insee, site.latitude, site.longitude)
    return " | ".join(str(v) for v in values if v is not None)


def snapshot(actor: Actor) -> dict[str, object]:
    """The actor's facts as plain comparable values."""
    return build_snapshot(
        {f: getattr(actor, f) for f in SCALARS},
        ((n.type, n.value) for n in actor.names),
        ((i.scheme, i.value) for i in actor.identifiers),
        actor.sites,
        ((c.facet, c.code) for c in actor.capabilities),
        ((r.relation, r.target_id) for r in actor.relations),
    )


def record_changes(
    session: Session, actor: Actor, before: dict | None, source: Source, at: datetime
) -> int:
    """Store what differs between `before` (None for a new actor) and the actor now; returns the count."""
    after = snapshot(actor)
    if before is None:
        session.add(ActorChange(actor_id=actor.id, source=source, at=at, action="created", field="*",
                                new_value=_dump(after)))
        return 1
    n = 0
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new and not (old in (None, []) and new in (None, [])):
            session.add(ActorChange(actor_id=actor.id, source=source, at=at, action="updated", field=key,
                                    old_value=_dump(old), new_value=_dump(new)))
            n += 1
    return n


# built once (its cache key too); every change shows its source: joined, one statement
_HISTORY = (select(ActorChange).where(ActorChange.actor_id == bindparam("actor_id")).order_by(ActorChange.id.desc())
            .limit(bindparam("limit")).options(joinedload(ActorChange.source)))


def history(session: Session, *, actor_id: int, limit: int = 200) -> list[ActorChange]:
    """Newest first."""
    return list(session.scalars(_HISTORY, {"actor_id": actor_id, "limit": limit}).unique())


def _dump(value: object) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)

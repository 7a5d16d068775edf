"""Putting back the value one history row replaced (scalar fields, capability facets, and sites
changed by a correction: `site_corrections.revert_sites`), as a new change under the given
source: the atlas's own facts are rewritten here, not by the caller."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bioatlas.atlas.history import SCALARS, record_changes, snapshot
from bioatlas.atlas.models import Actor, ActorChange, Capability, FieldSource, Source
from bioatlas.atlas.site_corrections import SiteCorrectionError, revert_sites
from bioatlas.atlas.taxonomy import CAPABILITY_FACETS
from bioatlas.core.fields import FieldError
from bioatlas.core.text import fold

REVERTIBLE = frozenset(SCALARS) | {f"capabilities.{f}" for f in CAPABILITY_FACETS} | {"sites"}


class RevertError(FieldError):
    """A change that cannot be put back: a FieldError answered 409 (`RevertError("", message id,
    params={...})`); str() is the English message alone."""

    def __init__(self, field: str, message: str, *, params: Mapping[str, Any] | None = None) -> None:
        super().__init__(field, message, 409, params=params)
        self.args = (self.message,)


def check_revertible(*, change: ActorChange) -> None:
    """RevertError unless the change is an update of a revertible field."""
    if change.action != "updated" or change.field not in REVERTIBLE:
        raise RevertError("", "change {id} cannot be reverted (only updates of {fields})",
                          params={"id": change.id, "fields": ", ".join(sorted(REVERTIBLE))})


def revert_change(session: Session, *, change: ActorChange, source: Source, at: datetime) -> tuple[Actor, int]:
    """(the actor, the number of fields changed) after putting back `change`'s old value."""
    check_revertible(change=change)
    if change.field == "sites":
        try:
            return revert_sites(session, change=change, source=source, at=at)
        except SiteCorrectionError as exc:
            raise RevertError(exc.field, exc.msgid, params=exc.params) from None
    actor = session.get(Actor, change.actor_id)
    if actor is None:
        raise RevertError("", "change {id}: actor {actor} no longer exists", params={"id": change.id, "actor": change.actor_id})
    old = json.loads(change.old_value) if change.old_value is not None else None
    with session.no_autoflush:
        before = snapshot(actor)
        if change.field in SCALARS:
            if change.field in ("name", "kind", "status") and old is None:
                raise RevertError("", "{field} cannot be emptied", params={"field": change.field})
            setattr(actor, change.field, old)
            if change.field == "name":
                actor.name_key = fold(str(old))
            prov = next((p for p in actor.field_sources if p.field == change.field), None)
            if prov is None:
                actor.field_sources.append(FieldSource(field=change.field, source=source, recorded_at=at))
            else:
                prov.source, prov.recorded_at = source, at
        else:
            facet = change.field.split(".", 1)[1]
            wanted = set(old or [])
            for cap in [c for c in actor.capabilities if c.facet == facet and c.code not in wanted]:
                actor.capabilities.remove(cap)
            have = {c.code for c in actor.capabilities if c.facet == facet}
            for code in sorted(wanted - have):
                actor.capabilities.append(Capability(facet=facet, code=code, source_id=source.id))
    session.flush()
    session.refresh(actor)
    n = record_changes(session, actor, before, source, at)
    if n:
        actor.updated_at = at
    return actor, n

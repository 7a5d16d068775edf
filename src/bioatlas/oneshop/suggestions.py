"""Suggestions from the atlas for a case, with their reasons."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.atlas import service as atlas
from bioatlas.capacity import service as capacity
from bioatlas.oneshop.models import (
    Case,
    Need,
)


def suggestions(session: Session, *, case: Case, limit: int = 5) -> list[dict[str, Any]]:
    """CDMOs and platforms of the capacity directory offering the case's modality (in its region
    first), with the matched lines' reasons; atlas actors in the sector scope."""
    q = capacity.OfferQuery(modalities=frozenset({case.modality}) if case.modality else frozenset())
    try:
        found = capacity.search_offers(session, query=q, limit=50).offers
    except Exception:  # noqa: BLE001 - a modality code the directory does not know: no suggestion
        return []
    found.sort(key=lambda o: (case.region not in o.regions, not o.verified))
    in_scope = atlas.in_scope_ids(session, actor_ids=[o.actor_id for o in found])
    out = [{"actor_id": o.actor_id, "name": o.actor_name, "kind": o.actor_kind, "reason": "offer",
            "in_region": case.region in o.regions, "in_scope": o.actor_id in in_scope, "verified": o.verified,
            "demo": o.demo_note is not None, "lines": len(o.matched_lines)} for o in found[:limit]]
    wants_training = session.scalar(select(Need.id).where(Need.case_id == case.id, Need.need == "recruitment"))
    if wants_training is not None and case.region:
        ids = atlas.actor_ids_of_kinds(session, kinds=["university"], region=case.region)
        scoped = atlas.in_scope_ids(session, actor_ids=ids)
        ids = sorted(ids, key=lambda i: i not in scoped)[:limit]
        out += [{"actor_id": a.id, "name": a.name, "kind": a.kind, "reason": "training", "in_region": True,
                 "in_scope": a.id in scoped, "verified": False, "demo": False, "lines": 0}
                for a in atlas.find_actors(session, ids=ids)]
    return out

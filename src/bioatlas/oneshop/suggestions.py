"""Suggestions from the atlas for a case, with their reasons: CDMOs and platforms of the capacity
directory, industrial integrators, training bodies, the job board's open offers in the region, and candidate zones (the communes of the
region where the atlas already has sites of the sector's actors, with the clusters, incubators and
platforms located there). Only what the atlas records: no place is invented."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.atlas import service as atlas
from bioatlas.capacity import service as capacity
from bioatlas.jobboard import service as jobboard
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
    except Exception:  # noqa: BLE001 - a modality code the directory does not know: no offer suggested
        found = []
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
    local = atlas.actor_ids_of_kinds(session, kinds=["integrator"], region=case.region or None)
    ids = (local + [i for i in atlas.actor_ids_of_kinds(session, kinds=["integrator"]) if i not in local])[:3]
    scoped = atlas.in_scope_ids(session, actor_ids=ids)
    out += [{"actor_id": a.id, "name": a.name, "kind": a.kind, "reason": "integrator", "in_region": a.id in local,
             "in_scope": a.id in scoped, "verified": False, "demo": False, "lines": 0}
            for a in atlas.find_actors(session, ids=ids)]
    return out


HOST_KINDS = ("cluster", "incubator", "tech_platform", "public_agency")


def zones(session: Session, *, case: Case, limit: int = 3) -> list[dict[str, Any]]:
    """Candidate zones in the case's region: the communes where the most active actors of the atlas
    have a site (those of the sector scope first), each with the host organisations located there
    (clusters, incubators, platforms, agencies) as the reason. Empty without a region."""
    if not case.region:
        return []
    sites = atlas.sites_selectable()
    pairs = session.execute(select(sites.c.commune_insee, sites.c.actor_id).where(
        sites.c.region == case.region, sites.c.commune_insee.is_not(None)).distinct()).all()
    actors = {a.id: a for a in atlas.find_actors(session, ids={a for _, a in pairs}, limit=10_000)
              if a.status == "active"}
    scoped = atlas.in_scope_ids(session, actor_ids=list(actors))
    per: dict[str, list[int]] = {}
    for commune, actor_id in pairs:
        if actor_id in actors:
            per.setdefault(commune, []).append(actor_id)
    ranked = sorted(per.items(), key=lambda kv: (-sum(a in scoped for a in kv[1]), -len(kv[1]), kv[0]))[:limit]
    places = atlas.gazetteer().by_insee
    out = []
    for commune, ids in ranked:
        hosts = sorted((actors[a] for a in ids if actors[a].kind in HOST_KINDS), key=lambda a: (a.kind, a.name))
        out.append({"insee": commune, "name": places[commune][0].name if places.get(commune) else commune,
                    "actors": len(ids), "in_scope": sum(a in scoped for a in ids),
                    "hosts": [{"actor_id": a.id, "name": a.name, "kind": a.kind} for a in hosts[:4]]})
    return out


def recruiting(session: Session, *, case: Case) -> dict[str, Any] | None:
    """The job board's open offers in the case's region (how much the sector recruits there), with
    the three ROME families most offered (codes, for the API) and the three occupations most offered
    by name (the page: the ROME names occupations, not families); None without a region."""
    if not case.region:
        return None
    query = jobboard.OfferQuery(region=case.region, limit=1)
    found = jobboard.search(session, query=query)
    families = found.facets.get("rome", {})
    return {"region": case.region, "open_offers": found.total,
            "families": [code for code, _ in sorted(families.items(), key=lambda kv: (-kv[1], kv[0]))[:3]],
            "occupations": [label for _code, label, _n in jobboard.occupations(session, query=query, limit=3)],
            "url": f"/jobboard?region={case.region}"}

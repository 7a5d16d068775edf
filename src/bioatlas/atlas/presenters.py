"""Shape atlas query results for the API and the pages (labels in the asked language)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bioatlas.atlas import queries
from bioatlas.atlas.clusters import point_properties
from bioatlas.atlas.filters import FACETS, ActorFilter
from bioatlas.atlas.geocode import gazetteer
from bioatlas.atlas.models import Actor
from bioatlas.atlas.serialize import ordered_sites, site_to_dict
from bioatlas.atlas.taxonomy import Taxonomy
from bioatlas.core.plugins import plugin_manager
from bioatlas.core.text import fold


def actor_summary(actor: Actor, taxonomies: dict[str, Taxonomy], lang: str) -> dict:
    return {
        "id": actor.id,
        "name": actor.name,
        "kind": actor.kind,
        "kind_label": taxonomies["kinds"].label(actor.kind, lang),
        "url": f"/actors/{actor.id}",
        "sites": [site_to_dict(s, taxonomies, lang) for s in ordered_sites(actor)],
        "modalities": sorted(c.code for c in actor.capabilities if c.facet == "modalities"),
    }


def facets(session: Session, *, f: ActorFilter, taxonomies: dict[str, Taxonomy], lang: str) -> dict:
    """Facet counts with labels, every taxonomy value listed (count 0 included) in taxonomy order.
    Counted by an in-memory index when a feature offers one (hook `bioatlas_view_counts`: the
    search's facet index, milliseconds at 200,000 actors), else in SQL."""
    found = plugin_manager().hook.bioatlas_view_counts(session=session, view=f, taxonomies=taxonomies)
    if found is not None:
        total, counts = found["total"], found["facets"]
    else:
        total, counts = queries.view_counts(session, f=f, taxonomies=taxonomies)
    geo = gazetteer()
    out: dict[str, list[dict]] = {}
    for facet, tax_name in FACETS.items():
        c = counts.get(facet, {})
        if tax_name:
            out[facet] = [
                {"code": t.code, "label": t.label(lang), "count": c.get(t.code, 0), "parent": t.parent}
                for t in taxonomies[tax_name].terms.values()
            ]
        elif facet == "region":
            out[facet] = [
                {"code": code, "label": name, "count": c.get(code, 0), "parent": None}
                for code, name in sorted(geo.regions.items(), key=lambda kv: fold(kv[1]))
            ]
        else:
            out[facet] = [
                {"code": code, "label": f"{code} – {name}", "count": c.get(code, 0), "parent": region}
                for code, (name, region) in geo.departements.items()
            ]
    return {"total": total, "scope": f.scope, "facets": out}


def map_geojson(session: Session, *, f: ActorFilter, taxonomies: dict[str, Taxonomy], lang: str) -> dict:
    """Located sites of the view as a GeoJSON FeatureCollection (one point per site)."""
    features = []
    kinds = taxonomies["kinds"]
    for row in queries.map_points(session, f=f, taxonomies=taxonomies):
        features.append(
            {
                "type": "Feature",
                "id": row[0],
                "geometry": {"type": "Point", "coordinates": [round(row[5], 6), round(row[4], 6)]},
                "properties": point_properties(row, kinds, lang),
            }
        )
    return {"type": "FeatureCollection", "scope": f.scope, "features": features}


def stack_page(session: Session, *, f: ActorFilter, taxonomies: dict[str, Taxonomy], lang: str, latitude: float,
               longitude: float, limit: int, offset: int) -> dict:
    """One page of the sites the map stacks at one point: {total, limit, offset, items}."""
    total, rows = queries.stack_sites(session, f=f, taxonomies=taxonomies, latitude=latitude, longitude=longitude,
                                      limit=limit, offset=offset)
    kinds = taxonomies["kinds"]
    return {"total": total, "limit": limit, "offset": offset, "latitude": latitude, "longitude": longitude,
            "items": [{"site": r[0], **point_properties(r, kinds, lang)} for r in rows]}

"""Shape atlas query results for the API and the pages (labels in the asked language)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bioatlas.atlas import queries
from bioatlas.atlas.filters import FACETS, ActorFilter
from bioatlas.atlas.geocode import gazetteer
from bioatlas.atlas.models import Actor
from bioatlas.atlas.serialize import ordered_sites, site_to_dict
from bioatlas.atlas.taxonomy import Taxonomy
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
    """Facet counts with labels, every taxonomy value listed (count 0 included) in taxonomy order."""
    counts = queries.facet_counts(session, f=f, taxonomies=taxonomies)
    geo = gazetteer()
    total, _ = queries.list_actors(session, f=f, taxonomies=taxonomies, limit=1)
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
    return {"total": total, "facets": out}


def map_geojson(session: Session, *, f: ActorFilter, taxonomies: dict[str, Taxonomy], lang: str) -> dict:
    """Located sites of the view as a GeoJSON FeatureCollection (one point per site)."""
    features = []
    kinds = taxonomies["kinds"]
    for site_id, actor_id, name, kind, lat, lon, commune in queries.map_points(session, f=f, taxonomies=taxonomies):
        features.append(
            {
                "type": "Feature",
                "id": site_id,
                "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                "properties": {
                    "actor": actor_id,
                    "name": name,
                    "kind": kind,
                    "kind_label": kinds.label(kind, lang),
                    "commune": commune,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}

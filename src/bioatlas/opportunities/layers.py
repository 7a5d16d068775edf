"""The partner-search map layer ("opportunities"): the located sites of the actors with a
published, unexpired, NON-confidential opportunity (a point would name a confidential one's
organisation), filtered by direction and kind, through the plug-in contract."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from bioatlas.atlas import service as atlas
from bioatlas.core.plugins import MapFilter, MapLayer, MapPoint
from bioatlas.opportunities import service

NAME = "opportunities"
DIRECTION = {"offer": {"fr": "Offre", "en": "Offer"}, "request": {"fr": "Demande", "en": "Request"}}
KIND = {"technology": {"fr": "Technologie", "en": "Technology"},
        "capacity": {"fr": "Service ou capacité", "en": "Service or capacity"},
        "rd_partner": {"fr": "Partenaire R&D pour un appel à projets", "en": "R&D partner for a funding call"},
        "business": {"fr": "Affaires ou licence", "en": "Business or licensing"}}


def points(session: Session, *, bbox: tuple[float, float, float, float], filters: Mapping[str, Sequence[str]],
           lang: str, limit: int) -> list[MapPoint]:
    rows, _ = service.listing(session, limit=100_000)
    rows = [o for o in rows if not o.confidential
            and (not filters.get("direction") or o.direction in filters["direction"])
            and (not filters.get("kind") or o.kind in filters["kind"])]
    by_actor: dict[int, list] = {}
    for o in rows:
        by_actor.setdefault(o.actor_id, []).append(o)
    if not by_actor:
        return []
    names = service.actor_names(session, actor_ids=list(by_actor))
    out = []
    for site in atlas.located_sites(session, actor_ids=by_actor, bbox=bbox, limit=limit):
        items = by_actor[site.actor_id]
        lines = [f"{DIRECTION[o.direction][lang]} · {(o.title_en or o.title_fr) if lang == 'en' else (o.title_fr or o.title_en)}"
                 for o in items[:3]]
        out.append(MapPoint(id=f"{NAME}:{site.site_id}", lat=site.latitude, lon=site.longitude,
                            title=names.get(site.actor_id, ""), url=f"/opportunities/{items[0].id}", lines=lines,
                            precision=site.precision))
    return out


def layer() -> MapLayer:
    return MapLayer(
        name=NAME, label={"fr": "Recherche de partenaires (offres et demandes)", "en": "Partner search (offers and requests)"},
        points=points, color="#762a83",
        filters_spec=(MapFilter(name="direction", label={"fr": "Offre ou demande", "en": "Offer or request"},
                                options=list(DIRECTION.items())),
                      MapFilter(name="kind", label={"fr": "Type", "en": "Kind"}, options=list(KIND.items()))),
        source={"fr": "Opportunités publiées par les membres des acteurs, relues par un éditeur (les confidentielles "
                      "n'apparaissent pas sur la carte)",
                "en": "Opportunities published by the actors' members, reviewed by an editor (confidential ones "
                      "are not on the map)"},
    )

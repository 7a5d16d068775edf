"""The capacity room's map layer ("capacity-offers"): the located sites of the actors with a
published capacity profile, filtered like the directory (modality, step, GMP grade), through the
plug-in contract (`core.plugins.MapLayer`) and the atlas's `located_sites`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from sqlalchemy.orm import Session

from bioatlas.atlas import service as atlas
from bioatlas.capacity import service
from bioatlas.capacity.fields import GMP_GRADES
from bioatlas.capacity.present import scale_text
from bioatlas.core.plugins import MapFilter, MapLayer, MapPoint

NAME = "capacity-offers"


def _options(taxonomy_name: str, codes: Sequence[str] | None = None) -> list[tuple[str, dict[str, str]]]:
    tax = atlas.taxonomies()[taxonomy_name]
    return [(c, {"fr": tax.label(c, "fr"), "en": tax.label(c, "en")}) for c in (codes or list(tax.terms))]


def _filters() -> tuple[MapFilter, ...]:
    return (
        MapFilter(name="modality", label={"fr": "Modalité", "en": "Modality"}, options=_options("modalities")),
        MapFilter(name="step", label={"fr": "Étape de la chaîne de valeur", "en": "Value-chain step"},
                  options=_options("value_chain")),
        MapFilter(name="gmp", label={"fr": "Grade BPF minimal", "en": "Minimum GMP grade"},
                  options=_options("gmp_status", GMP_GRADES[1:])),
    )


def offer_points(session: Session, *, bbox: tuple[float, float, float, float], filters: Mapping[str, Sequence[str]],
                 lang: str, limit: int) -> list[MapPoint]:
    """One point per located site of a provider whose published offer meets the filters (several
    values of one filter: any of them; GMP: the lowest chosen grade)."""
    params = {k: list(v) for k, v in filters.items() if k in ("modality", "step")}
    if filters.get("gmp"):
        params["gmp"] = [min(filters["gmp"], key=GMP_GRADES.index)]
    query = service.parse_query(params, taxonomies=atlas.taxonomies(), gazetteer=atlas.gazetteer(), today=date.today())
    offers = {o.actor_id: o for o in service.search_offers(session, query=query).offers}
    if not offers:
        return []
    tax = atlas.taxonomies()
    points = []
    for site in atlas.located_sites(session, actor_ids=offers, bbox=bbox, limit=limit):
        offer = offers[site.actor_id]
        lines = [offer.doc["lines"][i] for i in offer.matched_lines][:3]
        text = [", ".join(tax["modalities"].label(m, lang) for m in line["modalities"]) + " · "
                + tax["value_chain"].label(line["step"], lang)
                + (f" · {scale_text(line)}" if scale_text(line) else "")
                + f" · {tax['gmp_status'].label(line['gmp'], lang)}" for line in lines]
        status = ("vérifié" if lang == "fr" else "verified") if offer.verified else (
            "non vérifié (démonstration)" if lang == "fr" else "unverified (demo)")
        points.append(MapPoint(id=f"{NAME}:{site.site_id}", lat=site.latitude, lon=site.longitude, title=offer.actor_name,
                               url=f"/capacity/actors/{offer.actor_id}", lines=[*text, status], precision=site.precision))
    return points


def layer() -> MapLayer:
    return MapLayer(
        name=NAME, label={"fr": "Offre de capacités (CDMO, plateformes)", "en": "Capacity offer (CDMOs, platforms)"},
        points=offer_points, filters_spec=_filters(), color="#1b7837",
        source={"fr": "Profils de capacité publiés par les membres des acteurs (vérifiés par un éditeur)\u202f; "
                      "profils de démonstration signalés comme tels",
                "en": "Capacity profiles published by the actors' members (verified by an editor); "
                      "demo profiles labelled as such"},
    )

"""The job board's map layer ("job-offers"): the open offers at their site, filtered by contract,
through the plug-in contract (`core.plugins.MapLayer`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from bioatlas.core.plugins import MapFilter, MapLayer, MapPoint
from bioatlas.jobboard import service
from bioatlas.jobboard.fields import CONTRACTS
from bioatlas.jobboard.present import CONTRACT_LABELS, ORIGIN_LABELS

NAME = "job-offers"


def offer_points(session: Session, *, bbox: tuple[float, float, float, float], filters: Mapping[str, Sequence[str]],
                 lang: str, limit: int) -> list[MapPoint]:
    offers = service.located_offers(session, bbox=bbox, contracts=filters.get("contract", ()), limit=limit)
    return [MapPoint(id=f"{NAME}:{o.id}", lat=float(o.latitude or 0), lon=float(o.longitude or 0), title=o.title,
                     url=f"/jobboard/offers/{o.id}",
                     lines=[o.employer_name, f"{CONTRACT_LABELS[o.contract][lang]} · {o.rome_code} {o.rome_label}",
                            o.commune_name or "", *([ORIGIN_LABELS["demo"][lang]] if o.synthetic else [])])
            for o in offers]


def layer() -> MapLayer:
    return MapLayer(
        name=NAME, label={"fr": "Offres d'emploi", "en": "Job offers"}, points=offer_points, color="#d95f02",
        filters_spec=(MapFilter(name="contract", label={"fr": "Contrat", "en": "Contract"},
                                options=[(c, CONTRACT_LABELS[c]) for c in CONTRACTS]),),
        source={"fr": "Offres publiées par les membres des employeurs, importées de France Travail\u202f; "
                      "offres de démonstration fictives signalées comme telles",
                "en": "Offers published by the employers' members, imported from France Travail; "
                      "fictitious demo offers labelled as such"},
    )

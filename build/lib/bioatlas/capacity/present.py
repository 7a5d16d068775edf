"""An offer as the pages and the JSON API show it: codes with their labels in the reader's
language, the scale as text, the availability, the verification state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bioatlas.atlas.service import Taxonomy, gazetteer
from bioatlas.capacity.service import Offer

GMP_TAXONOMY = "gmp_status"


def _labels(codes, taxonomy: Taxonomy, lang: str) -> list[dict[str, str]]:
    return [{"code": c, "label": taxonomy.label(c, lang)} for c in codes]


def scale_text(line: Mapping[str, Any]) -> str:
    low, high = line.get("scale_min_l"), line.get("scale_max_l")
    if low is None or high is None:
        return ""
    return f"{low:g} L" if low == high else f"{low:g}–{high:g} L"


def line_view(line: Mapping[str, Any], taxonomies: Mapping[str, Taxonomy], lang: str) -> dict[str, Any]:
    return {
        "step": {"code": line["step"], "label": taxonomies["value_chain"].label(line["step"], lang)},
        "modalities": _labels(line.get("modalities", ()), taxonomies["modalities"], lang),
        "expression_systems": _labels(line.get("expression_systems", ()), taxonomies["expression_systems"], lang),
        "scale_min_l": line.get("scale_min_l"), "scale_max_l": line.get("scale_max_l"), "scale": scale_text(line),
        "gmp": {"code": line.get("gmp", "none"), "label": taxonomies[GMP_TAXONOMY].label(line.get("gmp", "none"), lang)},
        "batch_types": _labels(line.get("batch_types", ()), taxonomies["batch_types"], lang),
    }


REASON_TAXONOMY = {"modality": "modalities", "step": "value_chain", "expression_system": "expression_systems",
                   "batch_type": "batch_types", "gmp": GMP_TAXONOMY}


def reason_view(reasons, taxonomies: Mapping[str, Taxonomy], lang: str) -> list[dict[str, Any]]:
    """A line's reasons as labelled items: {"criterion", "value", "label", "met"}."""
    out = []
    for criterion, value, met in reasons:
        if criterion == "scale":
            label = value.replace("-", "–") + " L" if value else "—"
        else:
            label = ", ".join(taxonomies[REASON_TAXONOMY[criterion]].label(v, lang) for v in value.split(",") if v) or "—"
        out.append({"criterion": criterion, "value": value, "label": label, "met": met})
    return out


def offer_view(offer: Offer, taxonomies: Mapping[str, Taxonomy], lang: str) -> dict[str, Any]:
    """The JSON-able view of an offer (the API's body, the templates' data)."""
    doc = offer.doc
    geo = gazetteer()
    summary = doc.get("summary_en") if lang == "en" and doc.get("summary_en") else doc.get("summary_fr")
    return {
        "actor_id": offer.actor_id, "actor_name": offer.actor_name, "url": f"/capacity/actors/{offer.actor_id}",
        "actor_url": f"/actors/{offer.actor_id}",
        "actor_kind": {"code": offer.actor_kind, "label": taxonomies["kinds"].label(offer.actor_kind, lang)},
        "regions": [{"code": r, "label": geo.region_name(r)} for r in offer.regions],
        "status": offer.status, "verified": offer.verified, "demo_note": offer.demo_note,
        "summary": summary or "", "summary_fr": doc.get("summary_fr", ""), "summary_en": doc.get("summary_en", ""),
        "lines": [line_view(line, taxonomies, lang) for line in doc.get("lines", ())],
        "matched_lines": list(offer.matched_lines),
        "reasons": {str(i): reason_view(r, taxonomies, lang) for i, r in zip(offer.matched_lines, offer.reasons)},
        "certifications": _labels(doc.get("certifications", ()), taxonomies["certifications"], lang),
        "available_from": doc.get("available_from"), "available_to": doc.get("available_to"),
        "on_request": bool(doc.get("on_request")),
        "contact": {"kind": doc.get("contact_kind"), "value": doc.get("contact_value")},
        "updated_at": offer.updated_at.isoformat() if offer.updated_at else None,
        "published_at": offer.published_at.isoformat() if offer.published_at else None,
    }

"""Opportunities and matches as the JSON API and the pages show them (labels in the reader's
language; a confidential organisation's name left out)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bioatlas.atlas.service import Taxonomy
from bioatlas.opportunities.models import Interest, Opportunity
from bioatlas.opportunities.service import Match

CRITERION_TAXONOMY = {"modality": "modalities", "step": "value_chain", "expression_system": "expression_systems",
                      "gmp": "gmp_status"}


def _labels(codes, taxonomy: Taxonomy, lang: str) -> list[dict[str, str]]:
    return [{"code": c, "label": taxonomy.label(c, lang)} for c in codes or ()]


def opportunity_view(opp: Opportunity, taxonomies: Mapping[str, Taxonomy], lang: str, *, actor_name: str | None,
                     private: bool = False) -> dict[str, Any]:
    """`actor_name` None: confidential (hidden). `private`: the owner's view (review state)."""
    out: dict[str, Any] = {
        "id": opp.id, "direction": opp.direction, "kind": opp.kind, "status": opp.status,
        "actor_id": opp.actor_id if actor_name is not None else None, "actor_name": actor_name,
        "confidential": opp.confidential,
        "title": (opp.title_en or opp.title_fr) if lang == "en" else (opp.title_fr or opp.title_en),
        "title_fr": opp.title_fr, "title_en": opp.title_en,
        "description_fr": opp.description_fr, "description_en": opp.description_en,
        "modalities": _labels(opp.modalities, taxonomies["modalities"], lang),
        "steps": _labels(opp.steps, taxonomies["value_chain"], lang),
        "expression_systems": _labels(opp.expression_systems, taxonomies["expression_systems"], lang),
        "capacity": opp.capacity, "regions": opp.regions or [], "countries": opp.countries or [],
        "partner_kinds": opp.partner_kinds or [],
        "call_ref": opp.call_ref,
        "deadline": opp.deadline.isoformat() if opp.deadline else None,
        "expires_on": opp.expires_on.isoformat() if opp.expires_on else None,
        "published_at": opp.published_at.isoformat() if opp.published_at else None,
        "outcome": opp.outcome, "synthetic_note": opp.synthetic_note,
    }
    if private:
        out["reject_reason"] = opp.reject_reason
        out["outcome_note"] = opp.outcome_note
    return out


GROUPS = {"fr": {"academia": "recherche académique", "industry": "industrie"},
          "en": {"academia": "academia", "industry": "industry"}}


def reason_label(criterion: str, value: str, taxonomies: Mapping[str, Taxonomy], lang: str) -> str:
    if criterion in ("partner", "audience"):
        return GROUPS.get(lang, GROUPS["en"]).get(value, value)
    if criterion == "complementary":
        return " ↔ ".join(GROUPS.get(lang, GROUPS["en"]).get(part, part) for part in value.split(" ↔ "))
    name = CRITERION_TAXONOMY.get(criterion)
    if name and value and "," not in value and value in taxonomies[name].terms:
        return taxonomies[name].label(value, lang)
    return value


def match_view(m: Match, taxonomies: Mapping[str, Taxonomy], lang: str) -> dict[str, Any]:
    return {"source": m.source, "opportunity_id": m.opportunity_id, "actor_id": m.actor_id or None,
            "actor_name": m.actor_name, "actor_kind": m.actor_kind, "title": m.title, "score": m.score,
            "reasons": [{"criterion": c, "value": v, "label": reason_label(c, v, taxonomies, lang), "met": ok}
                        for c, v, ok in m.reasons],
            **({"line": m.extra.get("line"), "verified": m.extra.get("verified"),
                "demo_note": m.extra.get("demo_note")} if m.source == "capacity" else {})}


def interest_view(i: Interest) -> dict[str, Any]:
    return {"id": i.id, "user_id": i.user_id, "actor_id": i.actor_id, "what": i.what, "why": i.why,
            "message": i.message, "status": i.status, "thread_id": i.thread_id,
            "created_at": i.created_at.isoformat() if i.created_at else None}

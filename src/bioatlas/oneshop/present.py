"""The one-stop shop's records as JSON for the API: a case as its reader may see it (the same
filtered view as the page), a routed request, a rule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bioatlas.oneshop.models import Case, RoutedRequest, Rule


def _day(value) -> str | None:
    return value.isoformat() if value is not None else None


def request_json(r: RoutedRequest, *, need: str, partner: str, notes=None, comment: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": r.id, "case_id": r.case_id, "need": need, "partner": {"actor_id": r.partner_actor_id, "name": partner},
        "status": r.status, "decline_reason": r.decline_reason or None, "owned": r.owner_user_id is not None,
        "next_step": r.next_step or None, "next_step_on": _day(r.next_step_on), "created_at": _day(r.created_at),
        "first_answer_at": _day(r.first_answer_at), "reminders": r.reminders, "escalated": r.escalated_at is not None,
        "thread_id": r.thread_id, "satisfaction": r.satisfaction}
    if comment:
        out["satisfaction_comment"] = r.satisfaction_comment
    if notes is not None:
        out["notes"] = [{"id": n.id, "body": n.body, "created_at": _day(n.created_at)} for n in notes]
    return out


def case_json(view: Mapping[str, Any], timeline) -> dict[str, Any]:
    """The view of `service.case_view`: the company sees everything, a partner its own requests
    (with its notes) and the details only if shared with it, a coordinator the routing."""
    c: Case = view["case"]
    role = view["role"]
    out: dict[str, Any] = {
        "id": c.id, "read_as": role, "status": c.status, "outcome": c.outcome, "synthetic": c.synthetic,
        "company_name": c.company_name, "country": c.country, "project_type": c.project_type,
        "modality": c.modality or None, "region": c.region or None, "created_at": _day(c.created_at),
        "closed_at": _day(c.closed_at),
        "needs": [{"need": n.need, **({"detail": n.detail} if view["show_details"] else {})} for n in view["needs"]],
        "requests": [request_json(i["request"], need=i["need"].need, partner=i["partner"],
                                  notes=i["notes"] if role == "partner" else None, comment=view["sees_comment"])
                     for i in view["requests"]],
        "timeline": [{"at": at.isoformat(), "event": what, "detail": detail or None} for at, what, detail in timeline],
    }
    if view["show_details"]:
        out["details"] = {"description": c.description, "surface_m2": c.surface_m2,
                          "value_chain_steps": c.value_chain_steps.split(),
                          "cleanroom_grade": c.cleanroom_grade or None, "jobs_planned": c.jobs_planned,
                          "investment_band": c.investment_band or None, "start_on": _day(c.start_on)}
    if role == "company":
        out["contact"] = {"name": c.contact_name, "email": c.email, "siret": c.siret}
        out["partners"] = view["partners"]
    if role != "coordinator":
        shares = view.get("shares", {})
        out["documents"] = [{"id": d.id, "filename": d.filename, "content_type": d.content_type, "size": d.size,
                             "url": f"/api/v1/oneshop/cases/{c.id}/documents/{d.id}",
                             **({"shared_with": sorted(shares.get(d.id, ()))} if role == "company" else {})}
                            for d in view["documents"]]
    return out


def rule_json(rule: Rule) -> dict[str, Any]:
    return {"id": rule.id, "need": rule.need, "region": rule.region, "modality": rule.modality, "size": rule.size,
            "actor_id": rule.actor_id, "actor_kind": rule.actor_kind}

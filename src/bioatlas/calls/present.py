"""The JSON shapes of the calls API (the same reads as the pages)."""

from __future__ import annotations

import json
from dataclasses import asdict

from bioatlas.calls import service


def call_view(call, *, lang: str = "fr") -> dict:
    return {"id": call.id, "kind": call.kind, "status": call.status,
            "title": call.title_en if lang == "en" else call.title_fr,
            "title_fr": call.title_fr, "title_en": call.title_en,
            "text": call.text_en if lang == "en" else call.text_fr, "region": call.region,
            "opens_at": call.opens_at, "closes_at": call.closes_at, "timezone": call.timezone,
            "deadline_local": service.local_deadline(call), "open": service.is_open(call),
            "eligibility": service.rules_of(call),
            "form": [asdict(f) for f in service.form_fields(call)],
            "synthetic": bool(call.source_note)}


def application_view(app, *, private: bool = True) -> dict:
    """An application as its applicant and the call's managers read it (`private`), or as a
    published result (name, actor, result only)."""
    out = {"id": app.id, "call_id": app.call_id, "applicant_name": app.applicant_name, "actor_id": app.actor_id,
           "result": app.result, "synthetic": app.synthetic}
    if private:
        out.update({"status": app.status, "answers": json.loads(app.answers or "{}"),
                    "co_applicants": json.loads(app.co_actor_ids or "[]"), "submitted_at": app.submitted_at,
                    "previous_id": app.previous_id, "rebuttal": app.rebuttal, "publish_opt_in": app.publish_opt_in,
                    "attachments": [{"id": f.id, "field": f.field, "filename": f.filename, "size": f.size,
                                     "content_type": f.content_type} for f in app.attachments]})
    return out


def review_view(app, *, panel, mine: dict, others: list[dict], rebuttal: str | None) -> dict:
    """What a reviewer reads: no applicant name on a blind panel, the rebuttal of a resubmission,
    the others' scores only once theirs are in and if the panel shows them."""
    return {"application_id": app.id, "blind": panel.blind, "phase": panel.phase,
            "applicant_name": None if panel.blind else app.applicant_name,
            "actor_id": None if panel.blind else app.actor_id,
            "answers": json.loads(app.answers or "{}"), "rebuttal": rebuttal,
            "attachments": [{"id": f.id, "field": f.field, "size": f.size} for f in app.attachments],
            "criteria": [{"code": c.code, "label_fr": c.label_fr, "label_en": c.label_en, "weight": c.weight,
                          "scale_min": c.scale_min, "scale_max": c.scale_max, "threshold": c.threshold}
                         for c in panel.criteria],
            "mine": {"scores": mine["scores"], "submitted": mine["submitted"],
                     "comment_applicant": mine["comment_applicant"], "comment_jury": mine["comment_jury"]},
            "others": [{"scores": r["scores"]} for r in others]}


def jury_view(view: dict, *, why: dict[int, str]) -> dict:
    """The managers' view: per application the medians, total, thresholds, decision, reviews,
    exclusions with their reasons; the pool's load."""
    names = view["names"]
    rows = []
    for row in view["rows"]:
        r = row["result"]
        rows.append({"application": application_view(row["application"]),
                     "medians": r.medians if r else {}, "total": row["total"],
                     "max_total": r.max_total if r else None,
                     "passes_thresholds": bool(r and r.passes_criteria and r.passes_overall),
                     "decision": r.decision if r else None, "rationale": r.rationale if r else None,
                     "reviews": [{"reviewer": names.get(x["reviewer_id"], x["reviewer_id"]),
                                  "submitted": x["submitted"], "scores": x["scores"],
                                  "comment_applicant": x["comment_applicant"], "comment_jury": x["comment_jury"]}
                                 for x in row["reviews"]],
                     "exclusions": [exclusion_view(e, names, why) for e in row["exclusions"]]})
    panel = view["panel"]
    return {"phase": panel.phase, "blind": panel.blind, "reviewers_per_item": panel.reviewers_per_item,
            "applications": rows, "load": {names.get(uid, str(uid)): n for uid, n in view["load"].items()}}


def exclusion_view(e, names: dict, why: dict[int, str]) -> dict:
    """An excluded reviewer: the reason's code and the reason in the reader's language."""
    return {"reviewer": names.get(e.reviewer_id, e.reviewer_id), "reason": e.reason, "actor_id": e.actor_id,
            "detail": why.get(e.id, e.detail)}

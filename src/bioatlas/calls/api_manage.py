"""JSON API of a call's managers (/api/v1/calls): creating and changing a draft call, publishing,
the reviewers' pool, the phase, assignment, the jury view, decisions, results, closing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from bioatlas.accounts.policy import Principal, require

from bioatlas.calls.api_body import (
    definitions_of,
    ERRORS,
    Json,
    PREFIX,
    bad,
    of_call,
    string,
)
from bioatlas.calls import present, service
from bioatlas.calls.web import Id, Manager, csv_response, found_application, managed, refused
from bioatlas.core.deps import SessionDep, TranslatorDep

router = APIRouter(prefix=PREFIX, tags=["calls"])
Creator = Annotated[Principal, Depends(require("call.create"))]


@router.post("", responses=ERRORS, status_code=201)
def create(session: SessionDep, body: Json, p: Creator) -> dict:
    """Create a draft call `{"kind", "title_fr", "title_en", "text_fr", "text_en", "region",
    "opens_at", "closes_at", "timezone", "eligibility", "form": {"fields": [...]}, "criteria":
    [...], "blind", "show_others", "reviewers_per_item", "overall_threshold"}` (see
    docs/calls.md); you manage it."""
    with refused(as_json=True):
        c = service.create_call(session, by_user_id=p.user_id, managers=[p.user_id] if p.user_id else [],
                                **definitions_of(body))
    return present.call_view(c)


@router.put("/{call_id}", responses=ERRORS)
def update(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, body: Json, p: Manager) -> dict:
    """Change a draft call (the same fields as creating one); 409 once published."""
    c = managed(request, session, p, call_id, t)
    with refused(as_json=True):
        service.update_call(session, call=c, by_user_id=p.user_id, **definitions_of(body))
    return present.call_view(c)


@router.post("/{call_id}/close", responses=ERRORS)
def close(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Manager) -> dict:
    """Close a published call to applications now (its deadline becomes now); the review goes on."""
    c = managed(request, session, p, call_id, t)
    with refused(as_json=True):
        service.close_call(session, call=c, by_user_id=p.user_id)
    return present.call_view(c)


@router.get("/{call_id}/reviews", responses=ERRORS)
def jury(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Manager) -> dict:
    """The jury view: per application the medians, weighted total, thresholds, reviews (with the
    jury's comments), decision, and the reviewers excluded with their reasons (code, and text in
    the language of the request: `?lang=en`, the cookie or Accept-Language)."""
    c = managed(request, session, p, call_id, t)
    view = service.jury_view(session, call=c)
    return present.jury_view(view, why=service.review.exclusion_texts(session, view["exclusions"], t=t))


@router.get("/{call_id}/scores.csv", responses=ERRORS)
def scores_csv(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Manager):
    """The scores: one row per review and criterion, then medians and totals."""
    c = managed(request, session, p, call_id, t)
    return csv_response(service.scores_csv(session, call=c), f"call-{c.id}-scores.csv")


@router.post("/{call_id}/publish", responses=ERRORS)
def publish(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Manager) -> dict:
    """Publish a draft call."""
    c = managed(request, session, p, call_id, t)
    with refused(as_json=True):
        service.publish_call(session, call=c, by_user_id=p.user_id)
    return present.call_view(c)


@router.post("/{call_id}/reviewers", responses=ERRORS)
def reviewers(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, body: Json, p: Manager) -> dict:
    """Add reviewers by e-mail `{"emails": [...]}` (an applicant of the call is refused)."""
    c = managed(request, session, p, call_id, t)
    emails = body.get("emails")
    if not isinstance(emails, list) or not emails or not all(isinstance(e, str) and len(e) <= 320 for e in emails):
        raise bad("emails", "a list of at least one reviewer's e-mail address")
    with refused(as_json=True):
        added = service.add_reviewers(session, call=c, emails=emails, by_user_id=p.user_id)
    return {"added": len(added)}


@router.post("/{call_id}/phase", responses=ERRORS)
def phase(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, body: Json, p: Manager) -> dict:
    """Open or close the review `{"phase": "open" | "closed"}`."""
    c = managed(request, session, p, call_id, t)
    with refused(as_json=True):
        service.set_phase(session, call=c, phase=string(body, "phase", 20), by_user_id=p.user_id)
    return {"phase": service.panel_of(session, call=c).phase}


@router.post("/{call_id}/assign", responses=ERRORS)
def assign(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Manager) -> dict:
    """Assign reviewers, least loaded first; conflicted ones are excluded with their reason."""
    c = managed(request, session, p, call_id, t)
    report = service.assign_reviewers(session, call=c, by_user_id=p.user_id)
    return {"assigned": len(report.assigned), "excluded": [{"item": i, "reviewer": r, "reason": why}
                                                           for i, r, why in report.excluded],
            "short": report.short}


@router.post("/{call_id}/applications/{application_id}/decision", responses=ERRORS)
def decide(request: Request, call_id: Id, application_id: Id, session: SessionDep, t: TranslatorDep, body: Json,
           p: Manager) -> dict:
    """Decide `{"decision": "selected" | "rejected" | "waitlisted", "rationale"}`."""
    c = managed(request, session, p, call_id, t)
    app = of_call(session, c, application_id, t, lambda i: found_application(session, i, t))
    with refused(as_json=True):
        service.decide(session, application=app, decision=string(body, "decision", 20),
                       rationale=string(body, "rationale", 5000), by_user_id=p.user_id)
    return {"application_id": app.id, "decision": string(body, "decision", 20)}


@router.post("/{call_id}/results", responses=ERRORS)
def publish_results(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Manager) -> dict:
    """Publish the results (every submitted application decided first): laureates recorded in
    the atlas under the call as source, every applicant notified."""
    c = managed(request, session, p, call_id, t)
    with refused(as_json=True):
        return service.publish_results(session, call=c, by_user_id=p.user_id)

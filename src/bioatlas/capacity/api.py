"""JSON API of the offer directory under /api/v1/capacity: search (the directory's filter as URL
parameters), an actor's published profile, and for its members and editors the working version,
save, submit and review. The same service calls as the HTML pages."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request

from bioatlas.accounts.policy import Principal, authorize, client_ip, require
from bioatlas.atlas.service import TaxonomiesDep, gazetteer
from bioatlas.capacity import service
from bioatlas.capacity.present import offer_view
from bioatlas.capacity.query import PARAMS
from bioatlas.core.deps import SessionDep
from bioatlas.web.problems import Problem
from bioatlas.web.refusals import Refused, not_found

router = APIRouter(prefix="/api/v1/capacity", tags=["capacity"])
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "not logged in"},
    403: {"model": Problem, "description": "not allowed, or bad CSRF token"},
    404: {"model": Problem, "description": "no such actor or profile"},
    409: {"model": Problem, "description": "the profile is not in a state that allows it"},
    422: {"model": Problem, "description": "a field or parameter is refused (named in the message)"}}
Lang = Annotated[Literal["fr", "en"], Query()]


def refused(exc: service.FieldError) -> HTTPException:
    """422 `{field, message}` (English) for the API; a page shows `.refusal` translated."""
    return Refused(exc, status=422, detail={"field": exc.field, "message": exc.message})


def query_from(request: Request, taxonomies) -> service.OfferQuery:
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        if key in PARAMS:
            params.setdefault(key, []).append(value[:200])
    try:
        return service.parse_query(params, taxonomies=taxonomies, gazetteer=gazetteer(), today=date.today())
    except service.FieldError as exc:
        raise refused(exc) from None


def scope_or_404(request: Request, session, p: Principal, action: str, actor_id: int):
    scope = service.actor_scope(session, actor_id=actor_id)
    if scope is None:
        raise not_found("actor_id", "No actor with this number.", detail=f"no actor with id {actor_id}")
    authorize(request, p, action, scope, target=f"capacity:{actor_id}")


@router.get("/offers", responses=ERRORS)
def offers(request: Request, session: SessionDep, taxonomies: TaxonomiesDep, lang: Lang = "fr",
           modality: Annotated[list[str] | None, Query(max_length=20)] = None,
           step: Annotated[list[str] | None, Query(max_length=20)] = None,
           expression_system: Annotated[list[str] | None, Query(max_length=20)] = None,
           batch_type: Annotated[list[str] | None, Query(max_length=20)] = None,
           certification: Annotated[list[str] | None, Query(max_length=20)] = None,
           kind: Annotated[list[str] | None, Query(max_length=20)] = None,
           gmp: Annotated[str | None, Query(max_length=40)] = None,
           min_litres: Annotated[str | None, Query(max_length=20)] = None,
           max_litres: Annotated[str | None, Query(max_length=20)] = None,
           region: Annotated[list[str] | None, Query(max_length=20)] = None,
           available_on: Annotated[str | None, Query(max_length=20)] = None,
           verified: Annotated[str | None, Query(max_length=5)] = None) -> dict:
    """Published offers meeting every filter (see docs/capacity.md), verified first, with facet
    counts over the matches. e.g. `?modality=aav&step=upstream&min_litres=200&gmp=gmp_clinical&region=11`."""
    q = query_from(request, taxonomies)
    result = service.search_offers(session, query=q)
    return {"total": result.total, "query": {k: list(v) for k, v in q.chosen.items()},
            "offers": [offer_view(o, taxonomies, lang) for o in result.offers],
            "facets": {name: dict(counts.most_common()) for name, counts in result.facets.items()}}


@router.get("/actors/{actor_id}", responses=ERRORS)
def published(actor_id: Id, session: SessionDep, taxonomies: TaxonomiesDep, lang: Lang = "fr") -> dict:
    """The actor's published profile (verified, or a labelled demo profile)."""
    offer = service.profile_of(session, actor_id=actor_id)
    if offer is None:
        raise not_found("actor_id", "This actor has no published capacity profile.",
                        detail=f"actor {actor_id} has no published capacity profile")
    return offer_view(offer, taxonomies, lang)


@router.get("/actors/{actor_id}/draft", responses=ERRORS)
def draft(request: Request, actor_id: Id, session: SessionDep, taxonomies: TaxonomiesDep,
          p: Annotated[Principal, Depends(require("capacity.edit"))], lang: Lang = "fr") -> dict:
    """The working version, its status and a rejection's reason (members of the actor)."""
    scope_or_404(request, session, p, "capacity.edit", actor_id)
    offer = service.draft_of(session, actor_id=actor_id)
    if offer is None:
        raise not_found("actor_id", "This actor has no capacity profile yet.",
                        detail=f"actor {actor_id} has no capacity profile yet")
    return {**offer_view(offer, taxonomies, lang), "reject_reason": offer.reject_reason,
            "has_pending_changes": offer.has_pending_changes}


@router.put("/actors/{actor_id}", responses=ERRORS)
def save(request: Request, actor_id: Id, session: SessionDep, taxonomies: TaxonomiesDep,
         p: Annotated[Principal, Depends(require("capacity.edit"))],
         body: Annotated[dict[str, Any], Body()], lang: Lang = "fr") -> dict:
    """Save the working version (the shape in docs/capacity.md); a verified profile goes back to
    draft, its published version stays public until an editor verifies the new one."""
    scope_or_404(request, session, p, "capacity.edit", actor_id)
    try:
        offer = service.save_draft(session, user_id=p.user_id, ip=client_ip(request), actor_id=actor_id, raw=body,
                                   taxonomies=taxonomies)
    except service.FieldError as exc:
        raise refused(exc) from None
    except service.NotFound as exc:  # the actor was removed since scope_or_404
        raise not_found("actor_id", "No actor with this number.", detail=str(exc)) from None
    return offer_view(offer, taxonomies, lang)


@router.post("/actors/{actor_id}/submit", responses=ERRORS)
def submit(request: Request, actor_id: Id, session: SessionDep, taxonomies: TaxonomiesDep,
           p: Annotated[Principal, Depends(require("capacity.edit"))]) -> dict:
    """Send the working version to the editors of the actor's region."""
    scope_or_404(request, session, p, "capacity.edit", actor_id)
    try:
        service.submit(session, user_id=p.user_id, ip=client_ip(request), actor_id=actor_id, taxonomies=taxonomies)
    except service.Conflict as exc:  # a FieldError too: the profile's state, not the body
        raise Refused(exc, status=409, detail=str(exc)) from None
    except service.FieldError as exc:
        raise refused(exc) from None
    except service.NotFound as exc:  # the actor exists (scope_or_404): it has no profile yet
        raise not_found("actor_id", "This actor has no capacity profile yet.", detail=str(exc)) from None
    return {"actor_id": actor_id, "status": "submitted"}


@router.post("/actors/{actor_id}/review", responses=ERRORS)
def review(request: Request, actor_id: Id, session: SessionDep,
           p: Annotated[Principal, Depends(require("capacity.verify"))],
           body: Annotated[dict[str, Any], Body(examples=[{"decision": "reject", "reason": "Scale not documented"}])]) -> dict:
    """An editor of the actor's region verifies the submitted version (it becomes public) or
    rejects it with a reason: `{"decision": "verify" | "reject", "reason": "..."}` (the body is
    checked after the authorisation, so a stranger learns nothing from a 422)."""
    scope_or_404(request, session, p, "capacity.verify", actor_id)
    decision, reason = body.get("decision"), body.get("reason")
    try:
        service.review(session, user_id=p.user_id, ip=client_ip(request), actor_id=actor_id,
                       decision=decision if isinstance(decision, str) else "", reason=reason)
    except service.Conflict as exc:  # a FieldError too: the profile's state, not the body
        raise Refused(exc, status=409, detail=str(exc)) from None
    except service.FieldError as exc:
        raise refused(exc) from None
    except service.NotFound as exc:  # the actor exists (scope_or_404): it has no profile yet
        raise not_found("actor_id", "This actor has no capacity profile yet.", detail=str(exc)) from None
    return {"actor_id": actor_id, "status": "verified" if decision == "verify" else "rejected"}

"""JSON API of partner search under /api/v1/opportunities: the published list with facets, an
opportunity, its matches, and for members of its actor the writes (create, edit, submit, renew,
close, answer expressions of interest); editors review; logged-in users express interest. The
same service calls as the HTML pages."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request

from bioatlas.accounts.policy import Principal, authorize, can, client_ip, require
from bioatlas.atlas.service import TaxonomiesDep, gazetteer
from bioatlas.core.deps import SessionDep
from bioatlas.opportunities import service
from bioatlas.opportunities.fields import DIRECTIONS, KINDS
from bioatlas.opportunities.models import Opportunity
from bioatlas.opportunities.present import interest_view, match_view, opportunity_view
from bioatlas.web.problems import Problem
from bioatlas.web.refusals import Refused, not_found

router = APIRouter(prefix="/api/v1/opportunities", tags=["opportunities"])
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "not logged in"},
    403: {"model": Problem, "description": "not allowed, or bad CSRF token"},
    404: {"model": Problem, "description": "no such opportunity (or not visible to you)"},
    409: {"model": Problem, "description": "the opportunity is not in a state that allows it"},
    422: {"model": Problem, "description": "a field or parameter is refused (named in the message)"},
    429: {"model": Problem, "description": "too many expressions of interest"}}
Lang = Annotated[Literal["fr", "en"], Query()]
Json = Annotated[dict[str, Any], Body()]


def problem(exc: Exception) -> HTTPException:
    """The service's refusal as an HTTP answer naming the field: `detail` in English as before, and
    the answer's `field` and `message` in the reader's language (`web.refusals.answer_fields`)."""
    if isinstance(exc, service.OpportunityError):  # a FieldError with its own status
        return Refused(exc, status=exc.status, detail={"field": exc.field, "message": exc.message})
    if isinstance(exc, service.FieldError):
        return Refused(exc, status=422, detail={"field": exc.field, "message": exc.message})
    raise exc


def owned(request: Request, session, p: Principal, action: str, opportunity_id: int) -> Opportunity:
    """The opportunity, after `action` was authorised on its actor (404 when there is none)."""
    opp = service.get(session, opportunity_id=opportunity_id)
    if opp is None:
        raise not_found("opportunity_id", "No opportunity with this number.", detail=f"no opportunity {opportunity_id}")
    authorize(request, p, action, service.scope_of(session, actor_id=opp.actor_id), target=f"opportunity:{opp.id}")
    return opp


def visible(request: Request, session, opportunity_id: int) -> tuple[Opportunity, Principal, bool]:
    """A published (or expired, closed) opportunity for everyone; a draft or submitted one only
    for its members, its region's editors and admins (404 for others). Also: may the reader edit it."""
    p: Principal = request.state.principal
    opp = service.get(session, opportunity_id=opportunity_id)
    if opp is None:
        raise not_found("opportunity_id", "No opportunity with this number.", detail=f"no opportunity {opportunity_id}")
    scope = service.scope_of(session, actor_id=opp.actor_id)
    may_edit = can(p, "opportunities.edit", scope)
    if opp.published_at is None and not (may_edit or can(p, "opportunities.review", scope)):
        raise not_found("opportunity_id", "No opportunity with this number.", detail=f"no opportunity {opportunity_id}")
    return opp, p, may_edit


def name_of(session, opp: Opportunity, p: Principal) -> str | None:
    if not service.shows_name(session, opp=opp, principal=p):
        return None
    from_atlas = service.actor_names(session, actor_ids=[opp.actor_id])
    return from_atlas.get(opp.actor_id, "")


@router.get("", responses=ERRORS)
def listing(request: Request, session: SessionDep, taxonomies: TaxonomiesDep, lang: Lang = "fr",
            direction: Annotated[Literal["offer", "request"] | None, Query()] = None,
            kind: Annotated[Literal["technology", "capacity", "rd_partner", "business"] | None, Query()] = None,
            modality: Annotated[list[str] | None, Query(max_length=20)] = None,
            region: Annotated[str | None, Query(max_length=10)] = None,
            limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict:
    """Published opportunities not expired, newest first, with facet counts (direction, kind, modality)."""
    codes = [m.strip() for m in modality or [] if m.strip()]
    for code in codes:
        if code not in taxonomies["modalities"].terms:
            raise Refused(service.FieldError("modality", "unknown code {code!r} (taxonomy {name})",
                                             params={"code": code[:40], "name": "modalities"}),
                          detail={"field": "modality", "message": f"unknown code {code[:40]!r}"})
    if region and region not in gazetteer().regions:
        raise Refused(service.FieldError("region", "unknown region code {code!r}", params={"code": region[:10]}),
                      detail={"field": "region", "message": f"unknown region {region[:10]!r}"})
    rows, facets = service.listing(session, direction=direction, kind=kind, modalities=frozenset(codes),
                                   region=region, limit=limit)
    p = request.state.principal
    names = service.actor_names(session, actor_ids=[o.actor_id for o in rows])
    return {"total": len(rows), "facets": facets,
            "opportunities": [opportunity_view(o, taxonomies, lang, actor_name=names.get(o.actor_id, "") if
                                               service.shows_name(session, opp=o, principal=p) else None)
                              for o in rows]}


@router.get("/mine", responses=ERRORS)
def mine(session: SessionDep, taxonomies: TaxonomiesDep, p: Annotated[Principal, Depends(require("account.self"))],
         lang: Lang = "fr") -> dict:
    """The opportunities of your actors (any status) and the ones you wrote."""
    rows = service.mine(session, actor_ids=p.member_of, user_id=p.user_id)
    names = service.actor_names(session, actor_ids=[o.actor_id for o in rows])
    return {"opportunities": [opportunity_view(o, taxonomies, lang, actor_name=names.get(o.actor_id, ""), private=True)
                              for o in rows]}


def alert_view(a) -> dict:
    return {"id": a.id, "direction": a.direction, "kind": a.kind, "modalities": a.modalities, "regions": a.regions}


@router.get("/alerts", responses=ERRORS)
def alerts(session: SessionDep, p: Annotated[Principal, Depends(require("account.self"))]) -> dict:
    """Your saved searches."""
    return {"alerts": [alert_view(a) for a in service.alerts_of(session, user_id=p.user_id or 0)]}


@router.post("/alerts", responses=ERRORS, status_code=201)
def save_alert(request: Request, session: SessionDep, taxonomies: TaxonomiesDep, body: Json,
               p: Annotated[Principal, Depends(require("account.self"))]) -> dict:
    """Save a search `{"direction", "kind", "modalities", "regions"}`: each newly published
    opportunity meeting it is notified (kind `opportunities.alert`: at once or in the daily
    digest, as set in your notification settings, with unsubscribe)."""
    if p.user_id is None:
        raise Refused(service.FieldError("", "not allowed: {action}", params={"action": "account.self"}), status=403,
                      detail="not allowed: account.self")
    try:
        alert = service.save_alert(session, user_id=p.user_id, ip=client_ip(request), raw=body, taxonomies=taxonomies)
    except (service.FieldError, service.OpportunityError) as exc:
        raise problem(exc) from None
    return alert_view(alert)


@router.delete("/alerts/{alert_id}", responses=ERRORS)
def delete_alert(alert_id: Id, session: SessionDep, p: Annotated[Principal, Depends(require("account.self"))]) -> dict:
    """Delete one of your saved searches."""
    try:
        service.delete_alert(session, user_id=p.user_id or 0, alert_id=alert_id)
    except service.OpportunityError as exc:
        raise problem(exc) from None
    return {"deleted": alert_id}


@router.post("/actors/{actor_id}", responses=ERRORS, status_code=201)
def create(request: Request, actor_id: Id, session: SessionDep, taxonomies: TaxonomiesDep, body: Json,
           p: Annotated[Principal, Depends(require("opportunities.edit"))], lang: Lang = "fr") -> dict:
    """A new draft for the actor (its members): the shape in docs/opportunities.md, e.g.
    `{"direction": "request", "kind": "capacity", "title_fr": "...", "modalities": ["aav"],
    "capacity": {"scale_min_l": 200, "scale_max_l": 500, "gmp": "gmp_clinical"}}`."""
    scope = service.scope_of(session, actor_id=actor_id)
    if scope is None:
        raise not_found("actor_id", "No actor with this number.", detail=f"no actor {actor_id}")
    authorize(request, p, "opportunities.edit", scope, target=f"actor:{actor_id}")
    try:
        opp = service.create(session, user_id=p.user_id, ip=client_ip(request), actor_id=actor_id, raw=body,
                             taxonomies=taxonomies)
    except (service.FieldError, service.OpportunityError) as exc:
        raise problem(exc) from None
    return {**opportunity_view(opp, taxonomies, lang, actor_name="", private=True),
            "quality": [{"rule": r, "met": ok} for r, ok in service.quality_of(opp)]}


@router.get("/{opportunity_id}", responses=ERRORS)
def read(request: Request, opportunity_id: Id, session: SessionDep, taxonomies: TaxonomiesDep, lang: Lang = "fr") -> dict:
    """An opportunity (a confidential one without its organisation's name, for those it has not accepted)."""
    opp, p, may_edit = visible(request, session, opportunity_id)
    out = opportunity_view(opp, taxonomies, lang, actor_name=name_of(session, opp, p), private=may_edit)
    if may_edit:
        out["quality"] = [{"rule": r, "met": ok} for r, ok in service.quality_of(opp)]
    return out


@router.put("/{opportunity_id}", responses=ERRORS)
def edit(request: Request, opportunity_id: Id, session: SessionDep, taxonomies: TaxonomiesDep, body: Json,
         p: Annotated[Principal, Depends(require("opportunities.edit"))], lang: Lang = "fr") -> dict:
    """Replace its fields (members of its actor); a published one goes back to draft for review."""
    owned(request, session, p, "opportunities.edit", opportunity_id)
    try:
        opp = service.update(session, user_id=p.user_id, ip=client_ip(request), opportunity_id=opportunity_id,
                             raw=body, taxonomies=taxonomies)
    except (service.FieldError, service.OpportunityError) as exc:
        raise problem(exc) from None
    return opportunity_view(opp, taxonomies, lang, actor_name="", private=True)


@router.post("/{opportunity_id}/submit", responses=ERRORS)
def submit(request: Request, opportunity_id: Id, session: SessionDep,
           p: Annotated[Principal, Depends(require("opportunities.edit"))]) -> dict:
    """Send it to the editors (every quality rule met, else 409 naming them)."""
    owned(request, session, p, "opportunities.edit", opportunity_id)
    try:
        opp = service.submit(session, user_id=p.user_id, ip=client_ip(request), opportunity_id=opportunity_id)
    except (service.FieldError, service.OpportunityError) as exc:
        raise problem(exc) from None
    return {"id": opp.id, "status": opp.status}


@router.post("/{opportunity_id}/review", responses=ERRORS)
def review(request: Request, opportunity_id: Id, session: SessionDep, body: Json,
           p: Annotated[Principal, Depends(require("opportunities.review"))]) -> dict:
    """`{"decision": "publish" | "reject", "reason": "..."}` (editors of the actor's region)."""
    owned(request, session, p, "opportunities.review", opportunity_id)
    try:
        opp = service.review(session, user_id=p.user_id, ip=client_ip(request), opportunity_id=opportunity_id,
                             decision=body.get("decision"), reason=body.get("reason"))
    except (service.FieldError, service.OpportunityError) as exc:
        raise problem(exc) from None
    return {"id": opp.id, "status": opp.status, "expires_on": opp.expires_on.isoformat() if opp.expires_on else None}


@router.post("/{opportunity_id}/close", responses=ERRORS)
def close(request: Request, opportunity_id: Id, session: SessionDep, body: Json,
          p: Annotated[Principal, Depends(require("opportunities.edit"))]) -> dict:
    """`{"outcome": "subcontracting" | "licence" | "research_collaboration" | "eu_proposal" | "none", "note": "..."}`."""
    owned(request, session, p, "opportunities.edit", opportunity_id)
    try:
        opp = service.close(session, user_id=p.user_id, ip=client_ip(request), opportunity_id=opportunity_id,
                            outcome=body.get("outcome"), note=body.get("note"))
    except (service.FieldError, service.OpportunityError) as exc:
        raise problem(exc) from None
    return {"id": opp.id, "status": opp.status, "outcome": opp.outcome}


@router.post("/{opportunity_id}/renew", responses=ERRORS)
def renew(request: Request, opportunity_id: Id, session: SessionDep, body: Json,
          p: Annotated[Principal, Depends(require("opportunities.edit"))]) -> dict:
    """`{"days": 1..366}`: listed again until today + days."""
    owned(request, session, p, "opportunities.edit", opportunity_id)
    try:
        opp = service.renew(session, user_id=p.user_id, ip=client_ip(request), opportunity_id=opportunity_id,
                            days=body.get("days", service.DEFAULT_DAYS))
    except (service.FieldError, service.OpportunityError) as exc:
        raise problem(exc) from None
    return {"id": opp.id, "status": opp.status, "expires_on": opp.expires_on.isoformat() if opp.expires_on else None}


@router.get("/{opportunity_id}/matches", responses=ERRORS)
def matches(request: Request, opportunity_id: Id, session: SessionDep, taxonomies: TaxonomiesDep, lang: Lang = "fr",
            limit: Annotated[int, Query(ge=1, le=50)] = 10) -> dict:
    """Ranked suggestions with their reasons: for a request, offers and capacity profiles meeting
    its hard constraints (scale, GMP grade, window, scope); for an offer, the requests it answers."""
    opp, p, _ = visible(request, session, opportunity_id)
    found = service.matches(session, opportunity_id=opp.id, taxonomies=taxonomies, principal=p, limit=limit)
    return {"opportunity_id": opp.id, "direction": opp.direction,
            "matches": [match_view(m, taxonomies, lang) for m in found]}


@router.post("/{opportunity_id}/interest", responses=ERRORS, status_code=201)
def interest(request: Request, opportunity_id: Id, session: SessionDep, body: Json,
             p: Annotated[Principal, Depends(require("opportunities.interest"))]) -> dict:
    """Express interest: `{"what": "what we bring", "why": "why it fits", "message": "...", "actor_id": on behalf of}`."""
    if service.get(session, opportunity_id=opportunity_id) is None:
        raise not_found("opportunity_id", "No opportunity with this number.", detail=f"no opportunity {opportunity_id}")
    if p.user_id is None:  # the policy admits logged-in accounts only
        raise Refused(service.FieldError("", "not allowed: {action}", params={"action": "opportunities.interest"}), status=403,
                      detail="not allowed: opportunities.interest")
    try:
        i = service.express_interest(session, user_id=p.user_id, ip=client_ip(request), opportunity_id=opportunity_id,
                                     raw=body, member_of=p.member_of)
    except (service.FieldError, service.OpportunityError) as exc:
        raise problem(exc) from None
    return interest_view(i)


@router.get("/{opportunity_id}/interests", responses=ERRORS)
def interests(request: Request, opportunity_id: Id, session: SessionDep,
              p: Annotated[Principal, Depends(require("opportunities.edit"))]) -> dict:
    """The expressions of interest received (members of the opportunity's actor)."""
    opp = owned(request, session, p, "opportunities.edit", opportunity_id)
    return {"interests": [interest_view(i) for i in service.interests_of(session, opportunity_id=opp.id)]}


@router.post("/{opportunity_id}/interests/{interest_id}/answer", responses=ERRORS)
def answer(request: Request, opportunity_id: Id, interest_id: Id, session: SessionDep, body: Json,
           p: Annotated[Principal, Depends(require("opportunities.edit"))]) -> dict:
    """`{"decision": "accept" | "decline"}`; accepting opens a conversation thread (`thread_id`)."""
    owned(request, session, p, "opportunities.edit", opportunity_id)
    try:
        i = service.answer_interest(session, user_id=p.user_id, ip=client_ip(request), opportunity_id=opportunity_id,
                                    interest_id=interest_id, decision=body.get("decision"))
    except (service.FieldError, service.OpportunityError) as exc:
        raise problem(exc) from None
    return interest_view(i)


__all__ = ["DIRECTIONS", "KINDS", "router"]

"""JSON API of the job board under /api/v1/jobboard: search the open offers, read one (with its
JobPosting), ROME suggestions for a title, and for the employer's members publish, edit, close.
The same service calls as the HTML pages."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request

from bioatlas.accounts.policy import Principal, authorize, client_ip, require
from bioatlas.core.deps import SessionDep
from bioatlas.jobboard import likely, service
from bioatlas.jobboard.present import offer_view
from bioatlas.web.problems import Problem
from bioatlas.web.refusals import Refused, not_found

router = APIRouter(prefix="/api/v1/jobboard", tags=["jobboard"])
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Lang = Annotated[Literal["fr", "en"], Query()]
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "not logged in"},
    403: {"model": Problem, "description": "not allowed, or bad CSRF token"},
    404: {"model": Problem, "description": "no such actor or offer"},
    409: {"model": Problem, "description": "the offer is not in a state that allows it"},
    422: {"model": Problem, "description": "a field or parameter is refused (named in the message)"}}
SEARCH_PARAMS = ("q", "rome", "contract", "region", "departement", "gmp", "modality", "step", "near", "km", "limit",
                 "offset")


def refused(exc: service.FieldError) -> HTTPException:
    """422 `{field, message}` (English) for the API; a page shows `.refusal` translated."""
    return Refused(exc, status=422, detail={"field": exc.field, "message": exc.message})


def query_from(request: Request) -> service.OfferQuery:
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        if key in SEARCH_PARAMS:
            params.setdefault(key, []).append(value[:200])
    try:
        return service.parse_query(params)
    except service.FieldError as exc:
        raise refused(exc) from None


def actor_or_404(request: Request, session, p: Principal, actor_id: int) -> None:
    scope = service.actor_scope(session, actor_id=actor_id)
    if scope is None:
        raise not_found("actor_id", "No actor with this number.", detail=f"no actor with id {actor_id}")
    authorize(request, p, "jobboard.publish", scope, target=f"actor:{actor_id}")


def offer_or_404(session, offer_id: int) -> service.JobOffer:
    offer = service.get_offer(session, offer_id=offer_id)
    if offer is None:
        raise not_found("offer_id", "No job offer with this number.", detail=f"no job offer with id {offer_id}")
    return offer


def managed_offer(request: Request, session, p: Principal, offer_id: int) -> service.JobOffer:
    offer = offer_or_404(session, offer_id)
    authorize(request, p, "jobboard.publish", service.offer_scope(session, offer=offer), target=f"job_offer:{offer_id}")
    return offer


@router.get("/offers", responses=ERRORS)
def offers(request: Request, session: SessionDep, lang: Lang = "fr",
           q: Annotated[str | None, Query(max_length=200)] = None,
           rome: Annotated[str | None, Query(max_length=5)] = None,
           contract: Annotated[list[str] | None, Query(max_length=10)] = None,
           region: Annotated[str | None, Query(max_length=3)] = None,
           departement: Annotated[str | None, Query(max_length=3)] = None,
           gmp: Annotated[str | None, Query(max_length=5)] = None,
           modality: Annotated[list[str] | None, Query(max_length=20, description="the employer's modality "
                                                        "(atlas taxonomy code, subtree included)")] = None,
           step: Annotated[list[str] | None, Query(max_length=20, description="the employer's value-chain step")] = None,
           near: Annotated[str | None, Query(max_length=5, description="postcode or INSEE code of a commune")] = None,
           km: Annotated[str | None, Query(max_length=3, description="radius around `near`, 1-300 km (30)")] = None,
           limit: Annotated[str | None, Query(max_length=4)] = None,
           offset: Annotated[str | None, Query(max_length=9)] = None) -> dict:
    """Open offers, newest first, with facet counts (contract, rome, region, and the employer's
    stated or inferred `modality` and value-chain `step`): `?q=technicien&rome=H23&contract=cdi&region=11&gmp=1`,
    `?modality=viral_vector&step=upstream`, or around a commune: `?near=91000&km=20`."""
    query = query_from(request)
    result = service.search(session, query=query)
    return {"total": result.total, "query": query.chosen, "offers": [offer_view(o, lang) for o in result.offers],
            "facets": {name: dict(c.most_common()) for name, c in result.facets.items()}}


@router.get("/offers/{offer_id}", responses=ERRORS)
def offer(request: Request, offer_id: Id, session: SessionDep, lang: Lang = "fr") -> dict:
    """One offer (open or closed), its schema.org JobPosting, and `rome_now`: its occupation in the
    newest ROME loaded (the current code and label, mapped where the ROME files say so)."""
    o = offer_or_404(session, offer_id)
    base = str(request.base_url).rstrip("/")
    return {**offer_view(o, lang), "rome_now": service.rome_now(session, offer=o).as_dict(),
            "job_posting": service.job_posting(o, base_url=base, lang=lang)}


@router.get("/rome-suggestions", responses=ERRORS)
def suggestions(session: SessionDep, title: Annotated[str, Query(min_length=2, max_length=200)]) -> dict:
    """ROME appellations matching the words of an offer's title (the author confirms one)."""
    return {"title": title, "suggestions": service.suggest_titles(session, title=title)}


@router.get("/indicators", responses=ERRORS)
def indicators(session: SessionDep) -> dict:
    """Observatory figures of the board: open offers by ROME family, region and contract (demo
    offers apart), median days to close, beside the 10,000-jobs target: offers, not jobs created."""
    return service.indicators(session)


@router.get("/likely-employers", responses=ERRORS)
def likely_employers(session: SessionDep, rome: Annotated[str, Query(min_length=1, max_length=5)],
                     region: Annotated[str | None, Query(max_length=3)] = None, lang: Lang = "fr") -> dict:
    """Sector actors likely to hire for a ROME code even without a posted offer, best first, with
    their score and the reasons (the weighting is documented in docs/jobboard.md)."""
    try:
        found = service.likely_employers(session, rome_code=rome, region=region or None)
    except service.FieldError as exc:
        raise refused(exc) from None
    return {"rome": rome.upper(), "method": likely.SOURCE[lang], "employers": found}


@router.post("/actors/{actor_id}/offers", status_code=201, responses=ERRORS)
def publish(request: Request, actor_id: Id, session: SessionDep,
            p: Annotated[Principal, Depends(require("jobboard.publish"))],
            body: Annotated[dict, Body()], lang: Lang = "fr") -> dict:
    """Publish an offer of the actor for one of its sites (`site_id`); fields in docs/jobboard.md."""
    actor_or_404(request, session, p, actor_id)
    try:
        o = service.publish(session, actor_id=actor_id, site_id=body.get("site_id"), raw=body, user_id=p.user_id,
                            ip=client_ip(request), default_days=request.app.state.settings.jobboard_offer_days)
    except service.FieldError as exc:
        raise refused(exc) from None
    except service.NotFound as exc:  # the actor was removed since actor_or_404
        raise not_found("actor_id", "No actor with this number.", detail=str(exc)) from None
    return offer_view(o, lang)


@router.put("/offers/{offer_id}", responses=ERRORS)
def edit(request: Request, offer_id: Id, session: SessionDep,
         p: Annotated[Principal, Depends(require("jobboard.publish"))],
         body: Annotated[dict, Body()], lang: Lang = "fr") -> dict:
    """Replace an offer's values (the same checks as publishing)."""
    o = managed_offer(request, session, p, offer_id)
    try:
        service.update(session, offer=o, site_id=body.get("site_id"), raw=body, user_id=p.user_id,
                       ip=client_ip(request), default_days=request.app.state.settings.jobboard_offer_days)
    except service.Conflict as exc:  # a FieldError too: the offer's state, not the body
        raise Refused(exc, status=409, detail=str(exc)) from None
    except service.FieldError as exc:
        raise refused(exc) from None
    return offer_view(o, lang)


@router.post("/offers/{offer_id}/close", responses=ERRORS)
def close(request: Request, offer_id: Id, session: SessionDep,
          p: Annotated[Principal, Depends(require("jobboard.publish"))], lang: Lang = "fr") -> dict:
    """Close an offer (filled or withdrawn)."""
    o = managed_offer(request, session, p, offer_id)
    try:
        service.close(session, offer=o, user_id=p.user_id, ip=client_ip(request))
    except service.Conflict as exc:
        raise Refused(exc, status=409, detail=str(exc)) from None
    return offer_view(o, lang)

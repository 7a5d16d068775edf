"""JSON API of contributions: propose (correction or new actor), the moderation queue, review."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from bioatlas.accounts.policy import Principal, authorize, client_ip, require
from bioatlas.accounts.deps import rate_limit
from bioatlas.atlas.service import TaxonomiesDep
from bioatlas.contributions import service
from bioatlas.contributions.forms import changed_only, checked, checked_site
from bioatlas.contributions.sites import SITE_KINDS
from bioatlas.contributions.models import Contribution
from bioatlas.contributions.service import ContributionError, contribution_scope
from bioatlas.core.deps import SessionDep, SettingsDep
from bioatlas.core.fields import FieldError
from bioatlas.web.refusals import Refused, not_found

router = APIRouter(prefix="/api/v1", tags=["contributions"])
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
ERRORS = {401: {"description": "not logged in"}, 403: {"description": "not allowed or bad CSRF token"},
          404: {"description": "no such object"}, 409: {"description": "wrong state"},
          422: {"description": "a field is refused"}, 429: {"description": "rate limited"}}


class ProposalIn(BaseModel):
    """A correction (`actor_id` in the path) or a new actor (POST /contributions). Unknown keys
    are refused, in the body and inside `fields` (no role, no verified flag, no id)."""

    model_config = ConfigDict(extra="forbid")
    fields: dict[str, str | float | list[str]] = Field(max_length=20)
    note: str | None = Field(None, max_length=5000)


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["accept", "amend", "reject"]
    message: str | None = Field(None, max_length=2000)
    fields: dict[str, str | float | list[str]] | None = Field(None, max_length=20)


def as_dict(c: Contribution) -> dict:
    return {"id": c.id, "kind": c.kind, "status": c.status, "actor_id": c.actor_id, "author_id": c.author_id,
            "payload": {k: v for k, v in json.loads(c.payload).items() if not k.startswith("_")}, "note": c.note,
            "review_message": c.review_message, "created_at": c.created_at.isoformat(),
            "reviewed_at": c.reviewed_at.isoformat() if c.reviewed_at else None}


def _note(request, body, taxonomies, settings, p) -> str | None:
    if not body.note:
        return None
    return checked(request, {"description_fr": body.note}, taxonomies, settings, p)["description_fr"]


@router.post("/actors/{actor_id}/proposals", status_code=201, responses=ERRORS)
def propose_correction(request: Request, actor_id: Id, body: ProposalIn, session: SessionDep,
                       taxonomies: TaxonomiesDep, settings: SettingsDep,
                       p: Annotated[Principal, Depends(require("actor.propose"))]) -> dict:
    rate_limit(request, "proposal", "rate_limit_proposals", p)
    actor = service.get_actor(session, actor_id=actor_id)
    if actor is None:
        raise not_found("actor_id", "No actor with this number.", detail=f"no actor with id {actor_id}")
    fields = changed_only(actor, checked(request, body.fields, taxonomies, settings, p))
    if not fields:
        raise Refused(FieldError("fields", "nothing differs from the actor's current values"),
                      detail="fields: nothing differs from the actor's current values")
    c = service.propose(session, principal=p, actor=actor, fields=fields,
                        note=_note(request, body, taxonomies, settings, p), ip=client_ip(request))
    return as_dict(c)


@router.post("/contributions", status_code=201, responses=ERRORS)
def propose_new_actor(request: Request, body: ProposalIn, session: SessionDep, taxonomies: TaxonomiesDep,
                      settings: SettingsDep, p: Annotated[Principal, Depends(require("actor.propose"))]) -> dict:
    rate_limit(request, "proposal", "rate_limit_proposals", p)
    fields = checked(request, body.fields, taxonomies, settings, p, new_actor=True)
    c = service.propose(session, principal=p, actor=None, fields=fields,
                        note=_note(request, body, taxonomies, settings, p), ip=client_ip(request))
    return as_dict(c)


@router.get("/contributions", responses=ERRORS)
def moderation_queue(session: SessionDep, p: Annotated[Principal, Depends(require("moderation.queue"))]) -> list[dict]:
    """The pending contributions this editor may review (their regions and clusters)."""
    return [as_dict(c) for c in service.review_queue(session, principal=p)]


@router.get("/contributions/{contribution_id}", responses=ERRORS)
def get_contribution(request: Request, contribution_id: Id, session: SessionDep,
                     p: Annotated[Principal, Depends(require("contribution.read"))]) -> dict:
    c = service.get_contribution(session, contribution_id=contribution_id)
    if c is None:
        raise not_found("contribution_id", "No contribution with this number.",
                        detail=f"no contribution with id {contribution_id}")
    authorize(request, p, "contribution.read", contribution_scope(session, contribution=c),
              target=f"contribution:{c.id}")
    return as_dict(c)


@router.post("/contributions/{contribution_id}/review", responses=ERRORS)
def review(request: Request, contribution_id: Id, body: ReviewIn, session: SessionDep, taxonomies: TaxonomiesDep,
           settings: SettingsDep, p: Annotated[Principal, Depends(require("contribution.review"))]) -> dict:
    c = service.get_contribution(session, contribution_id=contribution_id)
    if c is None:
        raise not_found("contribution_id", "No contribution with this number.",
                        detail=f"no contribution with id {contribution_id}")
    authorize(request, p, "contribution.review", contribution_scope(session, contribution=c),
              target=f"contribution:{c.id}")
    amended = None
    if body.decision == "amend":
        if not body.fields:
            raise Refused(FieldError("fields", "an amendment gives the fields to publish"),
                          detail="fields: an amendment gives the fields to publish")
        if c.kind in SITE_KINDS:
            actor = service.get_actor(session, actor_id=c.actor_id) if c.actor_id else None
            amended = checked_site(request, actor, action="", site_id=None, raw=body.fields, taxonomies=taxonomies,
                                   p=p, amending=c)[1]
        else:
            amended = checked(request, body.fields, taxonomies, settings, p, new_actor=c.kind == "new_actor")
    message = checked(request, {"description_fr": body.message}, taxonomies, settings, p).get("description_fr") \
        if body.message and body.message.strip() else None
    try:
        service.review(session, reviewer=p, contribution=c, decision=body.decision, message=message, amended=amended)
    except ContributionError as exc:
        raise Refused(exc, status=409, detail=str(exc)) from None
    return as_dict(c)


class SiteProposalIn(BaseModel):
    """A site of the actor corrected (`action` "edit", `site_id`), added ("add") or removed
    ("remove", `site_id`). `fields`: role, address, postcode, commune (name or INSEE code),
    country, latitude, longitude; on "edit" they replace the site's current ones. Without
    coordinates the site is placed at its commune."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["edit", "add", "remove"]
    site_id: int | None = Field(None, ge=1, le=2**31 - 1)
    fields: dict[str, str | float | None] = Field(default_factory=dict, max_length=10)
    note: str | None = Field(None, max_length=5000)


@router.post("/actors/{actor_id}/sites/proposals", status_code=201, responses=ERRORS)
def propose_site(request: Request, actor_id: Id, body: SiteProposalIn, session: SessionDep,
                 taxonomies: TaxonomiesDep, settings: SettingsDep,
                 p: Annotated[Principal, Depends(require("actor.propose"))]) -> dict:
    """Published at once (status "accepted") for the actor's members and its region's editors,
    otherwise "pending" until an editor of the actor's or the site's region reviews it."""
    rate_limit(request, "proposal", "rate_limit_proposals", p)
    actor = service.get_actor(session, actor_id=actor_id)
    if actor is None:
        raise not_found("actor_id", "No actor with this number.", detail=f"no actor with id {actor_id}")
    kind, payload = checked_site(request, actor, action=body.action, site_id=body.site_id, raw=body.fields,
                                 taxonomies=taxonomies, p=p)
    try:
        c = service.propose_site(session, principal=p, actor=actor, kind=kind, payload=payload,
                                 note=_note(request, body, taxonomies, settings, p), ip=client_ip(request))
    except ContributionError as exc:
        raise Refused(exc, status=409, detail=str(exc)) from None
    return as_dict(c)

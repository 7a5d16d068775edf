"""Contribution pages: claim, edit (members, editors), propose a correction or a new actor,
the moderation queue and its decisions, reverting a change, my contributions."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from bioatlas.accounts.policy import Principal, authorize, client_ip, require
from bioatlas.accounts.deps import rate_limit
from bioatlas.atlas.service import Actor, TaxonomiesDep
from bioatlas.contributions import service, sites
from bioatlas.contributions.forms import (
    changed_only,
    checked,
    checked_site,
    current_values,
    form_data,
    note_of,
    raw_fields,
)
from bioatlas.contributions.service import (
    ContributionError,
    actor_scope,
    contribution_scope,
)
from bioatlas.core.deps import SessionDep, SettingsDep, TranslatorDep
from bioatlas.core.fields import FieldError
from bioatlas.web.pages import redirect, render
from bioatlas.web.refusals import Refused, not_found

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Form = Annotated[FormData, Depends(form_data)]


def _actor(session, actor_id: int, t) -> Actor:
    actor = service.get_actor(session, actor_id=actor_id)
    if actor is None:
        raise not_found("actor_id", "No actor with this number.")
    return actor


def _form_page(request, t, taxonomies, mode: str, actor=None, values=None, status=200, **extra):
    return render(request, t, "contributions/form.html", status, mode=mode, actor=actor, values=values or {},
                  taxonomies=taxonomies, **extra)


@router.post("/actors/{actor_id}/claim", response_class=HTMLResponse)
def claim(request: Request, actor_id: Id, session: SessionDep, t: TranslatorDep, form: Form,
          settings: SettingsDep, p: Annotated[Principal, Depends(require("actor.claim"))]):
    rate_limit(request, "proposal", "rate_limit_proposals", p)
    actor = _actor(session, actor_id, t)
    try:
        c = service.claim(session, principal=p, actor=actor, note=note_of(form, settings.max_contribution_chars),
                          ip=client_ip(request))
    except ContributionError as exc:
        raise Refused(exc) from None
    message = (t("Your claim is verified: you can now edit this actor.") if c.status == "accepted"
               else t("Your claim is waiting for an editor's review."))
    return render(request, t, "contributions/done.html", message=message, actor=actor)


@router.get("/actors/{actor_id}/edit", response_class=HTMLResponse)
def edit_form(request: Request, actor_id: Id, session: SessionDep, t: TranslatorDep, taxonomies: TaxonomiesDep,
              p: Annotated[Principal, Depends(require("actor.edit"))]):
    actor = _actor(session, actor_id, t)
    authorize(request, p, "actor.edit", actor_scope(session, actor=actor), target=f"actor:{actor.id}")
    return _form_page(request, t, taxonomies, "edit", actor, current_values(actor))


@router.post("/actors/{actor_id}/edit", response_class=HTMLResponse)
def edit(request: Request, actor_id: Id, session: SessionDep, t: TranslatorDep, taxonomies: TaxonomiesDep,
         settings: SettingsDep, form: Form, p: Annotated[Principal, Depends(require("actor.edit"))]):
    actor = _actor(session, actor_id, t)
    authorize(request, p, "actor.edit", actor_scope(session, actor=actor), target=f"actor:{actor.id}")
    rate_limit(request, "proposal", "rate_limit_proposals", p)
    fields = changed_only(actor, checked(request, raw_fields(form), taxonomies, settings, p))
    if not fields:
        return _form_page(request, t, taxonomies, "edit", actor, current_values(actor), 422,
                          error=t("Nothing changed."))
    service.edit(session, principal=p, actor=actor, fields=fields,
                 note=note_of(form, settings.max_contribution_chars), ip=client_ip(request))
    return redirect(f"/actors/{actor.id}")


@router.get("/actors/{actor_id}/propose", response_class=HTMLResponse)
def propose_form(request: Request, actor_id: Id, session: SessionDep, t: TranslatorDep, taxonomies: TaxonomiesDep,
                 _: Annotated[Principal, Depends(require("actor.propose"))]):
    actor = _actor(session, actor_id, t)
    return _form_page(request, t, taxonomies, "propose", actor, current_values(actor))


@router.post("/actors/{actor_id}/propose", response_class=HTMLResponse)
def propose(request: Request, actor_id: Id, session: SessionDep, t: TranslatorDep, taxonomies: TaxonomiesDep,
            settings: SettingsDep, form: Form, p: Annotated[Principal, Depends(require("actor.propose"))]):
    rate_limit(request, "proposal", "rate_limit_proposals", p)
    actor = _actor(session, actor_id, t)
    fields = changed_only(actor, checked(request, raw_fields(form), taxonomies, settings, p))
    if not fields:
        return _form_page(request, t, taxonomies, "propose", actor, current_values(actor), 422,
                          error=t("Nothing changed."))
    service.propose(session, principal=p, actor=actor, fields=fields,
                    note=note_of(form, settings.max_contribution_chars), ip=client_ip(request))
    return render(request, t, "contributions/done.html", actor=actor,
                  message=t("Thank you: your proposal is waiting for an editor's review."))


@router.get("/contribute/new", response_class=HTMLResponse)
def new_form(request: Request, t: TranslatorDep, taxonomies: TaxonomiesDep,
             _: Annotated[Principal, Depends(require("actor.propose"))]):
    return _form_page(request, t, taxonomies, "new")


@router.post("/contribute/new", response_class=HTMLResponse)
def new_actor(request: Request, session: SessionDep, t: TranslatorDep, taxonomies: TaxonomiesDep,
              settings: SettingsDep, form: Form, p: Annotated[Principal, Depends(require("actor.propose"))]):
    rate_limit(request, "proposal", "rate_limit_proposals", p)
    fields = checked(request, raw_fields(form), taxonomies, settings, p, new_actor=True)
    service.propose(session, principal=p, actor=None, fields=fields,
                    note=note_of(form, settings.max_contribution_chars), ip=client_ip(request))
    return render(request, t, "contributions/done.html",
                  message=t("Thank you: your proposal is waiting for an editor's review."))


@router.get("/moderation", response_class=HTMLResponse)
def queue(request: Request, session: SessionDep, t: TranslatorDep, taxonomies: TaxonomiesDep,
          p: Annotated[Principal, Depends(require("moderation.queue"))]):
    page = service.queue_page(session, principal=p)
    befores = {c.id: current_values(page["actors"][c.actor_id]) for c in page["items"]
               if c.kind not in ("new_actor", *sites.SITE_KINDS) and c.actor_id in page["actors"]}
    befores.update({c.id: sites.before_of(page["actors"].get(c.actor_id), page["payloads"][c.id])
                    for c in page["items"] if c.kind == "site_edit"})
    return render(request, t, "contributions/queue.html", taxonomies=taxonomies, befores=befores, **page)


@router.post("/moderation/{contribution_id}", response_class=HTMLResponse)
def decide(request: Request, contribution_id: Id, session: SessionDep, t: TranslatorDep, taxonomies: TaxonomiesDep,
           settings: SettingsDep, form: Form, p: Annotated[Principal, Depends(require("contribution.review"))]):
    c = service.get_contribution(session, contribution_id=contribution_id)
    if c is None:
        raise not_found("contribution_id", "No contribution with this number.")
    authorize(request, p, "contribution.review", contribution_scope(session, contribution=c),
              target=f"contribution:{c.id}")
    decision = form.get("decision")
    if decision not in ("accept", "amend", "reject"):
        raise Refused(FieldError("decision", "expected accept, amend or reject"))
    message = note_of(FormData([("note", form.get("message") or "")]), settings.max_contribution_chars)
    amended = None
    if decision == "amend" and c.kind in sites.SITE_KINDS:
        actor = service.get_actor(session, actor_id=c.actor_id) if c.actor_id else None
        amended = checked_site(request, actor, action="", site_id=None, raw=raw_fields(form), taxonomies=taxonomies,
                               p=p, amending=c)[1]
    elif decision == "amend":
        amended = checked(request, raw_fields(form), taxonomies, settings, p, new_actor=c.kind == "new_actor")
    try:
        service.review(session, reviewer=p, contribution=c, decision=decision, message=message, amended=amended)
    except ContributionError as exc:
        raise Refused(exc) from None
    return redirect("/moderation")


@router.post("/actors/{actor_id}/history/{change_id}/revert", response_class=HTMLResponse)
def revert(request: Request, actor_id: Id, change_id: Id, session: SessionDep, t: TranslatorDep,
           p: Annotated[Principal, Depends(require("actor.revert"))]):
    actor = _actor(session, actor_id, t)
    authorize(request, p, "actor.revert", actor_scope(session, actor=actor), target=f"actor:{actor.id}")
    change = service.get_change(session, actor_id=actor.id, change_id=change_id)
    if change is None:
        raise not_found("change_id", "No such change in this actor's history.")
    try:
        service.revert(session, editor=p, change=change)
    except ContributionError as exc:
        raise Refused(exc) from None
    return redirect(f"/actors/{actor.id}#history")


@router.get("/contributions/mine", response_class=HTMLResponse)
def mine(request: Request, session: SessionDep, t: TranslatorDep, taxonomies: TaxonomiesDep,
         p: Annotated[Principal, Depends(require("account.self"))]):
    items = service.mine(session, user_id=p.user_id)
    return render(request, t, "contributions/mine.html", items=items, taxonomies=taxonomies,
                  payloads={c.id: json.loads(c.payload) for c in items})

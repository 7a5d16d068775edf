"""Contribution pages: claim, edit (members, editors), propose a correction or a new actor,
the moderation queue and its decisions, reverting a change, my contributions."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from starlette.datastructures import FormData

from bioatlas.accounts import audit
from bioatlas.accounts.models import User
from bioatlas.accounts.policy import Principal, authorize, can, client_ip, require
from bioatlas.accounts.web import rate_limit
from bioatlas.atlas.deps import TaxonomiesDep
from bioatlas.atlas.models import Actor, ActorChange
from bioatlas.contributions import service
from bioatlas.contributions.forms import changed_only, checked, current_values, form_data, note_of, raw_fields
from bioatlas.contributions.models import Contribution
from bioatlas.contributions.service import ContributionError, actor_scope, contribution_scope
from bioatlas.core.deps import SessionDep, SettingsDep, TranslatorDep
from bioatlas.web.pages import redirect, render

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Form = Annotated[FormData, Depends(form_data)]


def _actor(session, actor_id: int, t) -> Actor:
    actor = session.get(Actor, actor_id)
    if actor is None:
        raise HTTPException(404, detail=t("No actor with this number."))
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
        c = service.claim(session, p, session.get(User, p.user_id), actor, note_of(form, settings.max_contribution_chars))
    except ContributionError as exc:
        raise HTTPException(409, detail=str(exc)) from None
    audit.record(session, "contribution", user_id=p.user_id, ip=client_ip(request), target=f"actor:{actor.id}",
                 detail={"kind": "claim", "status": c.status})
    session.commit()
    message = (t("Your claim is verified: you can now edit this actor.") if c.status == "accepted"
               else t("Your claim is waiting for an editor's review."))
    return render(request, t, "contributions/done.html", message=message, actor=actor)


@router.get("/actors/{actor_id}/edit", response_class=HTMLResponse)
def edit_form(request: Request, actor_id: Id, session: SessionDep, t: TranslatorDep, taxonomies: TaxonomiesDep,
              p: Annotated[Principal, Depends(require("actor.edit"))]):
    actor = _actor(session, actor_id, t)
    authorize(request, p, "actor.edit", actor_scope(session, actor), target=f"actor:{actor.id}")
    return _form_page(request, t, taxonomies, "edit", actor, current_values(actor))


@router.post("/actors/{actor_id}/edit", response_class=HTMLResponse)
def edit(request: Request, actor_id: Id, session: SessionDep, t: TranslatorDep, taxonomies: TaxonomiesDep,
         settings: SettingsDep, form: Form, p: Annotated[Principal, Depends(require("actor.edit"))]):
    actor = _actor(session, actor_id, t)
    authorize(request, p, "actor.edit", actor_scope(session, actor), target=f"actor:{actor.id}")
    rate_limit(request, "proposal", "rate_limit_proposals", p)
    fields = changed_only(actor, checked(request, raw_fields(form), taxonomies, settings, p))
    if not fields:
        return _form_page(request, t, taxonomies, "edit", actor, current_values(actor), 422,
                          error=t("Nothing changed."))
    service.create(session, p, "edit", actor, fields, note_of(form, settings.max_contribution_chars), "accepted")
    service.apply_fields(session, actor, fields, p.user_id)
    audit.record(session, "contribution", user_id=p.user_id, ip=client_ip(request), target=f"actor:{actor.id}",
                 detail={"kind": "edit", "fields": sorted(fields)})
    session.commit()
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
    service.create(session, p, "correction", actor, fields, note_of(form, settings.max_contribution_chars))
    audit.record(session, "contribution", user_id=p.user_id, ip=client_ip(request), target=f"actor:{actor.id}",
                 detail={"kind": "correction", "fields": sorted(fields)})
    session.commit()
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
    service.create(session, p, "new_actor", None, fields, note_of(form, settings.max_contribution_chars))
    audit.record(session, "contribution", user_id=p.user_id, ip=client_ip(request), detail={"kind": "new_actor"})
    session.commit()
    return render(request, t, "contributions/done.html",
                  message=t("Thank you: your proposal is waiting for an editor's review."))


@router.get("/moderation", response_class=HTMLResponse)
def queue(request: Request, session: SessionDep, t: TranslatorDep, taxonomies: TaxonomiesDep,
          p: Annotated[Principal, Depends(require("moderation.queue"))]):
    pending = session.scalars(select(Contribution).where(Contribution.status == "pending")
                              .order_by(Contribution.created_at).limit(500)).all()
    items = [c for c in pending if can(p, "contribution.review", contribution_scope(session, c))]
    actors = {a.id: a for a in session.scalars(select(Actor).where(Actor.id.in_({c.actor_id for c in items if c.actor_id})))}
    authors = dict(session.execute(select(User.id, User.display_name).where(
        User.id.in_({c.author_id for c in items if c.author_id}))).all())
    return render(request, t, "contributions/queue.html", items=items, actors=actors, authors=authors,
                  payloads={c.id: json.loads(c.payload) for c in items}, taxonomies=taxonomies)


@router.post("/moderation/{contribution_id}", response_class=HTMLResponse)
def decide(request: Request, contribution_id: Id, session: SessionDep, t: TranslatorDep, taxonomies: TaxonomiesDep,
           settings: SettingsDep, form: Form, p: Annotated[Principal, Depends(require("contribution.review"))]):
    c = session.get(Contribution, contribution_id)
    if c is None:
        raise HTTPException(404, detail=t("No contribution with this number."))
    authorize(request, p, "contribution.review", contribution_scope(session, c), target=f"contribution:{c.id}")
    decision = form.get("decision")
    if decision not in ("accept", "amend", "reject"):
        raise HTTPException(422, detail="decision: expected accept, amend or reject")
    message = note_of(FormData([("note", form.get("message") or "")]), settings.max_contribution_chars)
    amended = None
    if decision == "amend":
        amended = checked(request, raw_fields(form), taxonomies, settings, p, new_actor=c.kind == "new_actor")
    try:
        service.review(session, p, c, decision, message, amended)
    except ContributionError as exc:
        raise HTTPException(409, detail=str(exc)) from None
    session.commit()
    return redirect("/moderation")


@router.post("/actors/{actor_id}/history/{change_id}/revert", response_class=HTMLResponse)
def revert(request: Request, actor_id: Id, change_id: Id, session: SessionDep, t: TranslatorDep,
           p: Annotated[Principal, Depends(require("actor.revert"))]):
    actor = _actor(session, actor_id, t)
    authorize(request, p, "actor.revert", actor_scope(session, actor), target=f"actor:{actor.id}")
    change = session.get(ActorChange, change_id)
    if change is None or change.actor_id != actor.id:
        raise HTTPException(404, detail=t("No such change in this actor's history."))
    try:
        service.revert(session, p, change)
    except ContributionError as exc:
        raise HTTPException(409, detail=str(exc)) from None
    session.commit()
    return redirect(f"/actors/{actor.id}#history")


@router.get("/contributions/mine", response_class=HTMLResponse)
def mine(request: Request, session: SessionDep, t: TranslatorDep,
         p: Annotated[Principal, Depends(require("account.self"))]):
    items = session.scalars(select(Contribution).where(Contribution.author_id == p.user_id)
                            .order_by(Contribution.id.desc()).limit(500)).all()
    return render(request, t, "contributions/mine.html", items=items,
                  payloads={c.id: json.loads(c.payload) for c in items})

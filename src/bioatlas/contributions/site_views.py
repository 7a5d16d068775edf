"""Site pages: correct a site's address, add a site, remove one, from the actor page. Members of
the actor and editors of its regions publish at once; other users' proposals wait for review."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from bioatlas.accounts.deps import rate_limit
from bioatlas.accounts.policy import Principal, can, client_ip, require
from bioatlas.atlas.service import TaxonomiesDep, find_site
from bioatlas.contributions import service
from bioatlas.contributions.forms import checked_site, form_data, note_of, raw_fields
from bioatlas.contributions.service import ContributionError, actor_scope
from bioatlas.contributions.site_fields import display_of
from bioatlas.core.deps import SessionDep, SettingsDep, TranslatorDep
from bioatlas.core.fields import FieldError
from bioatlas.web.pages import render
from bioatlas.web.refusals import Refused, not_found

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Form = Annotated[FormData, Depends(form_data)]


def _actor(session, actor_id: int, t):
    actor = service.get_actor(session, actor_id=actor_id)
    if actor is None:
        raise not_found("actor_id", "No actor with this number.")
    return actor


@router.get("/actors/{actor_id}/sites/propose", response_class=HTMLResponse)
def site_form(request: Request, actor_id: Id, session: SessionDep, t: TranslatorDep, taxonomies: TaxonomiesDep,
              p: Annotated[Principal, Depends(require("actor.propose"))],
              site: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None):
    actor = _actor(session, actor_id, t)
    current = find_site(actor, site_id=site) if site is not None else None
    if site is not None and current is None:
        raise not_found("actor_id", "No such site for this actor.")
    return render(request, t, "contributions/site_form.html", actor=actor, site_id=site, taxonomies=taxonomies,
                  values=display_of(current) if current is not None else {"role": "hq", "country": "FR"},
                  direct=can(p, "actor.edit", actor_scope(session, actor=actor)))


@router.post("/actors/{actor_id}/sites/propose", response_class=HTMLResponse)
def site_propose(request: Request, actor_id: Id, session: SessionDep, t: TranslatorDep, taxonomies: TaxonomiesDep,
                 settings: SettingsDep, form: Form, p: Annotated[Principal, Depends(require("actor.propose"))]):
    rate_limit(request, "proposal", "rate_limit_proposals", p)
    actor = _actor(session, actor_id, t)
    raw = raw_fields(form)
    given = raw.pop("site_id", "") or ""
    if not isinstance(given, str) or (given and not given.isdigit()) or len(given) > 10:
        raise Refused(FieldError("site_id", "expected a site number"))
    site_id = int(given) if given else None
    action = "remove" if form.get("decision") == "remove" else ("edit" if site_id is not None else "add")
    kind, payload = checked_site(request, actor, action=action, site_id=site_id, raw=raw, taxonomies=taxonomies, p=p)
    try:
        c = service.propose_site(session, principal=p, actor=actor, kind=kind, payload=payload,
                                 note=note_of(form, settings.max_contribution_chars), ip=client_ip(request))
    except ContributionError as exc:
        raise Refused(exc) from None
    message = (t("The site is updated.") if c.status == "accepted"
               else t("Thank you: your proposal is waiting for an editor's review."))
    return render(request, t, "contributions/done.html", message=message, actor=actor)

"""Confirming or rejecting an inferred capability from the actor page (members, editors)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from bioatlas.accounts.policy import Principal, authorize, client_ip, require
from bioatlas.atlas.service import CAPABILITY_FACETS
from bioatlas.contributions import service as contributions
from bioatlas.core.deps import SessionDep, TranslatorDep
from bioatlas.inference import service
from bioatlas.web.pages import redirect
from bioatlas.core.fields import FieldError
from bioatlas.web.refusals import Refused, not_found

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


async def _form(request: Request) -> FormData:
    return await request.form()


def _field(form: FormData, name: str, allowed, t) -> str:
    value = form.get(name)
    if not isinstance(value, str) or value not in allowed:
        raise Refused(FieldError(name, "expected one of {allowed}", params={"allowed": ", ".join(sorted(allowed))}))
    return value


@router.post("/actors/{actor_id}/inferred", response_class=HTMLResponse)
def judge(request: Request, actor_id: Id, session: SessionDep, t: TranslatorDep,
          form: Annotated[FormData, Depends(_form)], p: Annotated[Principal, Depends(require("capability.judge"))]):
    actor = contributions.get_actor(session, actor_id=actor_id)
    if actor is None:
        raise not_found("actor_id", "No actor with this number.")
    authorize(request, p, "capability.judge", contributions.actor_scope(session, actor=actor), target=f"actor:{actor.id}")
    facet = _field(form, "facet", CAPABILITY_FACETS, t)
    decision = _field(form, "decision", service.DECISIONS, t)
    code = form.get("code")
    if not isinstance(code, str) or not code.strip() or len(code) > 40:
        raise Refused(FieldError("code", "required"))
    try:
        service.judge(session, principal=p, actor=actor, facet=facet, code=code, decision=decision,
                      ip=client_ip(request))
    except service.InferenceError as exc:
        raise not_found("code", "This actor has no such inferred capability.", detail=str(exc)) from None
    return redirect(f"/actors/{actor.id}")

"""Creating a call (editors, admins): the call's page of settings."""

from __future__ import annotations

import json
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse

from bioatlas.accounts.policy import Principal, require
from bioatlas.calls import service
from bioatlas.calls.web import Form, act, local_time, text
from bioatlas.core.deps import SessionDep, TranslatorDep
from bioatlas.web.pages import render

router = APIRouter(include_in_schema=False)
Creator = Annotated[Principal, Depends(require("call.create"))]


@router.get("/calls/new", response_class=HTMLResponse)
def new_call_form(request: Request, t: TranslatorDep, _: Creator):
    return render(request, t, "calls/new.html", values={})


def _json(value: str, name: str, default):
    if not value:
        return default
    try:
        return json.loads(value)
    except ValueError as exc:
        raise HTTPException(422, detail=f"{name}: invalid JSON ({exc})") from None


@router.post("/calls/new", response_class=HTMLResponse)
def new_call(request: Request, session: SessionDep, t: TranslatorDep, form: Form, p: Creator):
    tz = text(form, "timezone", 40) or "Europe/Paris"
    try:
        ZoneInfo(tz)
    except (ValueError, KeyError):
        raise HTTPException(422, detail=f"timezone: unknown time zone {tz!r}") from None
    per_item = text(form, "reviewers_per_item", 3)
    return act(lambda call: f"/calls/{call.id}/manage", lambda: service.create_call(
        session, by_user_id=p.user_id, kind=text(form, "kind", 20), title_fr=text(form, "title_fr", 300),
        title_en=text(form, "title_en", 300), text_fr=text(form, "text_fr"), text_en=text(form, "text_en"),
        region=text(form, "region", 3) or None, opens_at=local_time(text(form, "opens_at", 40), tz, "opens_at"),
        closes_at=local_time(text(form, "closes_at", 40), tz, "closes_at"), timezone_name=tz,
        eligibility=_json(text(form, "eligibility"), "eligibility", {}),
        form=_json(text(form, "form"), "form", {"fields": []}),
        criteria=_json(text(form, "criteria"), "criteria", []), blind=form.get("blind") == "on",
        show_others=form.get("show_others") == "on",
        reviewers_per_item=int(per_item) if per_item.isdigit() else 3,
        managers=[p.user_id] if p.user_id else []))

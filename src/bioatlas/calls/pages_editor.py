"""The call editor (no JavaScript): creating a call (editors, admins) and changing a draft
(its managers) through real form fields: the questions of the application form (type,
required, limits; added, removed, moved), the eligibility rules and the review criteria
(weight, scale, threshold). An error shows the page again (422) naming the field."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from bioatlas.accounts.policy import Principal, require
from bioatlas.atlas import service as atlas
from bioatlas.calls import editor, service
from bioatlas.calls.web import REFUSALS, Form, Id, Manager, managed
from bioatlas.core.deps import SessionDep, TranslatorDep
from bioatlas.core.fields import FieldError, refusal_text
from bioatlas.web.pages import redirect, render

router = APIRouter(include_in_schema=False)
Creator = Annotated[Principal, Depends(require("call.create"))]


def page(request: Request, t, state: editor.EditorState, *, action: str, call=None, error: Exception | None = None):
    tax = atlas.taxonomies()
    field = getattr(error, "field", None)
    refusal = error if isinstance(error, FieldError) else getattr(error, "refusal", None)  # an EditorError is one
    refusal = refusal if isinstance(refusal, FieldError) else None
    shown = refusal_text(t, refusal, with_field=True) if refusal is not None else str(error) if error else None
    return render(request, t, "calls/editor.html", status=422 if error else 200, state=state, action=action,
                  call=call, error=shown, error_input=editor.input_of(field),
                  kinds=service.CALL_KINDS, field_types=editor.FIELD_TYPES, accept=editor.ACCEPT,
                  actor_kinds=tax["kinds"].as_list(), modalities=tax["modalities"].as_list(),
                  regions=sorted(atlas.gazetteer().regions.items()))


def posted(request: Request, t, form, *, action: str, call, save):
    """Read the editor's fields, apply its button (add, remove, move), and on `save` write
    through `save(definitions)`; any error shows the page again naming the field."""
    state = None
    try:
        state = editor.read(form)
        op = form.get("op")
        editor.apply(state, op if isinstance(op, str) else "refresh")
        if op != "save":
            return page(request, t, state, action=action, call=call)
        target = save(editor.definitions(state))
    except (editor.EditorError, *REFUSALS) as exc:
        kept = state or getattr(exc, "state", None) or editor.blank()
        return page(request, t, kept, action=action, call=call, error=exc)
    return redirect(f"/calls/{target.id}/manage")


@router.get("/calls/new", response_class=HTMLResponse)
def new_call_form(request: Request, t: TranslatorDep, _: Creator):
    return page(request, t, editor.blank(), action="/calls/new")


@router.post("/calls/new", response_class=HTMLResponse)
def new_call(request: Request, session: SessionDep, t: TranslatorDep, form: Form, p: Creator):
    return posted(request, t, form, action="/calls/new", call=None, save=lambda d: service.create_call(
        session, by_user_id=p.user_id, managers=[p.user_id] if p.user_id else [], **d))


@router.get("/calls/{call_id}/edit", response_class=HTMLResponse)
def edit_call_form(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Manager):
    call = managed(request, session, p, call_id, t)
    panel = service.panel_of(session, call=call)
    return page(request, t, editor.from_call(call, panel.criteria, panel), action=f"/calls/{call.id}/edit", call=call)


@router.post("/calls/{call_id}/edit", response_class=HTMLResponse)
def edit_call(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, form: Form, p: Manager):
    call = managed(request, session, p, call_id, t)
    return posted(request, t, form, action=f"/calls/{call.id}/edit", call=call, save=lambda d: service.update_call(
        session, call=call, by_user_id=p.user_id, **d))

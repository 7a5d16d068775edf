"""Applicants' pages: start an application, one's applications, an application (answers,
co-applicants, files, submission with a rebuttal when it resubmits, withdrawal, opt-in,
resubmission to an open call), files as downloads."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData, UploadFile

from bioatlas.accounts.policy import Principal, require
from bioatlas.calls import service
from bioatlas.calls.web import (
    Form,
    Id,
    act,
    file_response,
    found_call,
    number,
    owned,
    readable,
    safe,
    text,
    visible_call,
)
from bioatlas.core.deps import SessionDep, SettingsDep, TranslatorDep
from bioatlas.core.fields import FieldError
from bioatlas.web.pages import render
from bioatlas.web.refusals import Refused, not_found

router = APIRouter(include_in_schema=False)
Applicant = Annotated[Principal, Depends(require("application.edit"))]


@router.post("/calls/{call_id}/apply", response_class=HTMLResponse)
def apply(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, form: Form,
          p: Annotated[Principal, Depends(require("call.apply"))]):
    call = visible_call(session, p, call_id, t)
    raw_actor = text(form, "actor_id", 12)
    actor_id = number(raw_actor, "actor_id", "an actor number") if raw_actor else None
    return act(lambda app: f"/applications/{app.id}", lambda: service.start_application(
        session, call=call, user_id=p.user_id, actor_id=actor_id,  # type: ignore[arg-type]
        applicant_name=text(form, "applicant_name", 300)))


@router.get("/applications/mine", response_class=HTMLResponse)
def mine(request: Request, session: SessionDep, t: TranslatorDep,
         p: Annotated[Principal, Depends(require("account.self"))]):
    apps = service.applications_of_user(session, user_id=p.user_id)  # type: ignore[arg-type]
    calls_by_id = {a.call_id: service.get_call(session, call_id=a.call_id) for a in apps}
    return render(request, t, "calls/mine.html", applications=apps, calls=calls_by_id)


@router.get("/applications/{application_id}", response_class=HTMLResponse)
def application_page(request: Request, application_id: Id, session: SessionDep, t: TranslatorDep,
                     p: Annotated[Principal, Depends(require("application.read"))]):
    app = readable(request, session, p, application_id, t)
    call = found_call(session, app.call_id, t)
    item = service.item_of(session, application=app)
    comments = service.review.comments_for_applicant(session, item_id=item.id) if item and app.result else []
    earlier = service.earlier_review(session, application=app)
    return render(request, t, "calls/application.html", app=app, call=call, fields=service.form_fields(call),
                  answers=json.loads(app.answers or "{}"), deadline=service.deadline_moment(call),
                  is_open=service.is_open(call), is_owner=app.owner_id == p.user_id,
                  co_applicants=", ".join(str(i) for i in json.loads(app.co_actor_ids)), comments=comments,
                  earlier=earlier, open_calls=[c for c in service.list_calls(session) if service.is_open(c)])


def answers_of(form: FormData) -> dict[str, str]:
    answers = {k: v for k, v in form.items()
               if isinstance(v, str) and k not in ("csrf_token", "co_applicants", "rebuttal")}
    for name, value in answers.items():
        safe(name, value)
    return answers


@router.post("/applications/{application_id}", response_class=HTMLResponse)
def save(request: Request, application_id: Id, session: SessionDep, t: TranslatorDep, form: Form, p: Applicant):
    app = owned(request, session, p, application_id, t)
    rebuttal = text(form, "rebuttal", 10000) if "rebuttal" in form else None
    return act(f"/applications/{app.id}", lambda: service.save_draft(
        session, application=app, raw=answers_of(form), co_applicants=text(form, "co_applicants", 500),
        rebuttal=rebuttal))


@router.post("/applications/{application_id}/submit", response_class=HTMLResponse)
def submit(request: Request, application_id: Id, session: SessionDep, t: TranslatorDep, form: Form, p: Applicant):
    app = owned(request, session, p, application_id, t)
    rebuttal = text(form, "rebuttal", 10000) or None
    return act(f"/applications/{app.id}", lambda: service.submit(
        session, application=app, user_id=p.user_id, rebuttal=rebuttal))  # type: ignore[arg-type]


@router.post("/applications/{application_id}/withdraw", response_class=HTMLResponse)
def withdraw(request: Request, application_id: Id, session: SessionDep, t: TranslatorDep, p: Applicant):
    app = owned(request, session, p, application_id, t)
    return act(f"/applications/{app.id}", lambda: service.withdraw(
        session, application=app, user_id=p.user_id))  # type: ignore[arg-type]


@router.post("/applications/{application_id}/opt-in", response_class=HTMLResponse)
def opt_in(request: Request, application_id: Id, session: SessionDep, t: TranslatorDep, form: Form, p: Applicant):
    app = owned(request, session, p, application_id, t)
    return act(f"/applications/{app.id}", lambda: service.set_opt_in(
        session, application=app, opt_in=form.get("opt_in") == "on", user_id=p.user_id))  # type: ignore[arg-type]


@router.post("/applications/{application_id}/resubmit", response_class=HTMLResponse)
def resubmit(request: Request, application_id: Id, session: SessionDep, t: TranslatorDep, form: Form, p: Applicant):
    app = owned(request, session, p, application_id, t)
    call = visible_call(session, p, number(text(form, "call_id", 12), "call_id", "a call number"), t)
    return act(lambda new: f"/applications/{new.id}", lambda: service.resubmission(
        session, previous=app, call=call, user_id=p.user_id))  # type: ignore[arg-type]


@router.post("/applications/{application_id}/attachments", response_class=HTMLResponse)
async def upload(request: Request, application_id: Id, session: SessionDep, t: TranslatorDep, settings: SettingsDep,
                 p: Applicant):
    app = owned(request, session, p, application_id, t)
    form = await request.form()
    field, upload = form.get("field"), form.get("file")
    if not isinstance(field, str) or not field:
        raise Refused(FieldError("field", "which form field the file answers"))
    if not isinstance(upload, UploadFile):
        raise Refused(FieldError("file", "no file sent"))
    safe("file", upload.filename or "")
    data = await upload.read(settings.max_upload_bytes + 1)
    return act(f"/applications/{app.id}", lambda: service.add_attachment(
        session, application=app, field=field, filename=upload.filename or "",
        content_type=upload.content_type or "", data=data, max_upload_bytes=settings.max_upload_bytes))


@router.get("/applications/{application_id}/attachments/{attachment_id}")
def download(request: Request, application_id: Id, attachment_id: Id, session: SessionDep, t: TranslatorDep,
             p: Annotated[Principal, Depends(require("application.read"))]):
    app = readable(request, session, p, application_id, t)
    attachment = service.get_attachment(session, application_id=app.id, attachment_id=attachment_id)
    if attachment is None:
        raise not_found("attachment_id", "No such file.")
    return file_response(attachment)

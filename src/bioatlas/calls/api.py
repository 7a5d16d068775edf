"""JSON API of calls under /api/v1/calls: the published calls and their results, applications
(start, save, files, submit with a rebuttal, withdraw, opt in, resubmit) and reviews (a
reviewer's seat and scores, refused with the conflict's reasons). The managers' routes are in
`api_manage.py`, the portfolio in `api_portfolio.py`. The same service calls and the same policy
as the pages; refusals are `{"detail": {"field", "message"}}`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import UploadFile

from bioatlas.accounts.policy import Principal, require
from bioatlas.calls.api_body import (
    ERRORS,
    Applicant,
    Json,
    Lang,
    PREFIX,
    Reader,
    Reviewer,
    bad,
    integer,
    of_call,
    string,
)
from bioatlas.calls import present, service
from bioatlas.calls.web import (
    Anyone,
    Id,
    file_response,
    found_application,
    found_call,
    owned,
    readable,
    refused,
    safe,
    seat,
    visible_call,
)
from bioatlas.core.deps import SessionDep, SettingsDep, TranslatorDep
from bioatlas.web.refusals import not_found

router = APIRouter(prefix=PREFIX, tags=["calls"])


# --- calls ------------------------------------------------------------------------------------------


@router.get("", responses=ERRORS)
def calls(session: SessionDep, p: Anyone, lang: Lang = "fr") -> dict:
    """The published calls (and those with results), latest deadline first."""
    return {"calls": [present.call_view(c, lang=lang) for c in service.list_calls(session)]}


@router.get("/{call_id}", responses=ERRORS)
def call(call_id: Id, session: SessionDep, t: TranslatorDep, p: Anyone, lang: Lang = "fr") -> dict:
    """A call: dates (UTC and the deadline in the call's time zone), eligibility rules, form."""
    return present.call_view(visible_call(session, p, call_id, t), lang=lang)


@router.get("/{call_id}/results", responses=ERRORS)
def results(call_id: Id, session: SessionDep, t: TranslatorDep, p: Anyone) -> dict:
    """The laureates and the other applicants who opted in (404 before the results)."""
    c = found_call(session, call_id, t)
    if c.status != "results":
        raise not_found("call_id", "The results of this call are not published yet.")
    out = service.public_results(session, call=c)
    return {"call_id": c.id, "laureates": [present.application_view(a, private=False) for a in out["laureates"]],
            "others": [present.application_view(a, private=False) for a in out["others"]]}


# --- applications -----------------------------------------------------------------------------------


@router.post("/{call_id}/applications", responses=ERRORS, status_code=201)
def start(call_id: Id, session: SessionDep, t: TranslatorDep, body: Json,
          p: Annotated[Principal, Depends(require("call.apply"))]) -> dict:
    """Start a draft `{"actor_id"}` (an atlas actor) or `{"applicant_name"}` (an actor you
    proposed through /api/v1/contributions)."""
    c = visible_call(session, p, call_id, t)
    actor_id = integer(body, "actor_id", required=False)
    with refused(as_json=True):
        app = service.start_application(session, call=c, user_id=p.user_id or 0, actor_id=actor_id,
                                        applicant_name=string(body, "applicant_name", 300))
    return present.application_view(app)


@router.get("/{call_id}/applications/{application_id}", responses=ERRORS)
def application(request: Request, call_id: Id, application_id: Id, session: SessionDep, t: TranslatorDep,
                p: Reader) -> dict:
    """An application (its applicant, the call's managers); with the reviewers' comments for the
    applicant once the results are out."""
    c = found_call(session, call_id, t)
    app = of_call(session, c, application_id, t, lambda i: readable(request, session, p, i, t))
    item = service.item_of(session, application=app)
    comments = service.review.comments_for_applicant(session, item_id=item.id) if item and app.result else []
    return {**present.application_view(app), "comments": comments}


@router.put("/{call_id}/applications/{application_id}", responses=ERRORS)
def save(request: Request, call_id: Id, application_id: Id, session: SessionDep, t: TranslatorDep, body: Json,
         p: Applicant) -> dict:
    """Save the draft `{"answers": {field: value}, "co_applicants": [actor ids], "rebuttal"}`
    (limits checked on every save; required answers on submission)."""
    c = found_call(session, call_id, t)
    app = of_call(session, c, application_id, t, lambda i: owned(request, session, p, i, t))
    answers = body.get("answers") or {}
    if not isinstance(answers, dict):
        raise bad("answers", "expected an object of field: value")
    raw = {}
    for name, value in answers.items():
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise bad(str(name)[:60], "expected a string or a number")
        raw[str(name)] = str(value)
        safe(str(name)[:60], raw[str(name)])
    co = body.get("co_applicants")
    if co is not None and (not isinstance(co, list) or not all(isinstance(x, int) for x in co)):
        raise bad("co_applicants", "expected a list of actor numbers")
    rebuttal = string(body, "rebuttal") if "rebuttal" in body else None
    with refused(as_json=True):
        service.save_draft(session, application=app, raw=raw, co_applicants=co, rebuttal=rebuttal)
    return present.application_view(app)


@router.post("/{call_id}/applications/{application_id}/submit", responses=ERRORS)
def submit(request: Request, call_id: Id, application_id: Id, session: SessionDep, t: TranslatorDep, body: Json,
           p: Applicant) -> dict:
    """Submit before the deadline (server time); a resubmission carries `{"rebuttal"}`."""
    c = found_call(session, call_id, t)
    app = of_call(session, c, application_id, t, lambda i: owned(request, session, p, i, t))
    with refused(as_json=True):
        service.submit(session, application=app, user_id=p.user_id or 0, rebuttal=string(body, "rebuttal") or None)
    return present.application_view(app)


@router.post("/{call_id}/applications/{application_id}/withdraw", responses=ERRORS)
def withdraw(request: Request, call_id: Id, application_id: Id, session: SessionDep, t: TranslatorDep,
             p: Applicant) -> dict:
    """Withdraw the application (before the results)."""
    c = found_call(session, call_id, t)
    app = of_call(session, c, application_id, t, lambda i: owned(request, session, p, i, t))
    with refused(as_json=True):
        service.withdraw(session, application=app, user_id=p.user_id or 0)
    return present.application_view(app)


@router.post("/{call_id}/applications/{application_id}/opt-in", responses=ERRORS)
def opt_in(request: Request, call_id: Id, application_id: Id, session: SessionDep, t: TranslatorDep, body: Json,
           p: Applicant) -> dict:
    """`{"opt_in": true}`: a not-selected application listed among the published applicants."""
    c = found_call(session, call_id, t)
    app = of_call(session, c, application_id, t, lambda i: owned(request, session, p, i, t))
    if not isinstance(body.get("opt_in", False), bool):
        raise bad("opt_in", "expected true or false")
    service.set_opt_in(session, application=app, opt_in=bool(body.get("opt_in")), user_id=p.user_id or 0)
    return present.application_view(app)


@router.post("/{call_id}/applications/{application_id}/resubmit", responses=ERRORS, status_code=201)
def resubmit(request: Request, call_id: Id, application_id: Id, session: SessionDep, t: TranslatorDep, body: Json,
             p: Applicant) -> dict:
    """Resubmit a not-selected application to an open call `{"call_id"}`: a new draft with the
    earlier answers, judged by other reviewers, needing a rebuttal."""
    c = found_call(session, call_id, t)
    app = of_call(session, c, application_id, t, lambda i: owned(request, session, p, i, t))
    target = visible_call(session, p, integer(body, "call_id") or 0, t)
    with refused(as_json=True):
        new = service.resubmission(session, previous=app, call=target, user_id=p.user_id or 0)
    return present.application_view(new)


@router.post("/{call_id}/applications/{application_id}/attachments", responses=ERRORS, status_code=201)
async def upload(request: Request, call_id: Id, application_id: Id, session: SessionDep, t: TranslatorDep,
                 settings: SettingsDep, p: Applicant) -> dict:
    """Add a file to a draft (multipart form: `field`, the form's file question, and `file`):
    checked by declared type, extension, first bytes and size; a new file replaces the field's."""
    c = found_call(session, call_id, t)
    app = of_call(session, c, application_id, t, lambda i: owned(request, session, p, i, t))
    form = await request.form()
    field, upload_ = form.get("field"), form.get("file")
    if not isinstance(field, str) or not field:
        raise bad("field", "which file question of the form the file answers")
    if not isinstance(upload_, UploadFile):
        raise bad("file", "no file sent (multipart form)")
    safe("file", upload_.filename or "")
    data = await upload_.read(settings.max_upload_bytes + 1)
    with refused(as_json=True):
        row = service.add_attachment(session, application=app, field=field, filename=upload_.filename or "",
                                     content_type=upload_.content_type or "", data=data,
                                     max_upload_bytes=settings.max_upload_bytes)
    return {"id": row.id, "field": row.field, "filename": row.filename, "size": row.size,
            "content_type": row.content_type, "sha256": row.sha256}


@router.get("/{call_id}/applications/{application_id}/attachments/{attachment_id}", responses=ERRORS)
def download(request: Request, call_id: Id, application_id: Id, attachment_id: Id, session: SessionDep,
             t: TranslatorDep, p: Reader):
    """A file of the application, as a download (its applicant, the call's managers)."""
    c = found_call(session, call_id, t)
    app = of_call(session, c, application_id, t, lambda i: readable(request, session, p, i, t))
    attachment = service.get_attachment(session, application_id=app.id, attachment_id=attachment_id)
    if attachment is None:
        raise not_found("attachment_id", "No such file.")
    return file_response(attachment)


# --- reviews ----------------------------------------------------------------------------------------


@router.get("/{call_id}/applications/{application_id}/review", responses=ERRORS)
def review(request: Request, call_id: Id, application_id: Id, session: SessionDep, t: TranslatorDep,
           p: Reviewer) -> dict:
    """Your seat as a reviewer (403 with the reasons on a conflict of interest, audited)."""
    c = found_call(session, call_id, t)
    app = of_call(session, c, application_id, t, lambda i: found_application(session, i, t))
    assignment = seat(request, session, p, app, t)
    panel = service.panel_of(session, call=c)
    reviews = service.review.scores_of(session, item_id=assignment.item_id)
    mine_ = next(r for r in reviews if r["assignment_id"] == assignment.id)
    others = [r for r in reviews if r["assignment_id"] != assignment.id and r["submitted"]] \
        if panel.show_others and mine_["submitted"] else []
    item = service.item_of(session, application=app)
    return present.review_view(app, panel=panel, mine=mine_, others=others, rebuttal=item.rebuttal if item else None)


@router.put("/{call_id}/applications/{application_id}/review", responses=ERRORS)
def score(request: Request, call_id: Id, application_id: Id, session: SessionDep, t: TranslatorDep, body: Json,
          p: Reviewer) -> dict:
    """Your scores `{"scores": {criterion: value}, "comment_applicant", "comment_jury"}`, each
    inside its scale (refused naming `score_<code>`)."""
    c = found_call(session, call_id, t)
    app = of_call(session, c, application_id, t, lambda i: found_application(session, i, t))
    seat(request, session, p, app, t)
    scores = body.get("scores") or {}
    if not isinstance(scores, dict):
        raise bad("scores", "expected an object of criterion: value")
    with refused(as_json=True):
        service.score(session, application=app, reviewer_id=p.user_id or 0, scores=scores,
                      comment_applicant=string(body, "comment_applicant", 5000) or None,
                      comment_jury=string(body, "comment_jury", 5000) or None)
    return review(request, call_id, application_id, session, t, p)


@router.post("/{call_id}/conflicts", responses=ERRORS, status_code=201)
def declare(call_id: Id, session: SessionDep, t: TranslatorDep, body: Json,
            p: Annotated[Principal, Depends(require("review.declare"))]) -> dict:
    """Declare a conflict of interest with an actor `{"actor_id", "note"}` for this call."""
    c = visible_call(session, p, call_id, t)
    actor_id = integer(body, "actor_id") or 0
    with refused(as_json=True):
        service.declare_conflict(session, call=c, reviewer_id=p.user_id or 0, actor_id=actor_id,
                                 note=string(body, "note", 500) or None)
    return {"declared": actor_id}

"""The jury's pages. Reviewers: their applications, the review screen (a conflict of interest is
refused with 403 and its reasons, audited, the exclusion stored), scores, files, declared
conflicts. Managers: the jury view, publication, the pool, the phase, assignment, decisions,
results, scores as CSV."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from bioatlas.accounts.policy import Principal, require
from bioatlas.calls import service
from bioatlas.calls.web import (
    Form,
    Id,
    Manager,
    act,
    csv_response,
    file_response,
    found_application,
    found_call,
    managed,
    number,
    seat,
    text,
    visible_call,
)
from bioatlas.core.deps import SessionDep, TranslatorDep
from bioatlas.core.fields import FieldError
from bioatlas.web.pages import render
from bioatlas.web.refusals import Refused, not_found

router = APIRouter(include_in_schema=False)
Reviewer = Annotated[Principal, Depends(require("review.score"))]


# --- reviewers ------------------------------------------------------------------------------------


@router.get("/reviews", response_class=HTMLResponse)
def my_reviews(request: Request, session: SessionDep, t: TranslatorDep,
               p: Annotated[Principal, Depends(require("account.self"))]):
    rows = []
    for a, item, panel in service.review.assignments_of(session, reviewer_id=p.user_id):  # type: ignore[arg-type]
        if panel.context_kind == service.CONTEXT:
            rows.append({"assignment": a, "application_id": item.subject_id,
                         "call": service.get_call(session, call_id=panel.context_id)})
    return render(request, t, "calls/reviews.html", rows=rows)


@router.get("/applications/{application_id}/review", response_class=HTMLResponse)
def review_screen(request: Request, application_id: Id, session: SessionDep, t: TranslatorDep, p: Reviewer):
    app = found_application(session, application_id, t)
    assignment = seat(request, session, p, app, t)
    call = found_call(session, app.call_id, t)
    panel = service.panel_of(session, call=call)
    reviews = service.review.scores_of(session, item_id=assignment.item_id)
    mine = next(r for r in reviews if r["assignment_id"] == assignment.id)
    others = [r for r in reviews if r["assignment_id"] != assignment.id and r["submitted"]] \
        if panel.show_others and mine["submitted"] else []
    item = service.item_of(session, application=app)
    return render(request, t, "calls/review.html", app=app, call=call, panel=panel, mine=mine, others=others,
                  fields=service.form_fields(call), answers=json.loads(app.answers or "{}"), item=item)


@router.post("/applications/{application_id}/review", response_class=HTMLResponse)
def review_submit(request: Request, application_id: Id, session: SessionDep, t: TranslatorDep, form: Form,
                  p: Reviewer):
    app = found_application(session, application_id, t)
    seat(request, session, p, app, t)
    scores = {k[len("score_"):]: v for k, v in form.items() if k.startswith("score_") and isinstance(v, str)}
    return act(f"/applications/{app.id}/review", lambda: service.score(
        session, application=app, reviewer_id=p.user_id, scores=scores,  # type: ignore[arg-type]
        comment_applicant=text(form, "comment_applicant", 5000) or None,
        comment_jury=text(form, "comment_jury", 5000) or None))


@router.get("/applications/{application_id}/review/attachments/{attachment_id}")
def review_download(request: Request, application_id: Id, attachment_id: Id, session: SessionDep, t: TranslatorDep,
                    p: Reviewer):
    app = found_application(session, application_id, t)
    seat(request, session, p, app, t)
    attachment = service.get_attachment(session, application_id=app.id, attachment_id=attachment_id)
    if attachment is None:
        raise not_found("attachment_id", "No such file.")
    return file_response(attachment)


@router.post("/calls/{call_id}/conflicts", response_class=HTMLResponse)
def declare(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, form: Form,
            p: Annotated[Principal, Depends(require("review.declare"))]):
    call = visible_call(session, p, call_id, t)
    actor_id = number(text(form, "actor_id", 12), "actor_id", "an actor number")
    return act("/reviews", lambda: service.declare_conflict(
        session, call=call, reviewer_id=p.user_id, actor_id=actor_id,  # type: ignore[arg-type]
        note=text(form, "note", 500) or None))


# --- managers -------------------------------------------------------------------------------------


@router.get("/calls/{call_id}/manage", response_class=HTMLResponse)
def manage(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Manager):
    call = managed(request, session, p, call_id, t)
    view = service.jury_view(session, call=call)
    return render(request, t, "calls/manage.html", call=call, deadline=service.deadline_moment(call),
                  decisions=[(d, t.pgettext("review decision", d)) for d in service.review.DECISIONS], is_open=service.is_open(call),
                  why=service.review.exclusion_texts(session, view["exclusions"], t=t), **view)


@router.post("/calls/{call_id}/publish", response_class=HTMLResponse)
def publish(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Manager):
    call = managed(request, session, p, call_id, t)
    return act(f"/calls/{call.id}/manage", lambda: service.publish_call(session, call=call, by_user_id=p.user_id))


@router.post("/calls/{call_id}/close", response_class=HTMLResponse)
def close(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Manager):
    call = managed(request, session, p, call_id, t)
    return act(f"/calls/{call.id}/manage", lambda: service.close_call(session, call=call, by_user_id=p.user_id))


@router.post("/calls/{call_id}/reviewers", response_class=HTMLResponse)
def reviewers(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, form: Form, p: Manager):
    call = managed(request, session, p, call_id, t)
    emails = [e for e in text(form, "emails", 5000).replace(",", "\n").splitlines() if e.strip()]
    if not emails:
        raise Refused(FieldError("emails", "at least one reviewer's e-mail address"),
                      labels=lambda t: {"emails": t("Add reviewers (e-mail addresses, one per line)")})
    return act(f"/calls/{call.id}/manage", lambda: service.add_reviewers(
        session, call=call, emails=emails, by_user_id=p.user_id))


@router.post("/calls/{call_id}/phase", response_class=HTMLResponse)
def phase(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, form: Form, p: Manager):
    call = managed(request, session, p, call_id, t)
    return act(f"/calls/{call.id}/manage", lambda: service.set_phase(
        session, call=call, phase=text(form, "phase", 20), by_user_id=p.user_id))


@router.post("/calls/{call_id}/assign", response_class=HTMLResponse)
def assign(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Manager):
    call = managed(request, session, p, call_id, t)
    return act(f"/calls/{call.id}/manage", lambda: service.assign_reviewers(session, call=call, by_user_id=p.user_id))


@router.post("/applications/{application_id}/decision", response_class=HTMLResponse)
def decision(request: Request, application_id: Id, session: SessionDep, t: TranslatorDep, form: Form, p: Manager):
    app = found_application(session, application_id, t)
    call = managed(request, session, p, app.call_id, t)
    return act(f"/calls/{call.id}/manage", lambda: service.decide(
        session, application=app, decision=text(form, "decision", 20), rationale=text(form, "rationale", 5000),
        by_user_id=p.user_id))


@router.post("/calls/{call_id}/results", response_class=HTMLResponse)
def publish_results(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Manager):
    call = managed(request, session, p, call_id, t)
    return act(f"/calls/{call.id}/results", lambda: service.publish_results(session, call=call, by_user_id=p.user_id))


@router.get("/calls/{call_id}/scores.csv")
def scores_csv(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Manager):
    call = managed(request, session, p, call_id, t)
    return csv_response(service.scores_csv(session, call=call), f"call-{call.id}-scores.csv")

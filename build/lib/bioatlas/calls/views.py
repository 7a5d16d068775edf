"""Pages of calls: the public list, a call, its results, the portfolio; applicants' drafts,
submission, withdrawal, files; reviewers' screens; managers' jury view, decisions, results.
Handlers parse, authorise through the policy, call `calls.service`, render."""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import quote
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from bioatlas.accounts.policy import Principal, authorize, can, refuse, require
from bioatlas.calls import service
from bioatlas.calls.rules import ProjectScope
from bioatlas.calls.service import CallError
from bioatlas.core.deps import SessionDep, SettingsDep, TranslatorDep
from bioatlas.core.text import unsafe_character
from bioatlas.review.service import ConflictOfInterest, ReviewError
from bioatlas.web.pages import redirect, render

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
MAX_TEXT = 10000


async def form_data(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(form_data)]
Anyone = Annotated[Principal, Depends(require("public.read"))]


def _text(form: FormData, name: str, limit: int = MAX_TEXT) -> str:
    value = form.get(name)
    value = value if isinstance(value, str) else ""
    if len(value) > limit:
        raise HTTPException(422, detail=f"{name}: at most {limit} characters")
    _safe(name, value)
    return value.strip()


def _safe(name: str, value: str) -> None:
    why = unsafe_character(value)
    if why:
        raise HTTPException(422, detail=f"{name}: {why}")


def _fail(exc: CallError | ReviewError):
    status = getattr(exc, "status", 422)
    raise HTTPException(status, detail=str(exc)) from None


def _call(session, call_id: int, t):
    call = service.get_call(session, call_id=call_id)
    if call is None:
        raise HTTPException(404, detail=t("No call with this number."))
    return call


def _application(session, application_id: int, t):
    app = service.get_application(session, application_id=application_id)
    if app is None:
        raise HTTPException(404, detail=t("No application with this number."))
    return app


def _visible(request, session, p: Principal, call, t):
    """A draft call exists only for its managers."""
    if call.status == "draft" and not can(p, "call.manage", service.call_scope(session, call=call)):
        raise HTTPException(404, detail=t("No call with this number."))


# --- public ---------------------------------------------------------------------------------------


@router.get("/calls", response_class=HTMLResponse)
def calls(request: Request, session: SessionDep, t: TranslatorDep, p: Anyone):
    return render(request, t, "calls/list.html", calls=service.list_calls(session), service=service,
                  can_create=can(p, "call.create"), figures=service.figures(session))


@router.get("/calls/new", response_class=HTMLResponse)
def new_call_form(request: Request, t: TranslatorDep, _: Annotated[Principal, Depends(require("call.create"))]):
    return render(request, t, "calls/new.html", values={})


def _local(value: str, tz: str, name: str) -> datetime:
    try:
        return datetime.fromisoformat(value).replace(tzinfo=ZoneInfo(tz))
    except (ValueError, KeyError):
        raise HTTPException(422, detail=f"{name}: expected a date and time (YYYY-MM-DDTHH:MM)") from None


def _json(value: str, name: str, default):
    if not value:
        return default
    try:
        return json.loads(value)
    except ValueError as exc:
        raise HTTPException(422, detail=f"{name}: invalid JSON ({exc})") from None


@router.post("/calls/new", response_class=HTMLResponse)
def new_call(request: Request, session: SessionDep, t: TranslatorDep, form: Form,
             p: Annotated[Principal, Depends(require("call.create"))]):
    tz = _text(form, "timezone", 40) or "Europe/Paris"
    try:
        ZoneInfo(tz)
    except (ValueError, KeyError):
        raise HTTPException(422, detail=f"timezone: unknown time zone {tz!r}") from None
    try:
        call = service.create_call(
            session, by_user_id=p.user_id, kind=_text(form, "kind", 20), title_fr=_text(form, "title_fr", 300),
            title_en=_text(form, "title_en", 300), text_fr=_text(form, "text_fr"), text_en=_text(form, "text_en"),
            region=_text(form, "region", 3) or None, opens_at=_local(_text(form, "opens_at", 40), tz, "opens_at"),
            closes_at=_local(_text(form, "closes_at", 40), tz, "closes_at"), timezone_name=tz,
            eligibility=_json(_text(form, "eligibility"), "eligibility", {}),
            form=_json(_text(form, "form"), "form", {"fields": []}),
            criteria=_json(_text(form, "criteria"), "criteria", []), blind=form.get("blind") == "on",
            show_others=form.get("show_others") == "on",
            reviewers_per_item=int(_text(form, "reviewers_per_item", 3) or 3) if _text(form, "reviewers_per_item", 3).isdigit() else 3,
            managers=[p.user_id] if p.user_id else [])
    except CallError as exc:
        _fail(exc)
    return redirect(f"/calls/{call.id}/manage")


@router.get("/calls/{call_id}", response_class=HTMLResponse)
def call_page(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Anyone):
    call = _call(session, call_id, t)
    _visible(request, session, p, call, t)
    scope = service.call_scope(session, call=call)
    return render(request, t, "calls/call.html", call=call, fields=service.form_fields(call),
                  rules=service.rules_of(call), deadline=service.local_deadline(call),
                  is_open=service.is_open(call), can_manage=can(p, "call.manage", scope),
                  can_apply=can(p, "call.apply"))


@router.get("/calls/{call_id}/results", response_class=HTMLResponse)
def results_page(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Anyone):
    call = _call(session, call_id, t)
    if call.status != "results":
        raise HTTPException(404, detail=t("The results of this call are not published yet."))
    return render(request, t, "calls/results.html", call=call, **service.public_results(session, call=call))


@router.get("/projects", response_class=HTMLResponse)
def projects(request: Request, session: SessionDep, t: TranslatorDep, p: Anyone):
    items = [service.project_dict(session, x) for x in service.list_projects(session)]
    return render(request, t, "calls/projects.html", projects=items, figures=service.figures_portfolio(session))


def _project(session, project_id: int, t):
    project = service.get_project(session, project_id=project_id)
    if project is None:
        raise HTTPException(404, detail=t("No project with this number."))
    return project


@router.get("/projects/{project_id}", response_class=HTMLResponse)
def project_page(request: Request, project_id: Id, session: SessionDep, t: TranslatorDep, p: Anyone):
    project = _project(session, project_id, t)
    return render(request, t, "calls/project.html", project=service.project_dict(session, project),
                  can_manage=can(p, "project.manage", ProjectScope(project.id, project.region)),
                  statuses=service.MILESTONE_STATUSES)


@router.post("/projects/{project_id}/milestones", response_class=HTMLResponse)
def add_milestone(request: Request, project_id: Id, session: SessionDep, t: TranslatorDep, form: Form,
                  p: Annotated[Principal, Depends(require("project.manage"))]):
    project = _project(session, project_id, t)
    authorize(request, p, "project.manage", ProjectScope(project.id, project.region), target=f"project:{project.id}")
    try:
        service.add_milestone(session, project=project, title=_text(form, "title", 300),
                              due_date=_text(form, "due_date", 20), status=_text(form, "status", 20) or "planned")
    except service.PortfolioError as exc:
        raise HTTPException(422, detail=str(exc)) from None
    return redirect(f"/projects/{project.id}")


@router.post("/projects/{project_id}/milestones/{milestone_id}", response_class=HTMLResponse)
def set_milestone(request: Request, project_id: Id, milestone_id: Id, session: SessionDep, t: TranslatorDep,
                  form: Form, p: Annotated[Principal, Depends(require("project.manage"))]):
    project = _project(session, project_id, t)
    authorize(request, p, "project.manage", ProjectScope(project.id, project.region), target=f"project:{project.id}")
    try:
        service.set_milestone(session, project=project, milestone_id=milestone_id, status=_text(form, "status", 20),
                              done_date=_text(form, "done_date", 20) or None)
    except service.PortfolioError as exc:
        raise HTTPException(422, detail=str(exc)) from None
    return redirect(f"/projects/{project.id}")


# --- applicants -----------------------------------------------------------------------------------


@router.post("/calls/{call_id}/apply", response_class=HTMLResponse)
def apply(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, form: Form,
          p: Annotated[Principal, Depends(require("call.apply"))]):
    call = _call(session, call_id, t)
    _visible(request, session, p, call, t)
    raw_actor = _text(form, "actor_id", 12)
    if raw_actor and not raw_actor.isdigit():
        raise HTTPException(422, detail="actor_id: expected an actor number")
    try:
        app = service.start_application(session, call=call, user_id=p.user_id, actor_id=int(raw_actor) if raw_actor else None,  # type: ignore[arg-type]
                                        applicant_name=_text(form, "applicant_name", 300))
    except CallError as exc:
        _fail(exc)
    return redirect(f"/applications/{app.id}")


@router.get("/applications/mine", response_class=HTMLResponse)
def mine(request: Request, session: SessionDep, t: TranslatorDep,
         p: Annotated[Principal, Depends(require("account.self"))]):
    apps = service.applications_of_user(session, user_id=p.user_id)  # type: ignore[arg-type]
    calls_by_id = {a.call_id: service.get_call(session, call_id=a.call_id) for a in apps}
    return render(request, t, "calls/mine.html", applications=apps, calls=calls_by_id)


@router.get("/applications/{application_id}", response_class=HTMLResponse)
def application_page(request: Request, application_id: Id, session: SessionDep, t: TranslatorDep,
                     p: Annotated[Principal, Depends(require("application.read"))]):
    app = _application(session, application_id, t)
    scope = service.application_scope(session, application=app)
    authorize(request, p, "application.read", scope, target=f"application:{app.id}")
    call = service.get_call(session, call_id=app.call_id)
    item = service.item_of(session, application=app)
    comments = service.review.comments_for_applicant(session, item_id=item.id) if item and app.result else []
    return render(request, t, "calls/application.html", app=app, call=call, fields=service.form_fields(call),
                  answers=json.loads(app.answers or "{}"), deadline=service.local_deadline(call),
                  is_open=service.is_open(call), is_owner=app.owner_id == p.user_id,
                  co_applicants=", ".join(str(i) for i in json.loads(app.co_actor_ids)), comments=comments,
                  open_calls=[c for c in service.list_calls(session) if service.is_open(c)])


def _own(request, session, p, application_id, t):
    app = _application(session, application_id, t)
    authorize(request, p, "application.edit", service.application_scope(session, application=app),
              target=f"application:{app.id}")
    return app


def _answers(form: FormData) -> dict[str, str]:
    answers = {k: v for k, v in form.items() if isinstance(v, str) and k not in ("csrf_token", "co_applicants")}
    for name, value in answers.items():
        _safe(name, value)
    return answers


@router.post("/applications/{application_id}", response_class=HTMLResponse)
def save(request: Request, application_id: Id, session: SessionDep, t: TranslatorDep, form: Form,
         p: Annotated[Principal, Depends(require("application.edit"))]):
    app = _own(request, session, p, application_id, t)
    try:
        service.save_draft(session, application=app, raw=_answers(form), co_applicants=_text(form, "co_applicants", 500))
    except CallError as exc:
        _fail(exc)
    return redirect(f"/applications/{app.id}")


@router.post("/applications/{application_id}/submit", response_class=HTMLResponse)
def submit(request: Request, application_id: Id, session: SessionDep, t: TranslatorDep, form: Form,
           p: Annotated[Principal, Depends(require("application.edit"))]):
    app = _own(request, session, p, application_id, t)
    rebuttal = _text(form, "rebuttal", 10000) or None
    try:
        service.submit(session, application=app, user_id=p.user_id, rebuttal=rebuttal)  # type: ignore[arg-type]
    except CallError as exc:
        _fail(exc)
    return redirect(f"/applications/{app.id}")


@router.post("/applications/{application_id}/withdraw", response_class=HTMLResponse)
def withdraw(request: Request, application_id: Id, session: SessionDep, t: TranslatorDep,
             p: Annotated[Principal, Depends(require("application.edit"))]):
    app = _own(request, session, p, application_id, t)
    try:
        service.withdraw(session, application=app, user_id=p.user_id)  # type: ignore[arg-type]
    except CallError as exc:
        _fail(exc)
    return redirect(f"/applications/{app.id}")


@router.post("/applications/{application_id}/opt-in", response_class=HTMLResponse)
def opt_in(request: Request, application_id: Id, session: SessionDep, t: TranslatorDep, form: Form,
           p: Annotated[Principal, Depends(require("application.edit"))]):
    app = _own(request, session, p, application_id, t)
    service.set_opt_in(session, application=app, opt_in=form.get("opt_in") == "on", user_id=p.user_id)  # type: ignore[arg-type]
    return redirect(f"/applications/{app.id}")


@router.post("/applications/{application_id}/resubmit", response_class=HTMLResponse)
def resubmit(request: Request, application_id: Id, session: SessionDep, t: TranslatorDep, form: Form,
             p: Annotated[Principal, Depends(require("application.edit"))]):
    app = _own(request, session, p, application_id, t)
    raw = _text(form, "call_id", 12)
    if not raw.isdigit():
        raise HTTPException(422, detail="call_id: expected a call number")
    call = _call(session, int(raw), t)
    try:
        new = service.resubmission(session, previous=app, call=call, user_id=p.user_id)  # type: ignore[arg-type]
    except CallError as exc:
        _fail(exc)
    return redirect(f"/applications/{new.id}")


@router.post("/applications/{application_id}/attachments", response_class=HTMLResponse)
async def upload(request: Request, application_id: Id, session: SessionDep, t: TranslatorDep, settings: SettingsDep,
                 p: Annotated[Principal, Depends(require("application.edit"))]):
    app = _own(request, session, p, application_id, t)
    form = await request.form()
    field, upload = form.get("field"), form.get("file")
    if not isinstance(field, str) or not field:
        raise HTTPException(422, detail="field: which form field the file answers")
    if not isinstance(upload, UploadFile):
        raise HTTPException(422, detail="file: no file sent")
    _safe("file", upload.filename or "")
    data = await upload.read(settings.max_upload_bytes + 1)
    try:
        service.add_attachment(session, application=app, field=field, filename=upload.filename or "",
                               content_type=upload.content_type or "", data=data,
                               max_upload_bytes=settings.max_upload_bytes)
    except CallError as exc:
        _fail(exc)
    return redirect(f"/applications/{app.id}")


def _file(attachment):
    """The file as a download (never rendered inline), its name percent-encoded."""
    disposition = f"attachment; filename*=UTF-8''{quote(attachment.filename)}"
    return Response(attachment.content, media_type=attachment.content_type,
                    headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"})


@router.get("/applications/{application_id}/attachments/{attachment_id}")
def download(request: Request, application_id: Id, attachment_id: Id, session: SessionDep, t: TranslatorDep,
             settings: SettingsDep, p: Annotated[Principal, Depends(require("application.read"))]):
    app = _application(session, application_id, t)
    authorize(request, p, "application.read", service.application_scope(session, application=app),
              target=f"application:{app.id}")
    attachment = service.get_attachment(session, application_id=app.id, attachment_id=attachment_id)
    if attachment is None:
        raise HTTPException(404, detail=t("No such file."))
    return _file(attachment)


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


def _seat(request, session, p: Principal, app, t):
    """The reviewer's assignment; a conflict of interest is refused (403) with its reasons and
    audited, the exclusion stored."""
    try:
        assignment = service.open_review(session, application=app, reviewer_id=p.user_id)  # type: ignore[arg-type]
    except ConflictOfInterest as exc:
        refuse(request, p, "review.score", 403, str(exc), target=f"application:{app.id}")
    except ReviewError:
        authorize(request, p, "review.score", service.ReviewSeat(app.id), target=f"application:{app.id}")
        raise HTTPException(404, detail=t("This application is not under review.")) from None
    authorize(request, p, "review.score", service.review_seat(session, application=app), target=f"application:{app.id}")
    return assignment


@router.get("/applications/{application_id}/review", response_class=HTMLResponse)
def review_screen(request: Request, application_id: Id, session: SessionDep, t: TranslatorDep,
                  p: Annotated[Principal, Depends(require("review.score"))]):
    app = _application(session, application_id, t)
    assignment = _seat(request, session, p, app, t)
    call = service.get_call(session, call_id=app.call_id)
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
                  p: Annotated[Principal, Depends(require("review.score"))]):
    app = _application(session, application_id, t)
    _seat(request, session, p, app, t)
    scores = {k[len("score_"):]: v for k, v in form.items() if k.startswith("score_") and isinstance(v, str)}
    try:
        service.score(session, application=app, reviewer_id=p.user_id, scores=scores,  # type: ignore[arg-type]
                      comment_applicant=_text(form, "comment_applicant", 5000) or None,
                      comment_jury=_text(form, "comment_jury", 5000) or None)
    except ReviewError as exc:
        _fail(exc)
    return redirect(f"/applications/{app.id}/review")


@router.get("/applications/{application_id}/review/attachments/{attachment_id}")
def review_download(request: Request, application_id: Id, attachment_id: Id, session: SessionDep, t: TranslatorDep,
                    settings: SettingsDep, p: Annotated[Principal, Depends(require("review.score"))]):
    app = _application(session, application_id, t)
    _seat(request, session, p, app, t)
    attachment = service.get_attachment(session, application_id=app.id, attachment_id=attachment_id)
    if attachment is None:
        raise HTTPException(404, detail=t("No such file."))
    return _file(attachment)


@router.post("/calls/{call_id}/conflicts", response_class=HTMLResponse)
def declare(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, form: Form,
            p: Annotated[Principal, Depends(require("review.declare"))]):
    call = _call(session, call_id, t)
    _visible(request, session, p, call, t)
    raw = _text(form, "actor_id", 12)
    if not raw.isdigit():
        raise HTTPException(422, detail="actor_id: expected an actor number")
    try:
        service.declare_conflict(session, call=call, reviewer_id=p.user_id, actor_id=int(raw),  # type: ignore[arg-type]
                                 note=_text(form, "note", 500) or None)
    except (CallError, ReviewError) as exc:
        _fail(exc)
    return redirect("/reviews")


# --- managers -------------------------------------------------------------------------------------


def _managed(request, session, p, call_id, t):
    call = _call(session, call_id, t)
    authorize(request, p, "call.manage", service.call_scope(session, call=call), target=f"call:{call.id}")
    return call


Manager = Annotated[Principal, Depends(require("call.manage"))]


@router.get("/calls/{call_id}/manage", response_class=HTMLResponse)
def manage(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Manager):
    call = _managed(request, session, p, call_id, t)
    return render(request, t, "calls/manage.html", call=call, deadline=service.local_deadline(call),
                  decisions=service.review.DECISIONS, **service.jury_view(session, call=call))


@router.post("/calls/{call_id}/publish", response_class=HTMLResponse)
def publish(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Manager):
    call = _managed(request, session, p, call_id, t)
    try:
        service.publish_call(session, call=call, by_user_id=p.user_id)
    except CallError as exc:
        _fail(exc)
    return redirect(f"/calls/{call.id}/manage")


@router.post("/calls/{call_id}/reviewers", response_class=HTMLResponse)
def reviewers(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, form: Form, p: Manager):
    call = _managed(request, session, p, call_id, t)
    emails = [e for e in _text(form, "emails", 5000).replace(",", "\n").splitlines() if e.strip()]
    if not emails:
        raise HTTPException(422, detail="emails: at least one reviewer's e-mail address")
    try:
        service.add_reviewers(session, call=call, emails=emails, by_user_id=p.user_id)
    except CallError as exc:
        _fail(exc)
    return redirect(f"/calls/{call.id}/manage")


@router.post("/calls/{call_id}/phase", response_class=HTMLResponse)
def phase(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, form: Form, p: Manager):
    call = _managed(request, session, p, call_id, t)
    try:
        service.set_phase(session, call=call, phase=_text(form, "phase", 20), by_user_id=p.user_id)
    except CallError as exc:
        _fail(exc)
    return redirect(f"/calls/{call.id}/manage")


@router.post("/calls/{call_id}/assign", response_class=HTMLResponse)
def assign(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Manager):
    call = _managed(request, session, p, call_id, t)
    service.assign_reviewers(session, call=call, by_user_id=p.user_id)
    return redirect(f"/calls/{call.id}/manage")


@router.post("/applications/{application_id}/decision", response_class=HTMLResponse)
def decision(request: Request, application_id: Id, session: SessionDep, t: TranslatorDep, form: Form, p: Manager):
    app = _application(session, application_id, t)
    call = _managed(request, session, p, app.call_id, t)
    try:
        service.decide(session, application=app, decision=_text(form, "decision", 20),
                       rationale=_text(form, "rationale", 5000), by_user_id=p.user_id)
    except CallError as exc:
        _fail(exc)
    return redirect(f"/calls/{call.id}/manage")


@router.post("/calls/{call_id}/results", response_class=HTMLResponse)
def publish_results(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Manager):
    call = _managed(request, session, p, call_id, t)
    try:
        service.publish_results(session, call=call, by_user_id=p.user_id)
    except CallError as exc:
        _fail(exc)
    return redirect(f"/calls/{call.id}/results")


@router.get("/calls/{call_id}/scores.csv")
def scores_csv(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Manager):
    call = _managed(request, session, p, call_id, t)
    return Response(service.scores_csv(session, call=call), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="call-{call.id}-scores.csv"'})

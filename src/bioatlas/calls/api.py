"""JSON API of calls under /api/v1/calls: the published calls and their results, applications
(start, save, submit with a rebuttal, withdraw, opt in, resubmit), reviews (a reviewer's seat
and scores, refused with the conflict's reasons), the managers' jury view, decisions and
results, and the portfolio of structuring projects. The same service calls and the same policy
as the pages; refusals are `{"detail": {"field", "message"}}`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request

from bioatlas.accounts.policy import Principal, require
from bioatlas.calls import present, service
from bioatlas.calls.web import (
    Anyone,
    Id,
    Manager,
    csv_response,
    found_application,
    found_call,
    found_project,
    managed,
    managed_project,
    owned,
    readable,
    refused,
    safe,
    seat,
    visible_call,
)
from bioatlas.core.deps import SessionDep, TranslatorDep
from bioatlas.web.problems import Problem

router = APIRouter(prefix="/api/v1/calls", tags=["calls"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "not logged in"},
    403: {"model": Problem, "description": "not allowed (a reviewer's conflict of interest names its reasons)"},
    404: {"model": Problem, "description": "no such call, application or project (or not visible to you)"},
    409: {"model": Problem, "description": "not in a state that allows it (deadline passed, already decided…)"},
    422: {"model": Problem, "description": "a field is refused (named in `detail.field`)"}}
Json = Annotated[dict[str, Any], Body()]
Lang = Annotated[Literal["fr", "en"], Query()]
Applicant = Annotated[Principal, Depends(require("application.edit"))]
Reader = Annotated[Principal, Depends(require("application.read"))]
Reviewer = Annotated[Principal, Depends(require("review.score"))]
ProjectManager = Annotated[Principal, Depends(require("project.manage"))]


def bad(field: str, message: str) -> HTTPException:
    return HTTPException(422, detail={"field": field, "message": f"{field}: {message}"})


def string(body: dict, name: str, limit: int = 10000, *, default: str = "") -> str:
    value = body.get(name, default)
    if value is None:
        value = default
    if not isinstance(value, str):
        raise bad(name, "expected a string")
    if len(value) > limit:
        raise bad(name, f"at most {limit} characters")
    safe(name, value)
    return value.strip()


def integer(body: dict, name: str, *, required: bool = True) -> int | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 2**31 - 1:
        raise bad(name, "expected a positive whole number")
    return value


def of_call(session, call, application_id: int, t, get) -> service.Application:
    """The application (through `get`, which authorises it), 404 unless it belongs to the call."""
    app = get(application_id)
    if app.call_id != call.id:
        raise HTTPException(404, detail=t("No application with this number."))
    return app


# --- portfolio (before the numbered calls) --------------------------------------------------------


@router.get("/portfolio", responses=ERRORS)
def portfolio(session: SessionDep, p: Anyone) -> dict:
    """The structuring projects with partners, budget, milestones and progress; the portfolio's
    figures (progress, milestones on time, budget)."""
    return {"projects": [service.project_dict(session, x) for x in service.list_projects(session)],
            "figures": service.figures_portfolio(session)}


@router.get("/portfolio/{project_id}", responses=ERRORS)
def project(project_id: Id, session: SessionDep, t: TranslatorDep, p: Anyone) -> dict:
    """One structuring project."""
    return service.project_dict(session, found_project(session, project_id, t))


@router.post("/portfolio/{project_id}/milestones", responses=ERRORS, status_code=201)
def add_milestone(request: Request, project_id: Id, session: SessionDep, t: TranslatorDep, body: Json,
                  p: ProjectManager) -> dict:
    """Add a milestone `{"title", "due_date": "YYYY-MM-DD", "status"}` (editors of the project's
    region); a date before the project's start is refused naming `due_date`."""
    proj = managed_project(request, session, p, project_id, t)
    with refused(as_json=True):
        service.add_milestone(session, project=proj, title=string(body, "title", 300),
                              due_date=string(body, "due_date", 20), status=string(body, "status", 20) or "planned")
    return service.project_dict(session, proj)


@router.post("/portfolio/{project_id}/milestones/{milestone_id}", responses=ERRORS)
def set_milestone(request: Request, project_id: Id, milestone_id: Id, session: SessionDep, t: TranslatorDep,
                  body: Json, p: ProjectManager) -> dict:
    """Change a milestone's status `{"status", "done_date"}`."""
    proj = managed_project(request, session, p, project_id, t)
    with refused(as_json=True):
        service.set_milestone(session, project=proj, milestone_id=milestone_id, status=string(body, "status", 20),
                              done_date=string(body, "done_date", 20) or None)
    return service.project_dict(session, proj)


@router.get("/mine", responses=ERRORS)
def mine(session: SessionDep, p: Annotated[Principal, Depends(require("account.self"))]) -> dict:
    """Your applications, every status."""
    return {"applications": [present.application_view(a)
                             for a in service.applications_of_user(session, user_id=p.user_id or 0)]}


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
        raise HTTPException(404, detail=t("The results of this call are not published yet."))
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


# --- managers ---------------------------------------------------------------------------------------


@router.get("/{call_id}/reviews", responses=ERRORS)
def jury(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Manager) -> dict:
    """The jury view: per application the medians, weighted total, thresholds, reviews (with the
    jury's comments), decision, and the reviewers excluded with their reasons (code, and text in
    the language of the request: `?lang=en`, the cookie or Accept-Language)."""
    c = managed(request, session, p, call_id, t)
    view = service.jury_view(session, call=c)
    return present.jury_view(view, why=service.review.exclusion_texts(session, view["exclusions"], t=t))


@router.get("/{call_id}/scores.csv", responses=ERRORS)
def scores_csv(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Manager):
    """The scores: one row per review and criterion, then medians and totals."""
    c = managed(request, session, p, call_id, t)
    return csv_response(service.scores_csv(session, call=c), f"call-{c.id}-scores.csv")


@router.post("/{call_id}/publish", responses=ERRORS)
def publish(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Manager) -> dict:
    """Publish a draft call."""
    c = managed(request, session, p, call_id, t)
    with refused(as_json=True):
        service.publish_call(session, call=c, by_user_id=p.user_id)
    return present.call_view(c)


@router.post("/{call_id}/reviewers", responses=ERRORS)
def reviewers(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, body: Json, p: Manager) -> dict:
    """Add reviewers by e-mail `{"emails": [...]}` (an applicant of the call is refused)."""
    c = managed(request, session, p, call_id, t)
    emails = body.get("emails")
    if not isinstance(emails, list) or not emails or not all(isinstance(e, str) and len(e) <= 320 for e in emails):
        raise bad("emails", "a list of at least one reviewer's e-mail address")
    with refused(as_json=True):
        added = service.add_reviewers(session, call=c, emails=emails, by_user_id=p.user_id)
    return {"added": len(added)}


@router.post("/{call_id}/phase", responses=ERRORS)
def phase(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, body: Json, p: Manager) -> dict:
    """Open or close the review `{"phase": "open" | "closed"}`."""
    c = managed(request, session, p, call_id, t)
    with refused(as_json=True):
        service.set_phase(session, call=c, phase=string(body, "phase", 20), by_user_id=p.user_id)
    return {"phase": service.panel_of(session, call=c).phase}


@router.post("/{call_id}/assign", responses=ERRORS)
def assign(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Manager) -> dict:
    """Assign reviewers, least loaded first; conflicted ones are excluded with their reason."""
    c = managed(request, session, p, call_id, t)
    report = service.assign_reviewers(session, call=c, by_user_id=p.user_id)
    return {"assigned": len(report.assigned), "excluded": [{"item": i, "reviewer": r, "reason": why}
                                                           for i, r, why in report.excluded],
            "short": report.short}


@router.post("/{call_id}/applications/{application_id}/decision", responses=ERRORS)
def decide(request: Request, call_id: Id, application_id: Id, session: SessionDep, t: TranslatorDep, body: Json,
           p: Manager) -> dict:
    """Decide `{"decision": "selected" | "rejected" | "waitlisted", "rationale"}`."""
    c = managed(request, session, p, call_id, t)
    app = of_call(session, c, application_id, t, lambda i: found_application(session, i, t))
    with refused(as_json=True):
        service.decide(session, application=app, decision=string(body, "decision", 20),
                       rationale=string(body, "rationale", 5000), by_user_id=p.user_id)
    return {"application_id": app.id, "decision": string(body, "decision", 20)}


@router.post("/{call_id}/results", responses=ERRORS)
def publish_results(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Manager) -> dict:
    """Publish the results (every submitted application decided first): laureates recorded in
    the atlas under the call as source, every applicant notified."""
    c = managed(request, session, p, call_id, t)
    with refused(as_json=True):
        return service.publish_results(session, call=c, by_user_id=p.user_id)

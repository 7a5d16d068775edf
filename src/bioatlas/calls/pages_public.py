"""Public pages of calls: the list with its figures, a call, its results; the portfolio of
structuring projects and its milestones (editors of the project's region change them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from bioatlas.accounts.policy import Principal, can, require
from bioatlas.atlas import service as atlas
from bioatlas.calls import service
from bioatlas.calls.rules import ProjectScope
from bioatlas.calls.web import Anyone, Form, Id, act, found_call, found_project, managed_project, text, visible_call
from bioatlas.core.deps import SessionDep, TranslatorDep
from bioatlas.web.pages import render
from bioatlas.web.refusals import not_found

router = APIRouter(include_in_schema=False)
ProjectManager = Annotated[Principal, Depends(require("project.manage"))]


def names(lang: str) -> dict[str, dict[str, str]]:
    """The names the pages show for codes, in the reader's language: actor kinds, modalities
    (the atlas's taxonomies) and regions (the gazetteer's, by INSEE code)."""
    tax = atlas.taxonomies()
    return {"kinds": {code: tax["kinds"].label(code, lang) for code in tax["kinds"].terms},
            "modalities": {code: tax["modalities"].label(code, lang) for code in tax["modalities"].terms},
            "regions": dict(atlas.gazetteer().regions)}


@router.get("/calls", response_class=HTMLResponse)
def calls(request: Request, session: SessionDep, t: TranslatorDep, p: Anyone):
    return render(request, t, "calls/list.html", calls=service.list_calls(session), service=service,
                  can_create=can(p, "call.create"), figures=service.figures(session))


@router.get("/calls/{call_id}", response_class=HTMLResponse)
def call_page(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Anyone):
    call = visible_call(session, p, call_id, t)
    scope = service.call_scope(session, call=call)
    return render(request, t, "calls/call.html", call=call, fields=service.form_fields(call),
                  rules=service.rules_of(call), names=names(t.lang), deadline=service.deadline_moment(call),
                  is_open=service.is_open(call), can_manage=can(p, "call.manage", scope),
                  can_apply=can(p, "call.apply"))


@router.get("/calls/{call_id}/results", response_class=HTMLResponse)
def results_page(request: Request, call_id: Id, session: SessionDep, t: TranslatorDep, p: Anyone):
    call = found_call(session, call_id, t)
    if call.status != "results":
        raise not_found("call_id", "The results of this call are not published yet.")
    return render(request, t, "calls/results.html", call=call, **service.public_results(session, call=call))


@router.get("/projects", response_class=HTMLResponse)
def projects(request: Request, session: SessionDep, t: TranslatorDep, p: Anyone):
    items = [service.project_dict(session, x) for x in service.list_projects(session)]
    return render(request, t, "calls/projects.html", projects=items, figures=service.figures_portfolio(session),
                  names=names(t.lang))


@router.get("/projects/{project_id}", response_class=HTMLResponse)
def project_page(request: Request, project_id: Id, session: SessionDep, t: TranslatorDep, p: Anyone):
    project = found_project(session, project_id, t)
    return render(request, t, "calls/project.html", project=service.project_dict(session, project), names=names(t.lang),
                  can_manage=can(p, "project.manage", ProjectScope(project.id, project.region)),
                  statuses=service.MILESTONE_STATUSES)


@router.post("/projects/{project_id}/milestones", response_class=HTMLResponse)
def add_milestone(request: Request, project_id: Id, session: SessionDep, t: TranslatorDep, form: Form,
                  p: ProjectManager):
    project = managed_project(request, session, p, project_id, t)
    return act(f"/projects/{project.id}", lambda: service.add_milestone(
        session, project=project, title=text(form, "title", 300), due_date=text(form, "due_date", 20),
        status=text(form, "status", 20) or "planned"))


@router.post("/projects/{project_id}/milestones/{milestone_id}", response_class=HTMLResponse)
def set_milestone(request: Request, project_id: Id, milestone_id: Id, session: SessionDep, t: TranslatorDep,
                  form: Form, p: ProjectManager):
    project = managed_project(request, session, p, project_id, t)
    return act(f"/projects/{project.id}", lambda: service.set_milestone(
        session, project=project, milestone_id=milestone_id, status=text(form, "status", 20),
        done_date=text(form, "done_date", 20) or None))

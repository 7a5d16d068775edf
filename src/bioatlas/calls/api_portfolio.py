"""JSON API of the portfolio of structuring projects (/api/v1/calls/portfolio) and of one's
applications (/api/v1/calls/mine): registered before the numbered calls."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from bioatlas.accounts.policy import Principal, require
from bioatlas.calls.api_body import (
    ERRORS,
    Json,
    PREFIX,
    ProjectManager,
    string,
)
from bioatlas.calls import present, service
from bioatlas.calls.web import Anyone, Id, found_project, managed_project, refused
from bioatlas.core.deps import SessionDep, TranslatorDep

router = APIRouter(prefix=PREFIX, tags=["calls"])


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

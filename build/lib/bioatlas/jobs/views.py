"""The admin page `/admin/jobs`: the latest jobs of the task queue, their status, attempts and
errors (policy `jobs.read`: administrators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from bioatlas.accounts.policy import Principal, require
from bioatlas.core.deps import SessionDep, TranslatorDep
from bioatlas.jobs import service
from bioatlas.jobs.models import STATUSES
from bioatlas.web.pages import render

router = APIRouter(include_in_schema=False)
Admin = Annotated[Principal, Depends(require("jobs.read"))]
Status = Annotated[str | None, Query(pattern="^(" + "|".join(STATUSES) + ")$")]


@router.get("/admin/jobs", response_class=HTMLResponse)
def jobs_page(request: Request, session: SessionDep, t: TranslatorDep, p: Admin, status: Status = None,
              limit: Annotated[int, Query(ge=1, le=500)] = 100):
    return render(request, t, "jobs/jobs.html", jobs=service.recent(session, limit=limit, status=status),
                  counts=service.counts(session), statuses=STATUSES, chosen=status)

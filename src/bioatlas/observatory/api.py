"""JSON API of the observatory under /api/v1: indicators (definition, latest values, targets,
series with sources, CSV) and roadmaps (axes, actions, progress); changing an action's status
needs the admin bearer token, like the atlas's imports (accounts will replace it)."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from bioatlas.accounts.policy import Principal, require
from bioatlas.web.problems import Problem
from bioatlas.core.deps import SessionDep, TranslatorDep
from bioatlas.observatory import roadmaps, service
from bioatlas.observatory.schemas import (
    ActionStatusIn,
    ActionStatusOut,
    IndicatorDetail,
    IndicatorSummary,
    RoadmapOut,
)
from bioatlas.web.refusals import not_found

router = APIRouter(prefix="/api/v1", tags=["observatory"])
Code = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_.+-]{0,59}$", description="indicator or roadmap code")]
Scope = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,59}$", description="scope code: FR, 11, EU…")]
CSV_COLUMNS = ("indicator", "scope", "dimension", "period", "value", "comparator", "value_text", "numerator",
               "denominator", "kind", "snapshot_date", "source_title", "source_published", "source_kind", "note")


def _indicator_or_404(session, code: str):
    indicator = service.get_indicator(session, code=code)
    if indicator is None:
        raise not_found("code", "No indicator with this code.",
                        detail=f"no indicator with code {code!r} (see /api/v1/indicators)")
    return indicator


@router.get("/indicators", response_model=list[IndicatorSummary])
def list_indicators(session: SessionDep, t: TranslatorDep):
    """Every indicator with its definition and latest values per scope (recorded and computed)."""
    return service.list_indicators(session, lang=t.lang)


@router.get("/indicators/{code}", response_model=IndicatorDetail, responses={404: {"model": Problem}, 422: {"model": Problem}})
def get_indicator(code: Code, session: SessionDep, t: TranslatorDep, scope: Scope = None):
    """Definition, targets with progress, the whole series with sources, and conflicting values."""
    indicator = _indicator_or_404(session, code)
    return {
        "indicator": service.indicator_dict(indicator, lang=t.lang),
        "targets": service.targets_progress(session, code=code),
        "series": service.series(session, code=code, scope=scope),
        "conflicts": service.conflicts(session, code=code),
    }


@router.get("/indicators/{code}/series.csv", responses={404: {"model": Problem}, 422: {"model": Problem}},
            response_class=Response)
def series_csv(code: Code, session: SessionDep, scope: Scope = None):
    """The series as CSV (UTF-8), one value per line with its source."""
    _indicator_or_404(session, code)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for v in service.series(session, code=code, scope=scope):
        src = v["source"]
        writer.writerow([code, v["scope"], v["dimension"] or "", v["period"] or "", f"{v['value']:g}", v["comparator"],
                         v["value_text"] or "", _num(v["numerator"]), _num(v["denominator"]), v["kind"],
                         v["snapshot_date"] or "", src["title"], src["published"] or "", src["kind"], v["note"] or ""])
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{code}.csv"'})


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


@router.get("/roadmaps", response_model=list[RoadmapOut])
def list_roadmaps(session: SessionDep, t: TranslatorDep):
    """Every roadmap with its axes and progress (share of actions done), without the actions."""
    return service.list_roadmaps(session, lang=t.lang)


@router.get("/roadmaps/{code}", response_model=RoadmapOut, responses={404: {"model": Problem}, 422: {"model": Problem}})
def get_roadmap(code: Code, session: SessionDep, t: TranslatorDep):
    """A roadmap with its axes, actions (status, owners, linked indicators) and progress per axis."""
    roadmap = service.get_roadmap(session, code=code, lang=t.lang)
    if roadmap is None:
        raise not_found("code", "No roadmap with this code.",
                        detail=f"no roadmap with code {code!r} (see /api/v1/roadmaps)")
    return roadmap


# The accounts policy: a platform admin (session + CSRF) or the admin bearer token, checked before
# the body is read (no 422 hint to an anonymous caller).
require_admin = require("admin.write")


@router.patch("/roadmaps/actions/{action_id}", response_model=ActionStatusOut,
              responses={401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem},
                         422: {"model": Problem}})
def set_action_status(action_id: Annotated[int, Path(ge=1, le=2**31 - 1)], body: ActionStatusIn, session: SessionDep,
                      principal: Annotated[Principal, Depends(require_admin)]):
    """Set a roadmap action's status (planned, in_progress, done, abandoned, unknown; admin token).
    The change is recorded with its date, the previous status, who made it and the note."""
    by = "admin token" if principal.via_token else f"user {principal.user_id} ({principal.display_name})"[:100]
    try:
        action, change = roadmaps.set_action_status(session, action_id=action_id, status=body.status, by=by,
                                                    note=body.note)
    except roadmaps.ActionNotFound as exc:
        raise not_found("action_id", "No roadmap action with this number.", detail=str(exc)) from None
    return {"id": action.id, "roadmap": action.axis.roadmap.code, "axis": action.axis.number, "number": action.number,
            "status": action.status, "previous_status": change.old_status, "changed_at": change.changed_at}

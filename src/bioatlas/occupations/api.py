"""JSON API of the ROME occupations and job titles under /api/v1 (the job board's vocabulary)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from bioatlas.web.problems import Problem
from bioatlas.core.deps import SessionDep
from bioatlas.occupations import service
from bioatlas.occupations.models import Occupation
from bioatlas.occupations.schemas import (
    JobTitleOut,
    JobTitlePage,
    OccupationDetail,
    OccupationOut,
    OccupationPage,
    OccupationRef,
    SourceOut,
)
from bioatlas.web.refusals import not_found

router = APIRouter(prefix="/api/v1", tags=["occupations"])

QueryText = Annotated[
    str | None,
    Query(max_length=200, description="words in the label or in one of its job titles (any case or accents), or a code prefix"),
]
BioproductionFilter = Annotated[bool | None, Query(description="only the bioproduction subset (true) or the rest (false)")]
Limit = Annotated[int, Query(ge=1, le=service.MAX_PAGE)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


def _summary(o: Occupation) -> OccupationOut:
    return OccupationOut(
        code=o.code, label=o.label, domain=o.domain, subdomain=o.subdomain, parent_code=o.parent_code,
        bioproduction=o.bioproduction, bioproduction_reason=o.bioproduction_reason,
        url=f"/api/v1/occupations/{o.code}",
    )


@router.get("/occupations", response_model=OccupationPage, responses={422: {"model": Problem}})
def list_occupations(
    session: SessionDep,
    q: QueryText = None,
    bioproduction: BioproductionFilter = None,
    domain: Annotated[str | None, Query(pattern=r"^[A-Na-n]$", description="ROME letter, e.g. H")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
):
    """ROME occupations, by code."""
    total, items = service.list_occupations(
        session, q=q, bioproduction=bioproduction, domain=domain, limit=limit, offset=offset
    )
    return OccupationPage(total=total, limit=limit, offset=offset, items=[_summary(o) for o in items])


@router.get(
    "/occupations/{code}", response_model=OccupationDetail, responses={404: {"model": Problem}, 422: {"model": Problem}}
)
def get_occupation(
    session: SessionDep,
    code: Annotated[str, Path(pattern=r"^[A-Na-n][0-9]{4}$", description="ROME code, e.g. H2302")],
):
    """One occupation with its job titles, the fiche it descends from and the occupations under it."""
    occupation = service.get_occupation(session, code=code)
    if occupation is None:
        raise not_found("code", "No occupation with this ROME code.",
                        detail=f"no occupation with ROME code {code.upper()}")
    parent, children = service.related_occupations(session, occupation=occupation)
    return OccupationDetail(
        **_summary(occupation).model_dump(),
        ogr_code=occupation.ogr_code,
        parent=OccupationRef.model_validate(parent) if parent else None,
        children=[OccupationRef.model_validate(c) for c in children],
        titles=[JobTitleOut.model_validate(t) for t in occupation.titles],
        source=SourceOut.model_validate(occupation.source),
    )


@router.get("/job-titles", response_model=JobTitlePage, responses={422: {"model": Problem}})
def list_job_titles(
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=200, description="words in the title (any case or accents)")] = None,
    bioproduction: BioproductionFilter = None,
    occupation: Annotated[str | None, Query(pattern=r"^[A-Na-n][0-9]{4}$", description="ROME code")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
):
    """ROME job titles (appellations), by label: the list a job offer picks its title from."""
    total, items = service.list_titles(
        session, q=q, bioproduction=bioproduction, occupation=occupation, limit=limit, offset=offset
    )
    return JobTitlePage(total=total, limit=limit, offset=offset, items=[JobTitleOut.model_validate(t) for t in items])

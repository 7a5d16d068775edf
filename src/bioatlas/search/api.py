"""Search API: /api/v1/search (ranked, filtered, facets, cursor) and /api/v1/search/suggest."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from starlette.responses import Response

from bioatlas.atlas.service import TaxonomiesDep
from bioatlas.core.deps import SessionDep, TranslatorDep
from bioatlas.search import present
from bioatlas.search.deps import SearchQueryDep
from bioatlas.search.params import ParamError
from bioatlas.search.service import search
from bioatlas.search.suggest import suggest
from bioatlas.web.json_answer import json_answer
from bioatlas.web.problems import Problem
from bioatlas.web.refusals import Refused

router = APIRouter(prefix="/api/v1/search", tags=["search"])
DOC = (
    "Full-text search (French and English, accents and case ignored, typos corrected, last word as a prefix) "
    "over names, acronyms, aliases, descriptions, capabilities and places. Filters as /api/v1/actors (kind, "
    "modality, step, expression, gmp, region, departement) plus scale, bbox, near + radius_km. "
    "A place in q (près d'Évry, near Lyon) becomes the `near` filter "
    "(`place`); a name several communes bear answers `match` = place and their `candidates` (pass one as "
    "`near`). When no actor has every word, `partial` is true and the items are the closest few (at most 10). "
    "`cursor`: the `next_cursor` of the previous page. mode=hybrid fuses the semantic search when available."
)


@router.get("", response_model=dict, responses={422: {"model": Problem}}, description=DOC)
def search_api(
    session: SessionDep,
    taxonomies: TaxonomiesDep,
    t: TranslatorDep,
    sq: SearchQueryDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    mode: Literal["hybrid", "fulltext"] = "hybrid",
    facets: bool = True,
) -> Response:  # the JSON of a dict, made here: no second trip to validate it (`web.json_answer`)
    try:
        result = search(
            session, q=sq.f.q, f=sq.f, taxonomies=taxonomies, geo=sq.geo, scale=sq.scale, limit=limit,
            cursor=cursor, mode=mode, with_facets=facets,
        )
    except ParamError as exc:
        raise Refused(exc, status=422, detail={"field": exc.field, "message": str(exc)}) from None
    return json_answer({
        "q": sq.f.q,
        "total": result.total,
        "scope": sq.f.scope,  # what total counts: sector or all
        "match": result.match,
        "partial": result.partial,
        "text": result.text,
        "place": result.place.as_dict() if result.place else None,
        "candidates": [c.as_dict() for c in result.candidates],
        "corrected": result.corrected,
        "semantic": result.semantic,
        "next_cursor": result.next_cursor,
        "items": present.items(session, result, taxonomies, t.lang),
        "facets": present.facets(result.facets, sq.f, sq.scale, taxonomies, t.lang),
    })


@router.get("/suggest", description="Up to `limit` actors whose names start with or contain the words typed.")
def suggest_api(
    session: SessionDep,
    taxonomies: TaxonomiesDep,
    t: TranslatorDep,
    q: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=20)] = 8,
) -> dict:
    return {"q": q, "items": suggest(session, q, taxonomies, t.lang, limit=limit)}

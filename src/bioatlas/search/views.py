"""The search result page /search: highlighted matches, facets, cursor pages."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from bioatlas.atlas.service import TaxonomiesDep, default_scope
from bioatlas.core.deps import SessionDep, TranslatorDep
from bioatlas.search import present
from bioatlas.search.deps import SearchQueryDep
from bioatlas.search.params import ParamError
from bioatlas.search.service import search
from bioatlas.web.pages import render
from bioatlas.web.refusals import Refused

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    session: SessionDep,
    taxonomies: TaxonomiesDep,
    t: TranslatorDep,
    sq: SearchQueryDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    mode: Literal["hybrid", "fulltext"] = "hybrid",
):
    try:
        result = search(session, q=sq.f.q, f=sq.f, taxonomies=taxonomies, geo=sq.geo, scale=sq.scale,
                        limit=PAGE_SIZE, cursor=cursor, mode=mode)
    except ParamError as exc:
        raise Refused(exc) from None
    params = request.query_params
    return render(
        request, t, "search/results.html",
        search_q=sq.f.q, search_scope=sq.f.scope, scope_computed=default_scope(session) == "sector", total=result.total, match=result.match, corrected=result.corrected,
        partial=result.partial, text=result.text, candidates=result.candidates, place_phrase=result.place_phrase,
        items=present.items(session, result, taxonomies, t.lang),
        facets=present.facets(result.facets, sq.f, sq.scale, taxonomies, t.lang),
        next_cursor=result.next_cursor, position=1 if cursor else 0,
        near=params.get("near"), radius_km=params.get("radius_km"), bbox=params.get("bbox"),
        near_label=result.place.label if result.place else sq.geo.near_label, radius_km_shown=f"{sq.geo.radius_km:g}",
    )

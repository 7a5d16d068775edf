"""Request dependency: the search parameters (atlas filter + geo + scale), 422 on bad values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

from bioatlas.atlas.service import ActorFilter, FilterDep
from bioatlas.search.params import Geo, ParamError, parse_geo, parse_scale
from bioatlas.web.refusals import Refused


@dataclass(frozen=True)
class SearchQuery:
    f: ActorFilter
    geo: Geo
    scale: tuple[str, ...]

    def pairs(self) -> list[tuple[str, str]]:
        return [*self.f.as_query(), *(("scale", s) for s in self.scale)]


async def get_search_query(
    f: FilterDep,
    bbox: Annotated[str | None, Query(max_length=200, description="west,south,east,north (WGS84 degrees)")] = None,
    near: Annotated[str | None, Query(max_length=100, description="commune name or INSEE code")] = None,
    radius_km: Annotated[float | None, Query(description="radius around `near`, km (default 20)")] = None,
    scale: Annotated[list[str], Query(description="scale range: lt10, 10-200, 200-2000, gte2000")] = [],  # noqa: B006
) -> SearchQuery:
    """On the event loop (no thread-pool trip): parsing only, the commune of `near` looked up in
    the gazetteer held in memory (loaded at the warm-up, and by the view's filter before this)."""
    try:
        if radius_km is not None and not near:
            raise ParamError("radius_km", "needs `near` (a commune)")
        return SearchQuery(f=f, geo=parse_geo(bbox, near, radius_km), scale=parse_scale(scale))
    except ParamError as exc:
        raise Refused(exc, detail={"field": exc.field, "message": str(exc)}) from None  # a page: the reader's language


SearchQueryDep = Annotated[SearchQuery, Depends(get_search_query)]

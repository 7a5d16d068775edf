"""Atlas-specific request dependencies: taxonomies and the filter of the current view."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from bioatlas.atlas.filters import ActorFilter, FilterError, parse_filter
from bioatlas.atlas.geocode import gazetteer
from bioatlas.atlas.scope import default_scope, known_default_scope
from bioatlas.atlas.taxonomy import Taxonomy, load_taxonomies
from bioatlas.core.deps import SessionDep
from bioatlas.web.refusals import Refused


def get_taxonomies(request: Request) -> dict[str, Taxonomy]:
    return load_taxonomies(request.app.state.settings.extra_taxonomy_dir)


async def _taxonomies(request: Request) -> dict[str, Taxonomy]:
    """`get_taxonomies` on the event loop (cached: no thread pool trip per request)."""
    return get_taxonomies(request)


async def get_filter(
    request: Request, session: SessionDep, taxonomies: Annotated[dict[str, Taxonomy], Depends(_taxonomies)]
) -> ActorFilter:
    """The view of the request; without `scope`, the sector once the scope has been computed.
    On the event loop: whether the scope was computed is kept per data version for an anonymous
    read (`atlas.scope.known_default_scope`); else it is read in the thread pool (a read may wait
    for a pooled connection, which must never happen on the loop)."""
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    scope = known_default_scope(request.scope.get("state", {}), request.app.state.engine)
    if scope is None:
        scope = await run_in_threadpool(default_scope, session)
    try:
        return parse_filter(params, taxonomies, gazetteer(), default_scope=scope)
    except FilterError as exc:
        # the JSON detail in English as before; a page shows the refusal in the reader's language
        raise Refused(exc, detail={"field": exc.field, "message": str(exc)}) from None


TaxonomiesDep = Annotated[dict[str, Taxonomy], Depends(_taxonomies)]
FilterDep = Annotated[ActorFilter, Depends(get_filter)]

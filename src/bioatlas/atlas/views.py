"""HTML pages of the atlas: the map, the directory, an actor, the data sources.

Each handler calls the same queries and presenters as the JSON API, then renders a template.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from bioatlas.atlas import detail, presenters, queries, scope
from bioatlas.atlas.deps import FilterDep, TaxonomiesDep
from bioatlas.atlas.history import history
from bioatlas.atlas.serialize import actor_to_dict
from bioatlas.core.deps import SessionDep, SettingsDep, TranslatorDep
from bioatlas.core.plugins import merged
from bioatlas.web.pages import render
from bioatlas.web.refusals import not_found

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@router.get("/", response_class=HTMLResponse)
def map_page(
    request: Request, session: SessionDep, settings: SettingsDep, taxonomies: TaxonomiesDep, f: FilterDep, t: TranslatorDep
):
    facets = presenters.facets(session, f=f, taxonomies=taxonomies, lang=t.lang)
    return render(
        request, t, "atlas/map.html", f=f, facets=facets, tile_url=settings.tile_url,
        tile_attribution=settings.tile_attribution, filter_query=f.as_query(), scope_computed=scope.computed(session),
    )


@router.get("/actors", response_class=HTMLResponse)
def directory_page(
    request: Request,
    session: SessionDep,
    taxonomies: TaxonomiesDep,
    f: FilterDep,
    t: TranslatorDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
):
    facets = presenters.facets(session, f=f, taxonomies=taxonomies, lang=t.lang)
    total, actors = queries.list_actors(  # the total is the facet counts' (no second count)
        session, f=f, taxonomies=taxonomies, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, total=facets["total"]
    )
    items = [presenters.actor_summary(a, taxonomies, t.lang) for a in actors]
    pages = max(1, -(-total // PAGE_SIZE))
    return render(request, t, "atlas/directory.html", f=f, facets=facets, items=items, total=total, page=page,
                  pages=pages, filter_query=f.as_query(), scope_computed=scope.computed(session))


@router.get("/actors/{actor_id}", response_class=HTMLResponse)
def actor_page(request: Request, actor_id: Annotated[int, Path(ge=1, le=2**31 - 1)], session: SessionDep, taxonomies: TaxonomiesDep, t: TranslatorDep):
    actor = detail.plain_actor(session, actor_id=actor_id)
    if actor is None:
        raise not_found("actor_id", "No actor with this number.")
    data = actor_to_dict(actor, t.lang, taxonomies=taxonomies)
    inbound_total, inbound = detail.inbound_of(session, actor_id=actor_id)
    changes = history(session, actor_id=actor_id, limit=50)
    # other rooms' buttons and panels (contributions: claim, edit, propose, revert, authors)
    reasons = scope.reasons_of(session, actor_id=actor_id, rules=scope.shipped_rules(), lang=t.lang)
    return render(request, t, "atlas/actor.html", actor=data, inbound=inbound, inbound_total=inbound_total,
                  changes=changes, scope_reasons=reasons, scope_computed=scope.computed(session),
                  **merged("bioatlas_actor_page", request=request, session=session, actor=actor, changes=changes))


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request, t: TranslatorDep):
    return render(request, t, "atlas/sources.html")

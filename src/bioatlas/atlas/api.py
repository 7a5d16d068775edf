"""JSON API of the atlas under /api/v1. Handlers parse, call a query or service, and shape."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from bioatlas.accounts.policy import Principal, PrincipalDep, authorize, can, require
from bioatlas.atlas import clusters, detail, layers, presenters, queries, scope
from bioatlas.atlas.serialize import actor_to_dict
from bioatlas.atlas.deps import FilterDep, TaxonomiesDep
from bioatlas.atlas.exporter import stream_in_session
from bioatlas.atlas.geocode import GeocodeError, gazetteer
from bioatlas.atlas.importer.errors import ImportFileError
from bioatlas.atlas.importer.run import import_actors
from bioatlas.atlas.history import history
from bioatlas.atlas.schemas import ActorPage, ChangeOut, Facets, MapLayerList, TermOut
from bioatlas.web.problems import Problem
from bioatlas.core.fields import FieldError
from bioatlas.core.reports import warnings_said
from bioatlas.core.text import unsafe_character
from bioatlas.atlas.taxonomy import NAMES as TAXONOMY_NAMES
from bioatlas.core.deps import SessionDep, SettingsDep, TranslatorDep
from bioatlas.web.json_answer import json_answer
from bioatlas.web.refusals import Refused, not_found

router = APIRouter(prefix="/api/v1", tags=["atlas"])
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "geojson": "application/geo+json",
}
FILTER_DOC = (
    "Filters (repeat a parameter or separate values by commas; OR inside a facet, AND across facets): "
    "kind, modality, step, expression, gmp (taxonomy codes, see /api/v1/taxonomies), region (INSEE region code), "
    "departement (code), q (text in any name), scope (sector: the biotherapy and bioproduction sector, see "
    "/api/v1/scope; all: every actor; default: the sector once its scope has been computed)."
)


@router.get("/actors", response_model=ActorPage, responses={422: {"model": Problem}}, description=FILTER_DOC)
def list_actors(
    session: SessionDep,
    taxonomies: TaxonomiesDep,
    f: FilterDep,
    t: TranslatorDep,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
):
    total, actors = queries.list_actors(session, f=f, taxonomies=taxonomies, limit=limit, offset=offset)
    items = [presenters.actor_summary(a, taxonomies, t.lang) for a in actors]
    return {"total": total, "scope": f.scope, "limit": limit, "offset": offset, "items": items}


@router.get("/actors/{actor_id}", response_model=dict, responses={404: {"model": Problem}})
def get_actor(actor_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)], session: SessionDep, t: TranslatorDep,
              taxonomies: TaxonomiesDep) -> Response:  # the JSON of a dict, made here (`web.json_answer`)
    actor = detail.plain_actor(session, actor_id=actor_id)
    if actor is None:
        raise not_found("actor_id", "No actor with this number.", detail=f"no actor with id {actor_id}")
    reasons = scope.reasons_of(session, actor_id=actor_id, rules=scope.shipped_rules(), lang=t.lang)
    return json_answer({**actor_to_dict(actor, t.lang, taxonomies=taxonomies),
                        "scope": {"in_scope": bool(reasons), "computed": scope.computed(session), "reasons": reasons}})


@router.get("/scope")
def sector_scope(session: SessionDep, t: TranslatorDep) -> dict:
    """The sector scope: its rules (kind, what each reads, the values it accepts, FR/EN labels; the
    file atlas/sector/rules.csv), the last computation, active actors per rule and in scope, and
    the default scope of the views ("sector" once computed, else "all")."""
    return scope.summary(session, lang=t.lang)


@router.get("/actors/{actor_id}/history", response_model=list[ChangeOut], responses={404: {"model": Problem}})
def actor_history(
    actor_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)], session: SessionDep, limit: Annotated[int, Query(ge=1, le=1000)] = 200
):
    """Every recorded change of an actor, newest first: field, old and new values (JSON), source."""
    if queries.get_actor(session, actor_id=actor_id) is None:
        raise not_found("actor_id", "No actor with this number.", detail=f"no actor with id {actor_id}")
    return [
        {"at": c.at, "action": c.action, "field": c.field, "old_value": c.old_value, "new_value": c.new_value,
         "source": {"id": c.source.id, "title": c.source.title, "kind": c.source.kind}}
        for c in history(session, actor_id=actor_id, limit=limit)
    ]


@router.get("/facets", response_model=Facets, responses={422: {"model": Problem}}, description=FILTER_DOC)
def facets(session: SessionDep, taxonomies: TaxonomiesDep, f: FilterDep, t: TranslatorDep):
    return presenters.facets(session, f=f, taxonomies=taxonomies, lang=t.lang)


@router.get("/map", responses={422: {"model": Problem}}, description="GeoJSON points of the sites in the view. " + FILTER_DOC)
def map_points(session: SessionDep, taxonomies: TaxonomiesDep, f: FilterDep, t: TranslatorDep) -> JSONResponse:
    return JSONResponse(
        presenters.map_geojson(session, f=f, taxonomies=taxonomies, lang=t.lang), media_type="application/geo+json"
    )


@router.get(
    "/map/clusters",
    responses={422: {"model": Problem}},
    description="The sites of a map viewport, clustered by grid cell (exact counts) or one by one when few: "
    "bbox=west,south,east,north (degrees), zoom=0-22 (MapLibre). " + FILTER_DOC,
)
def map_clusters(
    session: SessionDep,
    taxonomies: TaxonomiesDep,
    f: FilterDep,
    t: TranslatorDep,
    bbox: Annotated[str | None, Query(max_length=200)] = None,
    zoom: Annotated[str | None, Query(max_length=40)] = None,
) -> JSONResponse:
    try:
        view = clusters.parse_viewport(bbox, zoom)
    except clusters.ViewportError as exc:
        raise Refused(exc, status=422, detail={"field": exc.field, "message": str(exc)}) from None
    body = clusters.viewport_geojson(session, view, f=f, taxonomies=taxonomies, lang=t.lang)
    return JSONResponse(body, media_type="application/geo+json")


@router.get(
    "/map/stack",
    responses={422: {"model": Problem}},
    description="The sites of the view placed at one point (latitude, longitude in degrees), a page at a time "
    "(limit, offset), ordered by name: the map lists a stack it cannot split. " + FILTER_DOC,
)
def map_stack(
    session: SessionDep,
    taxonomies: TaxonomiesDep,
    f: FilterDep,
    t: TranslatorDep,
    latitude: Annotated[float, Query(ge=-90, le=90)],
    longitude: Annotated[float, Query(ge=-180, le=180)],
    limit: Annotated[int, Query(ge=1, le=200)] = clusters.STACK_PAGE,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict:
    return presenters.stack_page(session, f=f, taxonomies=taxonomies, lang=t.lang, latitude=latitude,
                                 longitude=longitude, limit=limit, offset=offset)


@router.get(
    "/map/layers",
    response_model=MapLayerList,
    description="The map layers other features publish (and the reader may see): label and source in the "
    "request's language, filters, colour.",
)
def map_layers(principal: PrincipalDep, t: TranslatorDep):
    return {"layers": layers.describe_all(lang=t.lang, readable=lambda action: can(principal, action))}


@router.get(
    "/map/layers/{name}",
    responses={401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem}, 422: {"model": Problem}},
    description="GeoJSON points of one map layer in bbox=west,south,east,north (degrees), with the layer's own "
    "filters as query parameters (see /api/v1/map/layers); `truncated` is true when the answer was cut at "
    "the layer's limit.",
)
def map_layer_points(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    t: TranslatorDep,
    name: Annotated[str, PathParam(max_length=60, pattern=layers.NAME.pattern)],
    bbox: Annotated[str | None, Query(max_length=200)] = None,
) -> JSONResponse:
    layer = layers.get(name)
    if layer is None:
        raise not_found("name", "No map layer with this name.", detail=f"no map layer named {name!r}")
    authorize(request, principal, layer.action, target=f"map layer {name}")
    try:
        query = layers.parse_query(layer, request.query_params.multi_items())
    except layers.LayerError as exc:
        raise Refused(exc, status=422, detail={"field": exc.field, "message": str(exc)}) from None
    return JSONResponse(layers.points_geojson(session, layer, query, lang=t.lang), media_type="application/geo+json")


@router.get("/export", responses={422: {"model": Problem}}, description="Download the view (streamed). " + FILTER_DOC)
def export(
    request: Request,
    taxonomies: TaxonomiesDep,
    f: FilterDep,
    t: TranslatorDep,
    format: Literal["csv", "xlsx", "json", "geojson"] = "csv",
) -> Response:
    body = stream_in_session(request.app.state.sessionmaker, f=f, taxonomies=taxonomies, fmt=format, lang=t.lang)
    filename = f"bioatlas-actors.{format}"
    return StreamingResponse(
        body, media_type=EXPORT_TYPES[format], headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get("/taxonomies", response_model=dict[str, list[TermOut]])
def taxonomies_all(taxonomies: TaxonomiesDep, t: TranslatorDep):
    return {name: taxonomies[name].as_list(t.lang) for name in TAXONOMY_NAMES}


@router.get("/geocode", responses={404: {"model": Problem}, 409: {"model": Problem}})
def geocode(
    postcode: Annotated[str | None, Query(max_length=10)] = None,
    commune: Annotated[str | None, Query(max_length=200)] = None,
    insee: Annotated[str | None, Query(max_length=5)] = None,
) -> dict:
    try:
        place = gazetteer().geocode(postcode=postcode, commune=commune, insee=insee)
    except GeocodeError as exc:
        status = 409 if exc.reason == "ambiguous" else 404
        return JSONResponse(
            {"detail": str(exc), "reason": exc.reason, "candidates": [c.as_dict() for c in exc.candidates[:20]]},
            status_code=status,
        )
    return place.as_dict()


def shown_name(filename: str | None) -> str:
    """The uploaded file's name as stored and shown: its last path part, printable, at most 120
    characters and 200 bytes (a file system allows 255), the suffix kept; never a server path."""
    name = Path(filename or "upload").name
    name = "".join(c if c.isprintable() and unsafe_character(c) is None else "_" for c in name).strip(". ") or "upload"
    suffix = Path(name).suffix[:10]
    while len(name) > 120 or len(name.encode()) > 200:
        name = name[: min(len(name), 120) - len(suffix) - 2] + "…" + suffix
    return name


def _file_refusal(name: str, exc: ImportFileError) -> FieldError:
    """A whole file refused (`exc.refusal`), said with the file's name and its line and column."""
    params = {"file": name, "line": exc.line, "column": repr(exc.field), "reason": exc.refusal}
    if exc.line is not None and exc.field:
        return FieldError("file", "{file}, line {line}, column {column}: {reason}", params=params)
    if exc.line is not None:
        return FieldError("file", "{file}, line {line}: {reason}", params=params)
    return FieldError("file", "{file}: {reason}", params=params)


def _renamed(value, path: str, name: str):
    """`value` (a report: dicts, lists, strings) with the server's temporary path replaced by the
    uploaded file's name."""
    if isinstance(value, str):
        return value.replace(path, name)
    if isinstance(value, dict):
        return {key: _renamed(item, path, name) for key, item in value.items()}
    if isinstance(value, list):
        return [_renamed(item, path, name) for item in value]
    return value


@router.post(
    "/imports/actors",
    responses={401: {"model": Problem}, 403: {"model": Problem}, 413: {"model": Problem}, 422: {"model": Problem}},
    description="Import a CSV or XLSX file of actors (admin token). All-or-nothing unless skip_invalid.",
)
async def import_actors_upload(
    request: Request,
    settings: SettingsDep,
    taxonomies: TaxonomiesDep,
    t: TranslatorDep,
    file: UploadFile,
    _admin: Annotated[Principal, Depends(require("import.run"))],  # the admin token or an admin's session
    dry_run: bool = False,
    skip_invalid: bool = False,
) -> JSONResponse:
    name = shown_name(file.filename)
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".xlsx", ".txt"):
        raise Refused(FieldError("file", "unsupported file type {suffix}: send .csv or .xlsx",
                                 params={"suffix": suffix or "(none)"}),
                      detail=f"{name}: unsupported file type {suffix or '(none)'}; send .csv or .xlsx")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name  # the import's source is named after the file
        size = 0
        with path.open("wb") as out:
            while chunk := await file.read(1 << 16):
                size += len(chunk)
                if size > settings.max_upload_bytes:
                    limit = settings.max_upload_bytes // (1024 * 1024)
                    raise Refused(FieldError("file", "{file}: larger than the {limit} MB upload limit", 413,
                                             params={"file": name, "limit": limit}),
                                  detail=f"{name}: larger than the {limit} MB upload limit")
                out.write(chunk)
        try:
            # a worker thread, not the event loop: a long import must not freeze every other request
            report = await run_in_threadpool(
                import_actors,
                request.app.state.sessionmaker,
                path,
                taxonomies=taxonomies,
                dry_run=dry_run,
                skip_invalid=skip_invalid,
                max_bytes=settings.max_upload_bytes,
            )
        except ImportFileError as exc:
            detail = str(exc).replace(str(path), name)
            if exc.refusal is None:
                raise HTTPException(422, detail=detail) from None
            refusal = exc.refusal  # its params may hold the server's path (a member's, a reason's)
            exc.refusal = FieldError(refusal.field, refusal.msgid, refusal.status, params=_renamed(refusal.params, str(path), name))
            raise Refused(_file_refusal(name, exc), detail=detail) from None
        body = _renamed(report.as_dict(), str(path), name)
    for entry, error in zip(body.get("errors", []), report.errors):  # each rejected cell in the reader's language
        entry["message"] = error.said(t)
    body["warning_messages"] = warnings_said(t, report.warnings)  # `warnings` in the reader's language, in order
    return JSONResponse(body, status_code=422 if body.get("errors") and not skip_invalid else 200)

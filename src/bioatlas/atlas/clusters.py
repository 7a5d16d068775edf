"""Map clusters for one viewport: exact counts per grid cell, whatever the size of the atlas.

The map asks for its bounding box and zoom. The sites of the view (every filter of the map
applies) inside the box are grouped by their Web-Mercator cell (`sites.cell_g<g>`, see cells.py)
of the grid whose cells are 64 to 128 screen pixels wide at that zoom (MapLibre's 512-pixel
tiles); each cluster is the number of sites of its cell, placed at the mean of its points. When
the box holds few sites (≤ POINTS_MAX) they come back one by one instead.

At the finest grid a cell no zoom can split (all its sites at one point: a registry placing
hundreds of organisations at their city's town hall) is a *stack*: its feature says so and lists
its first STACK_PAGE sites; `queries.stack_sites` (/api/v1/map/stack) pages through the rest.

The counting is done by the in-memory map index of the process (map_index.py, map_query.py),
kept fresh with the change log; this module parses the request and shapes the GeoJSON.

The box is at most MAX_VIEW_PX pixels wide and high at the zoom, so an answer holds at most
(MAX_VIEW_PX / 64)² = 4,096 clusters or POINTS_MAX points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bioatlas.atlas import map_index, map_query, queries
from bioatlas.atlas.cells import GRIDS, mercator_y
from bioatlas.atlas.filters import ActorFilter, FilterError, conditions, site_condition
from bioatlas.atlas.records import APPROXIMATE
from bioatlas.atlas.models import Actor, Site
from bioatlas.atlas.taxonomy import Taxonomy

TILE_PX = 512  # MapLibre's world is 512 · 2^zoom pixels wide
MAX_ZOOM = 22
MAX_LAT = 85.0511  # the Web-Mercator world
MAX_VIEW_PX = 4096
POINTS_MAX = 300  # ≈ 70 KB of points
STACK_PAGE = 50  # sites listed with a stack's feature (the rest: /api/v1/map/stack)


class ViewportError(FilterError):
    """A bounding box or zoom the map cannot ask for; `field` is the query parameter."""


@dataclass(frozen=True)
class Viewport:
    west: float
    south: float
    east: float
    north: float
    zoom: float

    @property
    def grid(self) -> int:
        return grid_for(self.zoom)


def grid_for(zoom: float) -> int:
    """The grid whose cells are 64–128 px at this zoom (the finest one past zoom 13)."""
    wanted = math.floor(zoom) + 3
    return max([g for g in GRIDS if g <= wanted] or [GRIDS[0]])


def parse_bbox(bbox: str | None) -> tuple[float, float, float, float]:
    """`bbox` = "west,south,east,north" in degrees (WGS 84) → the four numbers, checked
    (ViewportError naming `bbox` otherwise). Shared by the clusters and the map layers."""
    if bbox is None or not str(bbox).strip():
        raise ViewportError("bbox", "required: west,south,east,north in degrees")
    parts = str(bbox).split(",")
    if len(parts) != 4:
        raise ViewportError("bbox", "expected 4 comma-separated numbers (west,south,east,north), got {count}",
                            params={"count": len(parts)})
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise ViewportError("bbox", "not numbers: {value!r}", params={"value": str(bbox)[:80]}) from None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise ViewportError("bbox", "coordinates must be finite numbers")
    if not (-180.0 <= west < east <= 180.0):
        raise ViewportError("bbox", "longitudes must satisfy -180 <= west < east <= 180")
    if not (-90.0 <= south < north <= 90.0):
        raise ViewportError("bbox", "latitudes must satisfy -90 <= south < north <= 90")
    return west, south, east, north


def parse_viewport(bbox: str | None, zoom: str | float | None) -> Viewport:
    """`bbox` = "west,south,east,north" in degrees (WGS 84), `zoom` = MapLibre zoom 0–22."""
    west, south, east, north = parse_bbox(bbox)
    if zoom is None or str(zoom).strip() == "":
        raise ViewportError("zoom", "required: a number from 0 to {max}", params={"max": MAX_ZOOM})
    try:
        z = float(zoom)
    except ValueError:
        raise ViewportError("zoom", "not a number: {value!r}", params={"value": str(zoom)[:40]}) from None
    if not (math.isfinite(z) and 0 <= z <= MAX_ZOOM):
        raise ViewportError("zoom", "must be a number from 0 to {max}", params={"max": MAX_ZOOM})
    south, north = max(south, -MAX_LAT), min(north, MAX_LAT)
    world = TILE_PX * 2 ** z
    width = (east - west) / 360.0 * world
    height = (mercator_y(south) - mercator_y(north)) * world
    if width > MAX_VIEW_PX or height > MAX_VIEW_PX:
        raise ViewportError(
            "bbox", "too large for zoom {zoom:g}: {width:.0f} × {height:.0f} px, at most {max} px each way",
            params={"zoom": z, "width": width, "height": height, "max": MAX_VIEW_PX})
    return Viewport(west, south, east, north, z)


def point_rows(session: Session, ids: list[int]) -> list[tuple]:
    """(site id, actor id, actor name, kind, latitude, longitude, commune, precision) of these sites, by id."""
    rows = []
    for start in range(0, len(ids), 500):
        rows.extend(tuple(r) for r in session.execute(
            select(Site.id, Actor.id, Actor.name, Actor.kind, Site.latitude, Site.longitude, Site.commune_name,
                   Site.precision)
            .join(Actor, Actor.id == Site.actor_id)
            .where(Site.id.in_(ids[start:start + 500]))
        ).all())
    return sorted(rows)


def point_properties(row: tuple, kinds: Taxonomy, lang: str) -> dict:
    """The properties of one site's point (a row of `point_rows` / `queries.stack_sites`):
    `precision` as stored, `approximate` true when the point is a commune's or a city's."""
    _site_id, actor_id, name, kind, _lat, _lon, commune, precision = row
    return {"actor": actor_id, "name": name, "kind": kind, "kind_label": kinds.label(kind, lang),
            "commune": commune, "precision": precision, "approximate": precision in APPROXIMATE}


def stacks(session: Session, view: Viewport, cells: list[int], *, f: ActorFilter,
           taxonomies: dict[str, Taxonomy]) -> dict[int, tuple[float, float]]:
    """The cells (of the finest grid) whose sites in the view all share one point: cell -> (lat, lon)."""
    if view.grid != GRIDS[-1] or not cells:
        return {}
    column = getattr(Site, f"cell_g{view.grid}")
    found = {}
    for start in range(0, len(cells), 500):
        rows = session.execute(
            select(column, func.min(Site.latitude), func.max(Site.latitude), func.min(Site.longitude),
                   func.max(Site.longitude))
            .join(Actor, Actor.id == Site.actor_id)
            .where(column.in_(cells[start:start + 500]),
                   *conditions(f.without("region").without("departement"), taxonomies), site_condition(f),
                   Site.latitude.between(view.south, view.north), Site.longitude.between(view.west, view.east))
            .group_by(column)
        ).all()
        for cell, lat0, lat1, lon0, lon1 in rows:
            if lat1 - lat0 <= queries.STACK_EPS and lon1 - lon0 <= queries.STACK_EPS:
                found[int(cell)] = (lat0, lon0)
    return found


def viewport_geojson(
    session: Session, view: Viewport, *, f: ActorFilter, taxonomies: dict[str, Taxonomy], lang: str
) -> dict:
    """The view as a GeoJSON FeatureCollection, with foreign members `mode` ("clusters" or
    "points"), `total` (sites in the box), `zoom` and `grid`. Cluster features have the
    properties {cluster: true, count, cell}; point features those of `presenters.map_geojson`."""
    with map_index.current(session) as index:
        state = map_query.filter_state(session, index, f, taxonomies)
        found = map_query.viewport_cells(index, state, view, POINTS_MAX)
    total = found.total
    features: list[dict] = []
    if found.point_ids is not None:
        kinds = taxonomies["kinds"]
        mode = "points"
        for row in point_rows(session, found.point_ids):
            features.append({
                "type": "Feature", "id": row[0],
                "geometry": {"type": "Point", "coordinates": [round(row[5], 6), round(row[4], 6)]},
                "properties": point_properties(row, kinds, lang),
            })
    else:
        mode = "clusters"
        cells, counts = [int(c) for c in found.cell.tolist()], [int(n) for n in found.count.tolist()]
        stacked = stacks(session, view, [c for c, n in zip(cells, counts) if n > 1], f=f, taxonomies=taxonomies)
        for cell, count, lat, lon in zip(cells, counts, found.lat.tolist(), found.lon.tolist()):
            props: dict = {"cluster": True, "count": count, "cell": cell}
            if cell in stacked:
                lat, lon = stacked[cell]
                _, rows = queries.stack_sites(session, f=f, taxonomies=taxonomies, latitude=lat, longitude=lon,
                                              limit=STACK_PAGE)
                props.update(stack=True, latitude=lat, longitude=lon,
                             items=[point_properties(r, taxonomies["kinds"], lang) for r in rows])
            features.append({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(float(lon), 5), round(float(lat), 5)]},
                "properties": props,
            })
    return {
        "type": "FeatureCollection", "mode": mode, "total": total, "scope": f.scope, "zoom": view.zoom, "grid": view.grid,
        "bbox": [view.west, view.south, view.east, view.north], "features": features,
    }

"""Map clusters for one viewport: exact counts per grid cell, whatever the size of the atlas.

The map asks for its bounding box and zoom. The sites of the view (every filter of the map
applies) inside the box are grouped by their Web-Mercator cell (`sites.cell_g<g>`, see cells.py)
of the grid whose cells are 64 to 128 screen pixels wide at that zoom (MapLibre's 512-pixel
tiles); each cluster is the number of sites of its cell, placed at the mean of its points. When
the box holds few sites (≤ POINTS_MAX) they come back one by one instead.

The counting is done by the in-memory map index of the process (map_index.py, map_query.py),
kept fresh with the change log; this module parses the request and shapes the GeoJSON.

The box is at most MAX_VIEW_PX pixels wide and high at the zoom, so an answer holds at most
(MAX_VIEW_PX / 64)² = 4,096 clusters or POINTS_MAX points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.atlas import map_index, map_query
from bioatlas.atlas.cells import GRIDS, mercator_y
from bioatlas.atlas.filters import ActorFilter, FilterError
from bioatlas.atlas.models import Actor, Site
from bioatlas.atlas.taxonomy import Taxonomy

TILE_PX = 512  # MapLibre's world is 512 · 2^zoom pixels wide
MAX_ZOOM = 22
MAX_LAT = 85.0511  # the Web-Mercator world
MAX_VIEW_PX = 4096
POINTS_MAX = 300  # ≈ 70 KB of points


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
        raise ViewportError("bbox", f"expected 4 comma-separated numbers (west,south,east,north), got {len(parts)}")
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise ViewportError("bbox", f"not numbers: {str(bbox)[:80]!r}") from None
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
        raise ViewportError("zoom", f"required: a number from 0 to {MAX_ZOOM}")
    try:
        z = float(zoom)
    except ValueError:
        raise ViewportError("zoom", f"not a number: {str(zoom)[:40]!r}") from None
    if not (math.isfinite(z) and 0 <= z <= MAX_ZOOM):
        raise ViewportError("zoom", f"must be a number from 0 to {MAX_ZOOM}")
    south, north = max(south, -MAX_LAT), min(north, MAX_LAT)
    world = TILE_PX * 2 ** z
    width = (east - west) / 360.0 * world
    height = (mercator_y(south) - mercator_y(north)) * world
    if width > MAX_VIEW_PX or height > MAX_VIEW_PX:
        raise ViewportError(
            "bbox", f"too large for zoom {z:g}: {width:.0f} × {height:.0f} px, at most {MAX_VIEW_PX} px each way"
        )
    return Viewport(west, south, east, north, z)


def point_rows(session: Session, ids: list[int]) -> list[tuple]:
    """(site id, actor id, actor name, kind, latitude, longitude, commune) of these sites, by id."""
    rows = []
    for start in range(0, len(ids), 500):
        rows.extend(tuple(r) for r in session.execute(
            select(Site.id, Actor.id, Actor.name, Actor.kind, Site.latitude, Site.longitude, Site.commune_name)
            .join(Actor, Actor.id == Site.actor_id)
            .where(Site.id.in_(ids[start:start + 500]))
        ).all())
    return sorted(rows)


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
        for site_id, actor_id, name, kind, lat, lon, commune in point_rows(session, found.point_ids):
            features.append({
                "type": "Feature", "id": site_id,
                "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                "properties": {"actor": actor_id, "name": name, "kind": kind,
                               "kind_label": kinds.label(kind, lang), "commune": commune},
            })
    else:
        mode = "clusters"
        for cell, count, lat, lon in zip(found.cell.tolist(), found.count.tolist(), found.lat.tolist(),
                                         found.lon.tolist()):
            features.append({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(float(lon), 5), round(float(lat), 5)]},
                "properties": {"cluster": True, "count": int(count), "cell": int(cell)},
            })
    return {
        "type": "FeatureCollection", "mode": mode, "total": total, "zoom": view.zoom, "grid": view.grid,
        "bbox": [view.west, view.south, view.east, view.north], "features": features,
    }

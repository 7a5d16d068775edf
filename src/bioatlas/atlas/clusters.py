"""Map clusters for one viewport: exact counts per grid cell, whatever the size of the atlas.

The map asks for its bounding box and zoom. The sites of the view (every filter of the map
applies) inside the box are grouped by their precomputed Web-Mercator cell (`sites.cell_g<g>`,
see cells.py) of the grid whose cells are 64 to 128 screen pixels wide at that zoom (MapLibre's
512-pixel tiles); each cluster is `count(*)` of its cell, placed at the mean of its points. When
the box holds few sites (≤ POINTS_MAX) they come back one by one instead.

The box is at most MAX_VIEW_PX pixels wide and high at the zoom, so an answer holds at most
(MAX_VIEW_PX / 64)² = 4,096 clusters or POINTS_MAX points.
 The box becomes one index range per
column of cells (`cell BETWEEN x·2^g + y0 AND x·2^g + y1`) plus the exact latitude/longitude test,
so a small view reads a small part of the index whatever the size of the table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bioatlas.atlas.cells import GRIDS, mercator_y
from bioatlas.atlas.filters import ActorFilter, conditions, site_condition
from bioatlas.atlas.models import Actor, Site
from bioatlas.atlas.taxonomy import Taxonomy

TILE_PX = 512  # MapLibre's world is 512 · 2^zoom pixels wide
MAX_ZOOM = 22
MAX_LAT = 85.0511  # the Web-Mercator world
MAX_VIEW_PX = 4096
POINTS_MAX = 300  # ≈ 70 KB of points
MAX_RANGES = 128  # above this many cell columns, one range from the first to the last


class ViewportError(ValueError):
    """A bounding box or zoom the map cannot ask for; `field` is the query parameter."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


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


def parse_viewport(bbox: str | None, zoom: str | float | None) -> Viewport:
    """`bbox` = "west,south,east,north" in degrees (WGS 84), `zoom` = MapLibre zoom 0–22."""
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


def _cell_ranges(view: Viewport, column):
    """Conditions on the cell column selecting every cell the box touches (a superset of it)."""
    g = view.grid
    n = 1 << g
    x0 = math.floor((view.west + 180.0) / 360.0 * n)
    x1 = min(n - 1, math.floor((view.east + 180.0) / 360.0 * n))
    y0 = max(0, math.floor(mercator_y(view.north) * n))
    y1 = min(n - 1, math.floor(mercator_y(view.south) * n))
    if x1 - x0 + 1 > MAX_RANGES:
        return column.between(x0 * n + y0, x1 * n + y1)
    return or_(*(column.between(x * n + y0, x * n + y1) for x in range(x0, x1 + 1)))


def _actor_condition(f: ActorFilter, taxonomies: dict[str, Taxonomy]):
    """Which sites belong to actors of the view, without joining every site to its actor: the
    default view (status only) excludes the sites of the few other-status actors (index on
    actors.status); a view with facets keeps the sites of the matching actors' ids."""
    facets = f.without("region").without("departement")
    if facets == ActorFilter(status=f.status):
        if not f.status:
            return None
        others = select(Actor.id).where(or_(Actor.status < f.status, Actor.status > f.status))
        return Site.actor_id.not_in(others)
    return Site.actor_id.in_(select(Actor.id).where(*conditions(facets, taxonomies)))


def _where(view: Viewport, f: ActorFilter, taxonomies: dict[str, Taxonomy], column) -> list:
    conds = [
        _cell_ranges(view, column),
        Site.latitude.between(view.south, view.north),
        Site.longitude.between(view.west, view.east),
    ]
    if f.region or f.departement:
        conds.append(site_condition(f))  # geo facets select the sites themselves, as on the map
    actor = _actor_condition(f, taxonomies)
    return conds if actor is None else [*conds, actor]


def cluster_rows(session: Session, view: Viewport, f: ActorFilter, taxonomies: dict[str, Taxonomy]) -> list[tuple]:
    """(cell, count, mean latitude, mean longitude) of every non-empty cell of the view."""
    column = getattr(Site, f"cell_g{view.grid}")
    stmt = (
        select(column, func.count(), func.avg(Site.latitude), func.avg(Site.longitude))
        .where(*_where(view, f, taxonomies, column))
        .with_hint(Site, f"INDEXED BY ix_sites_cell_g{view.grid}", dialect_name="sqlite")
        .group_by(column)
        .order_by(column)
    )
    return [tuple(r) for r in session.execute(stmt).all()]


def point_rows(session: Session, view: Viewport, f: ActorFilter, taxonomies: dict[str, Taxonomy], limit: int) -> list[tuple]:
    """(site id, actor id, actor name, kind, latitude, longitude, commune) of the view's sites."""
    column = getattr(Site, f"cell_g{view.grid}")
    return [
        tuple(r)
        for r in session.execute(
            select(Site.id, Actor.id, Actor.name, Actor.kind, Site.latitude, Site.longitude, Site.commune_name)
            .join(Actor, Actor.id == Site.actor_id)
            .where(*_where(view, f, taxonomies, column))
            .order_by(Site.id)
            .limit(limit)
        ).all()
    ]


def viewport_geojson(
    session: Session, view: Viewport, *, f: ActorFilter, taxonomies: dict[str, Taxonomy], lang: str
) -> dict:
    """The view as a GeoJSON FeatureCollection, with foreign members `mode` ("clusters" or
    "points"), `total` (sites in the box), `zoom` and `grid`. Cluster features have the
    properties {cluster: true, count, cell}; point features those of `presenters.map_geojson`."""
    rows = cluster_rows(session, view, f, taxonomies)
    total = sum(r[1] for r in rows)
    features: list[dict] = []
    if total <= POINTS_MAX:
        kinds = taxonomies["kinds"]
        mode = "points"
        for site_id, actor_id, name, kind, lat, lon, commune in point_rows(session, view, f, taxonomies, POINTS_MAX):
            features.append({
                "type": "Feature", "id": site_id,
                "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                "properties": {"actor": actor_id, "name": name, "kind": kind,
                               "kind_label": kinds.label(kind, lang), "commune": commune},
            })
    else:
        mode = "clusters"
        for cell, count, lat, lon in rows:
            features.append({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(float(lon), 5), round(float(lat), 5)]},
                "properties": {"cluster": True, "count": int(count), "cell": int(cell)},
            })
    return {
        "type": "FeatureCollection", "mode": mode, "total": total, "zoom": view.zoom, "grid": view.grid,
        "bbox": [view.west, view.south, view.east, view.north], "features": features,
    }

"""Map grid cells of a site: Web-Mercator tile coordinates of its point at a few zoom levels.

`cell_g<g>` = x * 2**g + y, where (x, y) is the tile holding the point on the 2**g × 2**g grid
of the Web-Mercator world (x from 180° W eastward, y from 85.05° N southward). The database
computes them from `latitude`/`longitude` (generated columns, see `Site` and migration 0010), so
every writer — the ORM writer, the bulk loader's Core inserts, SQL by hand — keeps them right.
`atlas/clusters.py` groups the sites of a viewport by the cell of one grid.

The SQL uses ln, tan, cos, radians, pi and floor: PostgreSQL has them; SQLite has them when built
with its math functions (3.35+, as Python's and Debian's builds are).
"""

from __future__ import annotations

import math

GRIDS = (4, 6, 8, 10, 12, 14, 16)  # grid levels with a column and an index on sites


def cell_sql(grid: int) -> str:
    """SQL expression of `cell_g<grid>` (NULL when the site has no coordinates)."""
    n = 1 << grid
    x = f"floor((longitude + 180.0) / 360.0 * {n})"
    y = f"floor((1.0 - ln(tan(radians(latitude)) + 1.0 / cos(radians(latitude))) / pi()) / 2.0 * {n})"
    # CASE first: SQLAlchemy's SQLite driver registers a Python floor() that fails on NULL.
    return f"CASE WHEN latitude IS NULL OR longitude IS NULL THEN NULL ELSE CAST({x} * {n} + {y} AS BIGINT) END"


def tile_xy(latitude: float, longitude: float, grid: int) -> tuple[int, int]:
    """The same tile as `cell_sql`, in Python (references, tests, bounding boxes)."""
    n = 1 << grid
    lat = math.radians(latitude)
    x = math.floor((longitude + 180.0) / 360.0 * n)
    y = math.floor((1.0 - math.log(math.tan(lat) + 1.0 / math.cos(lat)) / math.pi) / 2.0 * n)
    return x, y


def cell_of(latitude: float, longitude: float, grid: int) -> int:
    x, y = tile_xy(latitude, longitude, grid)
    return x * (1 << grid) + y


def mercator_y(latitude: float) -> float:
    """Web-Mercator y of a latitude on the unit world (0 at 85.05° N, 1 at 85.05° S)."""
    lat = math.radians(latitude)
    return (1.0 - math.log(math.tan(lat) + 1.0 / math.cos(lat)) / math.pi) / 2.0

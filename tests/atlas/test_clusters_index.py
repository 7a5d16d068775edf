"""The in-memory map index (atlas/map_index.py, map_query.py) against a brute-force GROUP BY over
the sites in SQL: random boxes (edges cutting cells, and edges lying exactly on tile borders),
zooms 3–16 and every kind of map filter, on real organisations (the first 600 ROR records of the
demo data + the seed ecosystem). Read-only: the freshness tests are in test_clusters_fresh.py."""

from __future__ import annotations

import gzip
import math
import random

import numpy as np
import pytest
from sqlalchemy import func, select

from bioatlas.atlas import clusters, map_index, map_query
from bioatlas.demo.files import ROR_FILE
from bioatlas.atlas.filters import ActorFilter, conditions, site_condition
from bioatlas.atlas.models import Actor, Site
from bioatlas.sources import ror_load
from tests.atlas.ecosystem import load as load_ecosystem

FILTERS = [
    ActorFilter(),
    ActorFilter(status=""),
    ActorFilter(kind=("company",)),
    ActorFilter(kind=("university", "cluster")),
    ActorFilter(modality=("car_t", "allogeneic_cell")),
    ActorFilter(region=("11",)),
    ActorFilter(departement=("69", "21")),
    ActorFilter(region=("11",), kind=("university",)),
    ActorFilter(q="institut"),
]


def load_real_atlas(engine, tmp_path_factory, records: int = 600):
    from bioatlas.core.db import make_sessionmaker
    from tests.conftest import _wipe

    subset = tmp_path_factory.mktemp("ror") / "ror-subset.jsonl.gz"
    with gzip.open(ROR_FILE, "rt", encoding="utf-8") as src, gzip.open(subset, "wt", encoding="utf-8") as out:
        for n, line in enumerate(src):
            if n >= records:
                break
            out.write(line)
    _wipe(engine)
    factory = make_sessionmaker(engine)
    with factory() as session:
        ror_load.load(session, subset, countries={"FR"})
        load_ecosystem(session)
        session.commit()
    return factory


@pytest.fixture(scope="module")
def atlas(engine, tmp_path_factory):
    from tests.conftest import _wipe

    yield load_real_atlas(engine, tmp_path_factory)
    _wipe(engine)


def brute_force(session, taxonomies, view, f: ActorFilter) -> dict:
    """{cell: (count, mean lat, mean lon)} by SQL over every site of the view, joined to its actor."""
    column = getattr(Site, f"cell_g{view.grid}")
    rows = session.execute(
        select(column, func.count(), func.avg(Site.latitude), func.avg(Site.longitude))
        .join(Actor, Actor.id == Site.actor_id)
        .where(*conditions(f.without("region").without("departement"), taxonomies), site_condition(f),
               Site.latitude.between(view.south, view.north), Site.longitude.between(view.west, view.east))
        .group_by(column)
    ).all()
    return {int(c): (int(n), float(lat), float(lon)) for c, n, lat, lon in rows}


def brute_force_ids(session, taxonomies, view, f: ActorFilter) -> list[int]:
    return list(session.scalars(
        select(Site.id).join(Actor, Actor.id == Site.actor_id)
        .where(*conditions(f.without("region").without("departement"), taxonomies), site_condition(f),
               Site.latitude.between(view.south, view.north), Site.longitude.between(view.west, view.east))
        .order_by(Site.id)))


def indexed(session, taxonomies, view, f: ActorFilter, points_max: int = 0) -> map_query.Cells:
    with map_index.current(session) as index:
        state = map_query.filter_state(session, index, f, taxonomies)
        return map_query.viewport_cells(index, state, view, points_max)


def as_dict(cells: map_query.Cells) -> dict:
    return {int(c): (int(n), float(a), float(o)) for c, n, a, o in zip(cells.cell, cells.count, cells.lat, cells.lon)}


def assert_same(got: dict, expected: dict) -> None:
    assert set(got) == set(expected)
    for cell, (count, lat, lon) in expected.items():
        assert got[cell][0] == count, cell
        assert got[cell][1:] == pytest.approx((lat, lon), abs=1e-9)


def random_view(rng: random.Random, places: list[tuple[float, float]]) -> clusters.Viewport:
    """A box of 40–4,096 px each way at a random zoom, around a random site of the atlas."""
    zoom = rng.uniform(3.0, 16.0)
    lat, lon = rng.choice(places)
    world = 512 * 2 ** zoom
    half_w, half_h = rng.uniform(20, 2048) / world, rng.uniform(20, 2048) / world
    x = (lon + 180) / 360 + rng.uniform(-half_w, half_w)
    y = clusters.mercator_y(lat) + rng.uniform(-half_h, half_h)

    def lat_of(my: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * my))))

    west, east = max(-180.0, (x - half_w) * 360 - 180), min(180.0, (x + half_w) * 360 - 180)
    south, north = lat_of(y + half_h), lat_of(y - half_h)
    return clusters.parse_viewport(f"{west!r},{south!r},{east!r},{north!r}", zoom)


def test_morton_ranges_hold_exactly_the_cells_of_every_grid():
    rng = np.random.default_rng(7)
    x, y = rng.integers(0, 1 << 16, 5000), rng.integers(0, 1 << 16, 5000)
    code = np.sort(map_index.morton(x, y))
    order = np.argsort(map_index.morton(x, y), kind="stable")
    xs, ys = x[order], y[order]
    for g in (4, 8, 12, 14):
        k = 16 - g
        for cx, cy in zip(xs[:50] >> k, ys[:50] >> k):
            start = map_index.morton(np.array([cx]), np.array([cy]))[0] << np.uint64(2 * k)
            lo, hi = np.searchsorted(code, [start, start + np.uint64(1 << (2 * k))])
            inside = np.nonzero(((xs >> k) == cx) & ((ys >> k) == cy))[0]
            assert list(inside) == list(range(lo, hi))  # contiguous, and nothing else


@pytest.mark.parametrize("seed", range(6))
def test_random_boxes_and_filters_equal_the_sql_brute_force(atlas, taxonomies, seed):
    rng = random.Random(seed)
    cut = 0
    with atlas() as session:
        places = session.execute(select(Site.latitude, Site.longitude).where(Site.latitude.isnot(None))
                                 .order_by(Site.id)).all()
        for _ in range(12):
            view = random_view(rng, places)
            f = rng.choice(FILTERS)
            expected = brute_force(session, taxonomies, view, f)
            cells = indexed(session, taxonomies, view, f)
            assert_same(as_dict(cells), expected)
            cut += bool(expected)
            few = indexed(session, taxonomies, view, f, points_max=10_000)
            assert few.point_ids == brute_force_ids(session, taxonomies, view, f)
    assert cut >= 6  # the random boxes did hold sites


@pytest.mark.parametrize("zoom", [5, 8, 11, 13])
def test_box_edges_on_tile_borders_and_through_dense_cells(atlas, taxonomies, zoom):
    """Paris and Lyon at zooms where the box edges cut cells full of sites, then the same box
    moved so that its edges lie exactly on the tile borders of its grid."""
    with atlas() as session:
        for lat, lon in ((48.8566, 2.3522), (45.764, 4.8357)):
            g = clusters.grid_for(zoom)
            n = 1 << g
            span = 900 / (512 * 2 ** zoom) * 360
            view = clusters.parse_viewport(f"{lon - span},{lat - span / 2},{lon + span},{lat + span / 2}", zoom)
            x0 = math.floor((view.west + 180) / 360 * n)
            aligned = clusters.parse_viewport(
                f"{x0 / n * 360 - 180!r},{view.south},{(x0 + 3) / n * 360 - 180!r},{view.north}", zoom)
            for v in (view, aligned):
                for f in FILTERS:
                    assert_same(as_dict(indexed(session, taxonomies, v, f)), brute_force(session, taxonomies, v, f))
        assert brute_force(session, taxonomies, view, ActorFilter())  # not an empty comparison


def test_the_national_view_and_its_total(atlas, taxonomies):
    with atlas() as session:
        view = clusters.parse_viewport("-5.5,41.0,10.0,51.5", 5)
        cells = indexed(session, taxonomies, view, ActorFilter())
        expected = brute_force(session, taxonomies, view, ActorFilter())
        assert_same(as_dict(cells), expected)
        assert cells.total == sum(c for c, _, _ in expected.values()) > 100
        assert list(cells.cell) == sorted(cells.cell)  # ascending cell ids, as the SQL ordered them

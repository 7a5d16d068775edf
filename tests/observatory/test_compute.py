"""Computed indicators on the small real ecosystem and on the real EMA lists; snapshots."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from bioatlas.atlas.models import Actor, Site, Source
from bioatlas.observatory import compute, service
from bioatlas.observatory.models import IndicatorValue
from bioatlas.products import queries as pq
from bioatlas.products.models import Product, ProductManufacturing


def _points(session, query):
    return compute.run_query(compute.Context(session), query)


def test_actor_counts_on_the_ecosystem(session, eco):
    kinds = {p.dimension: p.value for p in _points(session, "actors_by:kind")}
    assert kinds["kind=cluster"] == 2 and kinds["kind=public_agency"] == 2 and kinds["kind=hospital"] == 1
    assert kinds["kind=company"] == 2  # Cellectis and the start-up Sensorion (a parent counts its subtree)
    regions = {p.scope: p.value for p in _points(session, "actors_by:region")}
    assert regions == {"11": 2, "27": 2}
    modalities = {p.dimension: p.value for p in _points(session, "actors_by:modality")}
    assert modalities["modality=car_t"] == 1 and modalities["modality=allogeneic_cell"] == 1
    assert {p.dimension: p.value for p in _points(session, "actors_by:step")}["step=clinical_batches"] == 1


def test_region_share_is_compared_with_the_recorded_40_percent(session, eco, loaded):
    share = {p.scope: p for p in _points(session, "region_share")}
    assert (share["11"].value, share["11"].numerator, share["11"].denominator) == (50.0, 2, 4)
    compute.snapshot(session, at=date(2026, 1, 2))
    session.commit()
    idf = service.series(session, code="actors_region_share", scope="11")
    assert [(v["kind"], v["value"]) for v in idf] == [("recorded", 40.0), ("computed", 50.0)]
    assert idf[1]["source"]["title"] == "computed from the atlas, region_share"


def test_capacity_and_gmp_sites(session, eco):
    assert isinstance(_points(session, "capacity_litres"), compute.Empty)
    assert isinstance(_points(session, "gmp_sites"), compute.Empty)
    chu = session.get(Actor, eco["CHU Dijon Bourgogne"])
    chu.scale_litres, chu.gmp = 200.0, "gmp_clinical"
    session.commit()
    (capacity,) = _points(session, "capacity_litres")
    assert (capacity.scope, capacity.dimension, capacity.value) == ("27", "modality=car_t", 200.0)
    (gmp,) = _points(session, "gmp_sites")
    assert (gmp.dimension, gmp.value, gmp.numerator) == ("gmp=gmp_clinical", 1, 1)


def test_empty_states_are_never_numbers(session, loaded):
    assert _points(session, "made_in") == compute.Empty("no manufacturing links recorded yet")
    assert isinstance(_points(session, "ema_per_year:biologics"), compute.Empty)
    report = compute.snapshot(session, at=date(2026, 1, 3))
    assert report.stored == {}
    assert report.empty["eu_biologics_made_in_country"] == "no manufacturing links recorded yet"
    assert session.scalar(select(func.count()).where(IndicatorValue.kind == "computed")) == 0


@pytest.mark.parametrize("text, message", [
    ("actors_by:colour", "unknown field 'colour' for actors_by; expected one of kind, region, modality, step"),
    ("actors_by", "unknown field '' for actors_by"),
    ("ema_by:price", "unknown field 'price' for ema_by"),
    ("gmp_sites:x", "gmp_sites takes no field"),
    ("nothing", "unknown query 'nothing'"),
])
def test_unknown_query_or_field(text, message):
    with pytest.raises(ValueError, match=message):
        compute.parse_query(text)


def test_snapshot_is_idempotent_per_day(session, eco, loaded):
    first = compute.snapshot(session, at=date(2026, 2, 1))
    session.commit()
    n = session.scalar(select(func.count()).where(IndicatorValue.kind == "computed"))
    assert n == sum(first.stored.values()) > 0
    again = compute.snapshot(session, at=date(2026, 2, 1))
    session.commit()
    assert again.replaced == n and session.scalar(select(func.count()).where(IndicatorValue.kind == "computed")) == n
    compute.snapshot(session, at=date(2026, 2, 2))
    session.commit()
    assert session.scalar(select(func.count()).where(IndicatorValue.kind == "computed")) == 2 * n
    recorded = session.scalar(select(func.count()).where(IndicatorValue.kind == "recorded"))
    assert recorded == loaded.counts["recorded_values"]  # snapshots never touch recorded values
    latest = next(i for i in service.list_indicators(session) if i["code"] == "actors_by_region")["latest"]
    assert {(v["scope"], v["period"]) for v in latest} == {("11", "2026-02-02"), ("27", "2026-02-02")}


def test_ema_indicators_on_the_real_lists(session, ema, loaded):
    per_year = pq.per_year(session, category="human")
    biologics = {p.dimension: p.value for p in _points(session, "ema_per_year:biologics")}
    atmps = {p.dimension: p.value for p in _points(session, "ema_per_year:atmps")}
    assert biologics == {f"year={r['year']}": r["biologics"] for r in per_year}
    assert atmps == {f"year={r['year']}": r["atmps"] for r in per_year}
    status = {p.dimension: p.value for p in _points(session, "ema_by:status")}
    assert status == {f"status={s}": n for s, n in pq.by_status(session, category="human", biologic=True).items()}
    countries = {p.scope: p.value for p in _points(session, "ema_by:mah_country")}
    assert sum(countries.values()) == status["status=authorised"]
    lists = {p.dimension: p.value for p in _points(session, "ema_per_list:biologics")}
    d18, d26 = (r.report_date.isoformat() for r in ema)
    human_bio = (Product.category == "human", Product.is_biologic.is_(True))
    assert lists[f"list={d26}"] == session.scalar(select(func.count()).where(*human_bio, Product.last_seen == date.fromisoformat(d26)))
    assert lists[f"new_in_list={d26}"] == session.scalar(
        select(func.count()).where(*human_bio, Product.first_seen == date.fromisoformat(d26)))
    assert 0 < lists[f"list={d18}"] < lists[f"list={d26}"]


def test_made_in_from_manufacturing_links(session, ema, eco):
    bio = session.scalars(select(Product).where(Product.category == "human", Product.is_biologic.is_(True),
                                                Product.status == "authorised").order_by(Product.id).limit(2)).all()
    chu = eco["CHU Dijon Bourgogne"]
    site = session.scalar(select(Site).where(Site.actor_id == chu))
    source = session.scalar(select(Source).where(Source.key == "test:assises-bfc"))
    session.add(ProductManufacturing(product_id=bio[0].id, actor_id=chu, site_id=site.id, role="finished_product",
                                     source_id=source.id))
    session.add(ProductManufacturing(product_id=bio[1].id, actor_id=chu, role="active_substance", source_id=source.id))
    session.commit()
    (fr,) = _points(session, "made_in")
    total = session.scalar(select(func.count()).where(Product.category == "human", Product.is_biologic.is_(True),
                                                      Product.status == "authorised"))
    assert (fr.scope, fr.value, fr.denominator) == ("FR", 2, total)


def test_actor_counts_come_from_the_facet_index_and_equal_the_sql(session, eco, monkeypatch):
    """`actors_by` counts through the search's in-memory facet index (the dashboard's two charts:
    ~45 ms of SQL each on the demo), the same numbers as the SQL reference."""
    from bioatlas.atlas import queries
    from bioatlas.atlas.service import ActorFilter, default_scope, taxonomies

    session.commit()
    sql = queries.facet_counts(session, f=ActorFilter(scope=default_scope(session)), taxonomies=taxonomies())

    def no_sql(*args, **kwargs):
        raise AssertionError("counted in SQL")

    monkeypatch.setattr(queries, "facet_counts", no_sql)
    for facet in ("kind", "region", "modality", "step"):
        points = _points(session, f"actors_by:{facet}")
        got = {(p.scope if facet == "region" else p.dimension.split("=", 1)[1]): p.value for p in points}
        assert got == sql[facet] and got

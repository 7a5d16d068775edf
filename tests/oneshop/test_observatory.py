"""The one-stop shop's figures reach the observatory through the plug-in hook
`bioatlas_observatory_queries`: its indicators are loaded with the reference data (unit, scope,
query), the snapshot stores their values citing the query as source; jobs are only published where
three projects add up; an empty shop says why instead of a number."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bioatlas.observatory import compute
from bioatlas.observatory.models import Indicator, IndicatorValue
from bioatlas.observatory.reference import load_reference
from bioatlas.oneshop import service
from bioatlas.oneshop.models import Case, RoutedRequest
from bioatlas.oneshop.observatory import FIELDS
from tests.oneshop.helpers import make_case
from tests.oneshop.test_flow import world  # noqa: F401  (fixture)


def test_indicators_through_the_plugin_hook(db, world):
    p1, p2, _ = world["partners"]
    with db() as s:
        ctx = compute.Context(session=s, taxonomies={})
        assert isinstance(compute.run_query(ctx, "oneshop:projects"), compute.Empty)
    cases = [make_case(db, owner=None, partners=[p1, p2], company=f"Société {i}", needs=("regulatory", "funding"))
             for i in range(2)]
    cases.append(make_case(db, owner=None, partners=[p1], company="Société 2", needs=("permits",)))
    with db() as s:
        for (case_id, _), jobs in zip(cases, (10, 20, 30)):
            s.get(Case, case_id).jobs_planned = jobs
        first = s.get(RoutedRequest, cases[0][1][0])
        first.created_at = service.now() - timedelta(days=4)
        service.set_status(s, request_id=first.id, user_id=None, status="answered")
        service.close_case(s, case_id=cases[0][0], outcome="established", user_id=None)
        service.rate(s, request_id=first.id, score="5", user_id=None)
        s.flush()
        # a need no rule routed: a coverage gap
        s.execute(RoutedRequest.__table__.delete().where(RoutedRequest.id == cases[2][1][0]))
        ctx = compute.Context(session=s, taxonomies={})
        run = {f: [(p.scope, p.dimension, p.value) for p in compute.run_query(ctx, f"oneshop:{f}")]
               for f in ("projects", "jobs", "needs", "landed", "coverage_gaps", "satisfied")}
        routed = compute.run_query(ctx, "oneshop:routed")
        days = compute.run_query(ctx, "oneshop:days_to_first_answer")
        s.commit()
    assert run["projects"] == [("11", "type=new_site", 3)]
    assert run["jobs"] == [("11", None, 60)]
    assert run["needs"] == [("11", "need=funding", 2), ("11", "need=permits", 1), ("11", "need=regulatory", 2)]
    assert run["landed"] == [("11", None, 1)]
    assert run["coverage_gaps"] == [("11", "need=permits", 1)]
    assert run["satisfied"] == [("FR", "need=regulatory", 100.0)]
    assert [(p.dimension, p.value) for p in routed] == [(f"partner={p1};need=regulatory", 2),
                                                        (f"partner={p2};need=funding", 2)]
    assert [p.dimension for p in days] == [f"partner={p1}"] and 3.9 < days[0].value < 4.1
    assert "Agence test 1" in days[0].value_text

    with db() as s:
        load_reference(s)
        snap = compute.snapshot(s, at=date.today(), taxonomies={})
        s.commit()
        mine = {i.code: i for i in s.scalars(select(Indicator).where(Indicator.code.like("oneshop_%")))}
        assert set(mine) == {f"oneshop_{f}" for f in FIELDS}
        assert (mine["oneshop_days_to_first_answer"].unit, mine["oneshop_jobs"].unit) == ("days", "jobs")
        assert mine["oneshop_satisfied"].query == "oneshop:satisfied" and mine["oneshop_landed"].method == "computed"
        assert snap.stored["oneshop_projects"] == 1 and snap.stored["oneshop_routed"] == 2
        value = s.scalar(select(IndicatorValue).where(IndicatorValue.indicator_id == mine["oneshop_jobs"].id))
        assert value.value == 60 and value.kind == "computed"


def test_jobs_are_not_published_for_fewer_than_three_projects(db, world):
    make_case(db, owner=None, partners=[world["partners"][0]])
    with db() as s:
        result = compute.run_query(compute.Context(session=s, taxonomies={}), "oneshop:jobs")
    assert isinstance(result, compute.Empty) and "fewer than 3" in result.reason

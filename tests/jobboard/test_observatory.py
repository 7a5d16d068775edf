"""The job board's figures in the observatory (hook `bioatlas_observatory_queries`): open offers
by region, ROME family and contract (demo offers never counted), per 1,000 health-sector
employees where the observatory holds a recorded figure, median days to close; the indicators
created with the reference data and stored by a snapshot, labelled as offers, not jobs."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bioatlas.jobboard.models import JobOffer
from bioatlas.observatory import compute
from bioatlas.observatory.models import Indicator, IndicatorValue
from bioatlas.observatory.reference import load_reference
from tests.contributions.helpers import add_actor
from tests.jobboard.helpers import add_rome, make_offer


def test_job_offers_in_the_observatory(db):
    add_rome(db)
    with db() as s:
        ctx = compute.Context(session=s, taxonomies={})
        assert isinstance(compute.run_query(ctx, "jobboard:open_by_region"), compute.Empty)
        assert isinstance(compute.run_query(ctx, "jobboard:per_1000_jobs"), compute.Empty)  # no reference loaded
    dijon = add_actor(db, "Employeur test Dijon", "21000")  # Bourgogne-Franche-Comté (27)
    evry = add_actor(db, "Employeur test Évry", "91000")
    make_offer(db, actor_id=dijon)
    make_offer(db, actor_id=dijon, contract="cdd", rome_code="H1510", appellation_code="38053")
    make_offer(db, actor_id=evry)
    demo = make_offer(db, actor_id=evry)
    with db() as s:
        s.get(JobOffer, demo).synthetic = True  # a demo offer: never counted
        load_reference(s)
        s.commit()
    with db() as s:
        ctx = compute.Context(session=s, taxonomies={})
        run = {f: [(p.scope, p.dimension, p.value) for p in compute.run_query(ctx, f"jobboard:{f}")]
               for f in ("open_by_region", "open_by_family", "open_by_contract")}
        assert run["open_by_region"] == [("11", None, 1), ("27", None, 2)]
        assert run["open_by_family"] == [("FR", "rome_family=H15", 1), ("FR", "rome_family=H23", 2)]
        assert run["open_by_contract"] == [("FR", "contract=cdd", 1), ("FR", "contract=cdi", 2)]
        per = compute.run_query(ctx, "jobboard:per_1000_jobs")
        # the recorded figure: 13,000 employees of the health sector in Bourgogne-Franche-Comté
        bfc = next(p for p in per if p.scope == "27")
        assert (bfc.numerator, bfc.denominator, bfc.value) == (2, 13000, round(2000 / 13000, 2))
        assert isinstance(compute.run_query(ctx, "jobboard:days_to_close"), compute.Empty)
        snap = compute.snapshot(s, at=date.today(), taxonomies={})
        s.commit()
        mine = {i.code: i for i in s.scalars(select(Indicator).where(Indicator.code.like("jobboard_%")))}
        assert set(mine) == {"jobboard_open_by_region", "jobboard_open_by_family", "jobboard_open_by_contract",
                             "jobboard_per_1000_jobs", "jobboard_days_to_close"}
        assert "pas des emplois créés" in mine["jobboard_open_by_region"].definition_fr
        assert "not jobs created" in mine["jobboard_per_1000_jobs"].definition_en
        assert snap.stored["jobboard_open_by_region"] == 2
        value = s.scalar(select(IndicatorValue).where(IndicatorValue.indicator_id == mine["jobboard_open_by_region"].id,
                                                      IndicatorValue.scope == "27"))
        assert value.value == 2 and value.kind == "computed"

"""Partner search: personal data (export, erasure) and the observatory's figures. Synthetic test
actors."""

from __future__ import annotations

from sqlalchemy import func, select

from bioatlas.observatory import compute
from bioatlas.opportunities import service
from bioatlas.opportunities.models import Interest, Opportunity
from tests.opportunities.world import (
    doc,
    publish_via_api,
    world,  # noqa: F401  (fixture)
)


def test_personal_data(db, world, taxonomies):
    a, u = world["actors"], world["users"]
    with db() as s:
        opp = service.create(s, user_id=u["cdmo"], ip=None, actor_id=a["cdmo"], raw=doc(), taxonomies=taxonomies)
        service.submit(s, user_id=u["cdmo"], ip=None, opportunity_id=opp.id)
        service.review(s, user_id=None, ip=None, opportunity_id=opp.id, decision="publish")
        service.express_interest(s, user_id=u["startup"], ip=None, opportunity_id=opp.id,
                                 raw={"what": "Lots (test)", "why": "Essai (test)"}, member_of=set())
        assert [r["role"] for r in service.export_personal(s, user_id=u["startup"])] == ["expression of interest"]
        assert service.export_personal(s, user_id=u["cdmo"])[0]["role"] == "author"
        service.erase_personal(s, user_id=u["startup"])
        service.erase_personal(s, user_id=u["cdmo"])
        s.commit()
        assert s.scalar(select(func.count()).select_from(Interest)) == 0
        assert s.get(Opportunity, opp.id).author_id is None


def test_observatory_figures(client, db, world):
    a, u = world["actors"], world["users"]
    oid = publish_via_api(client, a["cdmo"], doc())
    with db() as s:
        i = service.express_interest(s, user_id=u["startup"], ip=None, opportunity_id=oid,
                                     raw={"what": "Lots (test)", "why": "Essai (test)"}, member_of=set())
        service.answer_interest(s, user_id=u["cdmo"], ip=None, opportunity_id=oid, interest_id=i.id, decision="accept")
        service.close(s, user_id=u["cdmo"], ip=None, opportunity_id=oid, outcome="licence")
        ctx = compute.Context(session=s)
        points = {name: compute.run_query(ctx, f"opportunities:{name}")
                  for name in ("published", "interests", "accepted", "agreements")}
        median = compute.run_query(ctx, "opportunities:median_days_to_answer")
    for name, result in points.items():
        assert [(p.scope, p.dimension, p.value) for p in result] == [("11", "modality=aav", 1)], name
    assert median[0].scope == "FR" and 0 <= median[0].value < 1

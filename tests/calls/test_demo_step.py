"""The calls demo step on an empty atlas: a synthetic deeptech challenge, a reviewer excluded for a
conflict (parent/child through an atlas relation), laureates published and recorded in the atlas,
two projects on the IdF roadmap action 9; a second run changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from bioatlas.atlas.models import ResearchFact
from bioatlas.calls import demo, service
from bioatlas.calls.models import Application, Call, PortfolioProject
from bioatlas.review.models import ReviewAssignment, ReviewExclusion


def test_demo_step_runs_once_and_tells_the_story(db, taxonomies):
    summary = demo.run(db, taxonomies=taxonomies)
    assert summary["created"] and summary["applications"] == 4 and summary["laureates"] == 2
    assert summary["projects"] == 2
    with db() as s:
        call = s.scalar(select(Call))
        assert call.status == "results" and "fictif" in call.title_fr
        assert all(a.synthetic for a in s.scalars(select(Application)))
        reasons = {(e.reason, e.detail) for e in s.scalars(select(ReviewExclusion))}
        assert {r for r, _ in reasons} == {"parent_child"}
        assert any("Incubateur fictif" in d for _, d in reasons)
        excluded = {(e.item_id, e.reviewer_id) for e in s.scalars(select(ReviewExclusion))}
        assigned = {(a.item_id, a.reviewer_id) for a in s.scalars(select(ReviewAssignment))}
        assert excluded and not excluded & assigned
        assert s.scalar(select(func.count()).select_from(ResearchFact).where(ResearchFact.kind == "call_laureate")) == 2
        laureates = [a for a in s.scalars(select(Application)) if a.result == "laureate"]
        assert service.laureate_calls_of_actor(s, actor_id=laureates[0].actor_id)[0]["id"] == call.id
        by_action = service.projects_for_roadmap(s, code="idf-assises-2021")
        assert [len(v) for v in by_action.values()] == [2]
        assert all(p["progress"]["pct"] == 50 for p in by_action[9])
        figures = service.figures(s)
        assert figures["calls"][0]["applications"] == 4 and figures["calls"][0]["success_rate"] == 50.0
        assert figures["calls"][0]["regions"] == {"11": 4}
        assert figures["projects"] == 2 and figures["by_region"]["11"]["budget_eur"] == 20_500_000
        assert figures["milestones_judged"] >= 4 and figures["milestones_on_time"] >= 3
    again = demo.run(db, taxonomies=taxonomies)
    assert again["created"] is False
    with db() as s:
        assert s.scalar(select(func.count()).select_from(PortfolioProject)) == 2

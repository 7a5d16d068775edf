"""The calls demo step on an empty atlas: a synthetic deeptech challenge, a reviewer excluded for a
conflict (parent/child through an atlas relation), laureates published and recorded in the atlas,
two projects on the IdF roadmap action 9; a second run changes nothing.

The observatory reads the calls room: the IdF roadmap page lists the portfolio's projects with
their milestones and progress on action 9 (instead of "none recorded"), and the computed
indicators (applications per region, success rate, projects and budget by region and modality,
milestones on time) get values from a snapshot; the seed article's figures stay recorded."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from bioatlas.atlas.models import ResearchFact
from bioatlas.calls import demo, service
from bioatlas.core.i18n import Translator
from bioatlas.calls.models import Application, Call, PortfolioProject
from bioatlas.observatory import compute
from bioatlas.observatory.models import Indicator, IndicatorValue
from bioatlas.observatory.reference import load_reference
from bioatlas.review.models import ReviewAssignment, ReviewExclusion


def test_demo_step_runs_once_and_tells_the_story(db, taxonomies, client):
    summary = demo.run(db, taxonomies=taxonomies)
    assert summary["created"] and summary["applications"] == 4 and summary["laureates"] == 2
    assert summary["projects"] == 2
    with db() as s:
        call = s.scalar(select(Call))
        assert call.status == "results" and "fictif" in call.title_fr
        assert all(a.synthetic for a in s.scalars(select(Application)))
        rows = list(s.scalars(select(ReviewExclusion)))
        texts = service.review.exclusion_texts(s, rows, t=Translator("fr"))
        assert {e.reason for e in rows} == {"parent_child"}
        assert any("Incubateur fictif" in d for d in texts.values())
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
    _observatory_reads_the_portfolio(db, taxonomies, client)
    again = demo.run(db, taxonomies=taxonomies)
    assert again["created"] is False
    with db() as s:
        assert s.scalar(select(func.count()).select_from(PortfolioProject)) == 2


def _observatory_reads_the_portfolio(db, taxonomies, client):
    with db() as s:
        load_reference(s)
        s.commit()
        compute.snapshot(s, at=date.today(), taxonomies=taxonomies)
        s.commit()
        values = {}
        for v, code in s.execute(select(IndicatorValue, Indicator.code).join(Indicator)).tuples():
            values.setdefault(code, []).append(v)
    assert [v.value for v in values["call_applications"]] == [4]
    assert values["call_applications"][0].scope == "11"
    assert [v.value for v in values["call_success_rate"]] == [50.0]
    assert sorted((v.dimension, v.value) for v in values["portfolio_projects"]) == [
        ("modality=cell_therapy", 1), ("modality=viral_vector", 1)]
    assert sum(v.value for v in values["portfolio_budget_eur"]) == 20_500_000
    assert values["portfolio_milestones_on_time"][0].value_text.endswith("/ 4")
    assert [v.value for v in values["structuring_rd_projects"]] == [20]  # the seed article's, recorded
    page = client.get("/observatory/roadmaps/idf-assises-2021").text
    row = page.split('data-action-id=')[9]
    assert "Projet structurant fictif de démonstration A" in row and "Projet structurant fictif de démonstration B" in row
    assert "2/4" in row and "Lot pilote" in row
    assert client.get("/observatory/indicators/portfolio_projects").status_code == 200

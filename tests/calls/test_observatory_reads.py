"""The observatory reads the calls room: the IdF roadmap page lists the portfolio's projects with
their milestones and progress on action 9 (instead of "none recorded"), and the computed
indicators (applications per region, success rate, projects and budget by region and modality,
milestones on time) get values from a snapshot; the seed article's figures stay recorded."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bioatlas.calls import demo
from bioatlas.observatory import compute
from bioatlas.observatory.models import Indicator, IndicatorValue
from bioatlas.observatory.reference import load_reference


def test_roadmap_and_indicators_read_the_portfolio(db, taxonomies, client):
    demo.run(db, taxonomies=taxonomies)
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
        ("modality=cell_therapy", 1), ("modality=viral_vectors", 1)]
    assert sum(v.value for v in values["portfolio_budget_eur"]) == 20_500_000
    assert values["portfolio_milestones_on_time"][0].value_text.endswith("/ 4")
    assert [v.value for v in values["structuring_rd_projects"]] == [20]  # the seed article's, recorded
    page = client.get("/observatory/roadmaps/idf-assises-2021").text
    row = page.split('data-action-id=')[9]
    assert "Projet structurant fictif de démonstration A" in row and "Projet structurant fictif de démonstration B" in row
    assert "2/4" in row and "Lot pilote" in row
    assert client.get("/observatory/indicators/portfolio_projects").status_code == 200

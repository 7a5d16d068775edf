"""Reference data: every figure of the seed articles recorded with its article, conflicting figures
kept side by side, targets with a horizon, roadmaps, and clear errors on bad data files."""

from __future__ import annotations

import csv
import re
import shutil

import pytest
from sqlalchemy import func, select

from bioatlas.atlas.models import Source
from bioatlas.observatory import service
from bioatlas.observatory.models import IndicatorValue, Roadmap, RoadmapAction, Target
from bioatlas.observatory.reference import DATA_DIR, ReferenceDataError, article_source_key, load_reference


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _rows(name: str) -> list[dict]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# (indicator, scope, value, comparator) of each figure the articles give
SEED_FIGURES = {
    ("eu_biotherapies_authorised", "EU", 76, "="),
    ("eu_biologics_made_in_country", "FR", 5, "="), ("eu_biologics_made_in_country", "DE", 21, "="),
    ("eu_biologics_made_in_country", "IT", 12, "="), ("eu_biologics_made_in_country", "FR", 2, "="),
    ("imported_innovative_biologics_share", "FR", 85, ">"), ("share_eu_biologics_produced", "FR", 5, "="),
    ("top100_biologics_share", "world", 50, "="), ("contract_mab_capacity_litres", "KR+CN", 1_000_000, ">"),
    ("contract_mab_capacity_vs_europe", "KR+CN", 4, "="), ("industrial_investments_eur", "FR", 800e6, ">"),
    ("structuring_rd_projects", "FR", 20, "~"), ("structuring_rd_projects_eur", "FR", 50e6, ">"),
    ("industrial_integrators_labelled", "FR", 6, "="), ("actors_region_share", "11", 40, "="),
    ("bioproduction_companies", "11", 135, "="), ("bioproduction_research_institutes", "11", 61, "="),
    ("health_sector_establishments", "27", 500, "~"), ("health_sector_employees", "27", 13_000, "="),
    ("cluster_members", "medicen", 490, ">"), ("cluster_members", "polepharma", 300, ">"),
    ("life_sciences_share", "11", 50, ">"), ("cluster_share_pharma_production", "polepharma", 53, "="),
    ("cluster_jobs", "polepharma", 60_000, "="), ("cluster_export_turnover_eur", "polepharma", 25.3e9, "="),
    ("event_participants", "cfb-2021", 500, ">"), ("event_messages", "cfb-2021", 1000, "="),
    ("event_participants", "assises-idf-2021", 130, "~"), ("event_participants", "assises-bfc-2024", 100, ">"),
    ("event_co_organisers", "french-bioproduction-tour-2021", 12, "="),
}


def test_every_seed_figure_is_recorded_with_its_article(session, loaded):
    stored = {(v.indicator.code, v.scope, v.value, v.comparator): v
              for v in session.scalars(select(IndicatorValue).where(IndicatorValue.kind == "recorded"))}
    assert SEED_FIGURES <= set(stored)
    assert all(v.source.kind == "article" for v in stored.values())
    assert stored[("eu_biologics_made_in_country", "FR", 5, "=")].source.published.isoformat() == "2021-06-30"
    assert stored[("eu_biologics_made_in_country", "FR", 2, "=")].source.title.startswith("Coup d’envoi du 4ème Congrès")
    assert stored[("health_sector_employees", "27", 13_000, "=")].source.published.isoformat() == "2024-03-14"


def test_every_quote_is_in_its_seed_article(shared):
    """The quote of each recorded value and target is the article's own words."""
    seeds = {r["ref"]: _norm((shared / "seeds" / r["seed_file"]).read_text(encoding="utf-8")) for r in _rows("sources.csv")}
    for name in ("recorded_values.csv", "targets.csv"):
        for line, row in enumerate(_rows(name), start=2):
            assert row["quote"], f"{name} line {line}: no quote"
            assert _norm(row["quote"]) in seeds[row["source"]], f"{name} line {line}: quote not in {row['source']}"


def test_sources_are_shared_with_the_seed_actors(db, session, taxonomies):
    from bioatlas.demo.files import SEED_FILE
    from bioatlas.atlas.importer.run import import_actors

    import_actors(db, SEED_FILE, taxonomies=taxonomies)
    before = session.scalar(select(func.count()).select_from(Source))
    load_reference(session)
    session.commit()
    assert session.scalar(select(func.count()).select_from(Source)) == before  # no new article source
    for row in _rows("sources.csv"):
        source = session.scalar(select(Source).where(Source.key == article_source_key(row["title"])))
        assert source is not None and source.title == row["title"]


def test_two_of_76_and_five_of_76_side_by_side(session, loaded):
    values = service.series(session, code="eu_biologics_made_in_country", scope="FR")
    assert [(v["value_text"], v["period"]) for v in values] == [("2 sur 76", None), ("5 sur 76", "2020")]
    assert values[0]["source"]["id"] != values[1]["source"]["id"]
    conflicts = service.conflicts(session, code="eu_biologics_made_in_country")
    assert len(conflicts) == 1 and sorted(v["value"] for v in conflicts[0]["values"]) == [2, 5]
    latest = next(i for i in service.list_indicators(session) if i["code"] == "eu_biologics_made_in_country")["latest"]
    assert {(v["scope"], v["value"]) for v in latest} == {("FR", 5), ("DE", 21), ("IT", 12)}


def test_targets_and_progress(session, loaded):
    targets = {t["indicator"]: t for t in service.targets_progress(session)}
    assert set(targets) == {"share_eu_biologics_produced", "direct_jobs_created", "productivity_factor"}
    share = targets["share_eu_biologics_produced"]
    assert (share["value"], share["baseline_value"], share["horizon_year"]) == (20, 5, 2030)
    assert share["latest"]["value"] == 5 and share["progress"] == 0
    assert targets["direct_jobs_created"]["value"] == 10_000 and targets["direct_jobs_created"]["progress"] is None
    assert (targets["productivity_factor"]["value"], targets["productivity_factor"]["comparator"]) == (100, ">")


def test_load_is_idempotent(session, loaded):
    again = load_reference(session)
    session.commit()
    assert again.counts == {**loaded.counts, "indicators_created": 0}
    assert all(again.unchanged.values())
    assert loaded.counts["recorded_values"] == 31 and loaded.counts["targets"] == 3
    assert session.scalar(select(func.count()).select_from(RoadmapAction)) == 11


def test_roadmaps(session, eco, loaded):
    idf = service.get_roadmap(session, code="idf-assises-2021")
    assert [a["title_fr"] for a in idf["axes"]][1] == "Amplifier l’attractivité et faciliter les implantations"
    assert [len(a["actions"]) for a in idf["axes"]] == [3, 4, 4]
    rec5 = idf["axes"][1]["actions"][1]
    assert rec5["number"] == 5 and rec5["title_fr"].startswith("Créer un job board pour capter les talents")
    assert rec5["indicators"] == ["direct_jobs_created"] and rec5["status"] == "unknown"
    assert idf["owner"]["id"] == eco["Région Île-de-France"] and idf["adopted"] == "2021-05"
    bfc = service.get_roadmap(session, code="bfc-assises-2024")
    assert (bfc["axes_declared"], bfc["axes"], bfc["adopted"], bfc["region"]) == (4, [], "2024-03-13", "27")
    assert "catalyser l’innovation" in bfc["summary_fr"]


def test_roadmap_progress_per_axis(session, loaded):
    roadmap = session.scalar(select(Roadmap).where(Roadmap.code == "idf-assises-2021"))
    axis1 = roadmap.axes[0]
    axis1.actions[0].status = "done"
    axis1.actions[1].status = "in_progress"
    session.commit()
    idf = service.get_roadmap(session, code="idf-assises-2021")
    assert idf["axes"][0]["progress"]["share_done"] == round(1 / 3, 4)
    assert idf["axes"][0]["progress"]["by_status"]["in_progress"] == 1
    assert idf["axes"][1]["progress"]["share_done"] == 0
    assert idf["progress"] == {"actions": 11, "share_done": round(1 / 11, 4),
                               "by_status": {"planned": 0, "in_progress": 1, "done": 1, "abandoned": 0, "unknown": 9}}


def _copy(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(DATA_DIR, folder)
    return folder


def _edit(path, line: int, column: str, value: str) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    rows[line - 2][column] = value
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize("file, line, column, value, message", [
    ("targets.csv", 3, "horizon_year", "", "targets.csv line 3: horizon_year is required"),
    ("targets.csv", 2, "horizon_year", "2030.5", "targets.csv line 2: horizon_year: '2030.5' is not a whole number"),
    ("recorded_values.csv", 4, "indicator", "nope", "recorded_values.csv line 4: indicator: unknown indicator 'nope'"),
    ("recorded_values.csv", 2, "value", "beaucoup", "recorded_values.csv line 2: value: 'beaucoup' is not a number"),
    ("recorded_values.csv", 2, "period", "juin 2021", "recorded_values.csv line 2: period: 'juin 2021' is not a year"),
    ("recorded_values.csv", 2, "source", "blog", "recorded_values.csv line 2: source: unknown source 'blog'"),
    ("indicators.csv", 30, "query", "actors_by:colour", "indicators.csv line 30: query: unknown field 'colour' for actors_by"),
    ("indicators.csv", 2, "query", "guess", "indicators.csv line 2: query: unknown query 'guess'"),
    ("indicators.csv", 2, "unit", "bananas", "indicators.csv line 2: unit: 'bananas' is not one of count"),
    ("recorded_values.csv", 8, "value", "185", "recorded_values.csv line 8: value: 185 is not a percentage (0 to 100)"),
    ("recorded_values.csv", 3, "value_text", "5 %", "recorded_values.csv line 3: value_text: '5 %' is in percent but the indicator's unit is count"),
    ("recorded_values.csv", 3, "value", "4.5", "recorded_values.csv line 3: value: 4.5 is not a whole number"),
    ("targets.csv", 2, "value", "120", "targets.csv line 2: value: 120 is not a percentage (0 to 100)"),
    ("targets.csv", 3, "value", "-10", "targets.csv line 3: value: -10 is negative"),
    ("roadmap_actions.csv", 2, "status", "late", "roadmap_actions.csv line 2: status: 'late' is not one of planned"),
    ("roadmap_actions.csv", 2, "axis", "9", "roadmap_actions.csv line 2: axis: roadmap 'idf-assises-2021' has no axis '9'"),
])
def test_bad_data_file_is_refused_with_file_and_line(db, tmp_path, file, line, column, value, message):
    folder = _copy(tmp_path)
    _edit(folder / file, line, column, value)
    session = db()
    with pytest.raises(ReferenceDataError) as exc:
        load_reference(session, folder)
    session.rollback()
    assert str(exc.value).startswith(message)
    assert session.scalar(select(func.count()).select_from(Target)) == 0
    session.close()


def test_missing_column_is_refused(db, tmp_path):
    folder = _copy(tmp_path)
    text = (folder / "targets.csv").read_text(encoding="utf-8").replace("horizon_year", "horizon", 1)
    (folder / "targets.csv").write_text(text, encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="targets.csv line 1: missing column"):
        load_reference(db(), folder)


def test_all_conflicts_read_in_one_pass_equal_each_indicators_own(session, loaded):
    """The dashboard's conflicts (every indicator) read the values in one statement, not one per
    indicator (176 statements on the demo's dashboard before), and equal each indicator's own."""
    from sqlalchemy import event

    from bioatlas.observatory.models import Indicator, IndicatorValue

    # a second indicator in conflict: a recorded value beside an existing one, same scope and period
    existing = session.scalars(select(IndicatorValue).join(Indicator).where(
        IndicatorValue.kind == "recorded", Indicator.code != "eu_biologics_made_in_country")).first()
    assert existing is not None
    session.add(IndicatorValue(indicator_id=existing.indicator_id, scope=existing.scope, dimension=existing.dimension,
                               period=existing.period, value=existing.value + 1, comparator="=", kind="recorded",
                               source_id=existing.source_id))
    session.flush()
    codes = list(session.scalars(select(Indicator.code).order_by(Indicator.code)))
    statements: list[str] = []
    listen = lambda *args, **kw: statements.append(args[2])  # noqa: E731
    event.listen(session.get_bind(), "before_cursor_execute", listen)
    try:
        everything = service.conflicts(session)
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", listen)
    assert everything == [c for code in codes for c in service.conflicts(session, code=code)]
    assert {c["indicator"] for c in everything} >= {"eu_biologics_made_in_country", existing.indicator.code}
    assert len(statements) <= 3  # indicators, values, their sources

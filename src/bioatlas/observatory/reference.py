"""Loading of the observatory's reference data (`observatory/data/*.csv`): indicator
definitions, the figures recorded from the sector's articles, targets and regional roadmaps.

Every file is checked before anything is written; a bad row raises `ReferenceDataError` naming
the file and line. Loading is idempotent: the recorded values and targets of the data files'
sources are replaced by what the files say now (values of other sources are left alone).
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bioatlas.atlas.service import (
    MatchError,
    Source,
    SourceRecord,
    find_actor_by_name,
    get_or_create_source,
)
from bioatlas.core.plugins import collect
from bioatlas.core.text import fold
from bioatlas.observatory import models as m
from bioatlas.observatory.compute import parse_query

DATA_DIR = Path(__file__).with_name("data")
PERIOD = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
FILES = ("sources.csv", "indicators.csv", "recorded_values.csv", "targets.csv",
         "roadmaps.csv", "roadmap_axes.csv", "roadmap_actions.csv")


class ReferenceDataError(ValueError):
    """A data file row that cannot be used; the message names the file and line."""


def article_source_key(title: str, url: str | None = None) -> str:
    """The key the spreadsheet importer gives a row's source (title + URL), so an article cited by
    both the seed actors and the observatory is one `Source` row."""
    return "row:" + hashlib.sha256(f"{fold(title)}\n{url or ''}".encode()).hexdigest()[:32]


@dataclass
class Row:
    file: str
    line: int
    cells: dict[str, str]

    def fail(self, message: str) -> ReferenceDataError:
        return ReferenceDataError(f"{self.file} line {self.line}: {message}")

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = (self.cells.get(name) or "").strip()
        if required and not value:
            raise self.fail(f"{name} is required")
        return value or None

    def number(self, name: str, *, required: bool = False) -> float | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            raise self.fail(f"{name}: {value!r} is not a number") from None

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        if not value.isdigit():
            raise self.fail(f"{name}: {value!r} is not a whole number")
        return int(value)

    def choice(self, name: str, allowed: tuple[str, ...], default: str | None = None) -> str:
        value = self.text(name) or default
        if value not in allowed:
            raise self.fail(f"{name}: {value!r} is not one of {', '.join(allowed)}")
        return value

    def period(self, name: str) -> str | None:
        value = self.text(name)
        if value is not None and not PERIOD.match(value):
            raise self.fail(f"{name}: {value!r} is not a year, year-month or date (2020, 2021-06, 2024-03-13)")
        return value


def read_rows(path: Path, required: tuple[str, ...]) -> list[Row]:
    if not path.is_file():
        raise ReferenceDataError(f"{path.name}: file not found in {path.parent}")
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise ReferenceDataError(f"{path.name} line 1: missing column(s) {', '.join(missing)}")
        return [Row(path.name, i, cells) for i, cells in enumerate(reader, start=2)]


@dataclass
class LoadReport:
    counts: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, bool] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"counts": dict(self.counts), "unchanged": dict(self.unchanged)}


def load_reference(session: Session, data_dir: Path = DATA_DIR) -> LoadReport:
    """Load (or refresh) every data file into the session (the caller commits)."""
    rows = {name: read_rows(data_dir / name, REQUIRED[name]) for name in FILES}
    report = LoadReport()
    sources = _sources(session, rows["sources.csv"])
    indicators = _indicators(session, rows["indicators.csv"], report)
    _values(session, rows["recorded_values.csv"], sources, indicators, report)
    _targets(session, rows["targets.csv"], sources, indicators, report)
    _roadmaps(session, rows, sources, indicators, report)
    session.flush()
    return report


REQUIRED = {
    "sources.csv": ("ref", "title", "published", "kind"),
    "indicators.csv": ("code", "label_fr", "label_en", "definition_fr", "definition_en", "unit", "scope_kind", "method", "query"),
    "recorded_values.csv": ("indicator", "scope", "dimension", "period", "value", "comparator", "value_text",
                            "numerator", "denominator", "source", "quote", "note"),
    "targets.csv": ("indicator", "scope", "value", "comparator", "horizon_year", "baseline_value", "baseline_year",
                    "source", "note"),
    "roadmaps.csv": ("code", "title_fr", "title_en", "owner", "region", "adopted", "axes_declared",
                     "actions_declared", "summary_fr", "summary_en", "source"),
    "roadmap_axes.csv": ("roadmap", "number", "title_fr", "title_en"),
    "roadmap_actions.csv": ("roadmap", "axis", "number", "title_fr", "title_en", "owners", "status", "start", "end",
                            "indicators"),
}


def _sources(session: Session, rows: list[Row]) -> dict[str, Source]:
    out: dict[str, Source] = {}
    for row in rows:
        ref, title = row.text("ref", required=True), row.text("title", required=True)
        published = row.text("published")
        try:
            day = date.fromisoformat(published) if published else None
        except ValueError:
            raise row.fail(f"published: {published!r} is not a date (YYYY-MM-DD)") from None
        record = SourceRecord(key=article_source_key(title), title=title, kind=row.text("kind") or "article", published=day)
        out[ref] = get_or_create_source(session, record=record)
    return out


def _ref(row: Row, name: str, known: dict, what: str):
    value = row.text(name, required=True)
    if value not in known:
        raise row.fail(f"{name}: unknown {what} {value!r}")
    return known[value]


def _indicators(session: Session, rows: list[Row], report: LoadReport) -> dict[str, m.Indicator]:
    existing = {i.code: i for i in session.scalars(select(m.Indicator))}
    created = 0
    for row in rows:
        code = row.text("code", required=True)
        query = row.text("query")
        if query:
            try:
                parse_query(query)
            except ValueError as exc:
                raise row.fail(f"query: {exc}") from None
        fields = {
            "label_fr": row.text("label_fr", required=True), "label_en": row.text("label_en", required=True),
            "definition_fr": row.text("definition_fr") or "", "definition_en": row.text("definition_en") or "",
            "unit": row.choice("unit", m.UNITS), "scope_kind": row.choice("scope_kind", m.SCOPE_KINDS),
            "method": row.choice("method", m.METHODS), "query": query,
        }
        if fields["method"] == "computed" and not query:
            raise row.fail("query is required for a computed indicator")
        indicator = existing.get(code)
        if indicator is None:
            indicator = existing[code] = m.Indicator(code=code, **fields)
            session.add(indicator)
            created += 1
        else:
            for k, v in fields.items():
                if getattr(indicator, k) != v:
                    setattr(indicator, k, v)
    room_created, room_total = _room_indicators(session, existing)
    session.flush()
    report.counts["indicators"] = len(rows) + room_total
    created += room_created
    report.counts["indicators_created"] = created
    return existing


def _room_indicators(session: Session, existing: dict[str, m.Indicator]) -> tuple[int, int]:
    """The computed indicators the rooms declare (hook `bioatlas_observatory_queries`), created or
    updated like the file's rows; a bad one is refused naming its code. Returns (created, total)."""
    created = total = 0
    for q in collect("bioatlas_observatory_queries"):
        for spec in q.indicators:
            total += 1
            try:
                parse_query(spec.query)
            except ValueError as exc:
                raise ReferenceDataError(f"indicator {spec.code} of the room query {q.name}: {exc}") from None
            if spec.unit not in m.UNITS or spec.scope_kind not in m.SCOPE_KINDS:
                raise ReferenceDataError(f"indicator {spec.code}: unit {spec.unit!r} or scope kind "
                                         f"{spec.scope_kind!r} unknown (units: {', '.join(m.UNITS)})")
            fields = {"label_fr": spec.label_fr, "label_en": spec.label_en, "definition_fr": spec.definition_fr,
                      "definition_en": spec.definition_en, "unit": spec.unit, "scope_kind": spec.scope_kind,
                      "method": "computed", "query": spec.query}
            indicator = existing.get(spec.code)
            if indicator is None:
                indicator = existing[spec.code] = m.Indicator(code=spec.code, **fields)
                session.add(indicator)
                created += 1
            else:
                for k, v in fields.items():
                    if getattr(indicator, k) != v:
                        setattr(indicator, k, v)
    return created, total


def _replace(session: Session, model, new_rows: list[dict], source_ids: list[int], key, report: LoadReport, name: str,
             extra=()) -> None:
    conditions = [model.source_id.in_(source_ids), *extra]
    before = {key(o) for o in session.scalars(select(model).where(*conditions))}
    session.execute(delete(model).where(*conditions))
    objects = [model(**fields) for fields in new_rows]
    session.add_all(objects)
    session.flush()
    report.counts[name] = len(objects)
    report.unchanged[name] = before == {key(o) for o in objects}


# A unit a value's words name: "5 %" is a percentage, "800 M€" an amount, "1 million de litres" a volume.
UNIT_MARKS = (("%", "percent"), ("€", "euros"), ("litre", "litres"))


def check_unit(row: Row, unit: str, value: float, text: str | None, what: str = "value") -> None:
    """Refuse a value that cannot be in the indicator's unit: a percentage outside 0–100, a
    negative amount, a fractional count, or words naming another unit ("5 %" for a count)."""
    if unit == "percent" and not 0 <= value <= 100:
        raise row.fail(f"{what}: {value:g} is not a percentage (0 to 100) and the indicator's unit is percent")
    if value < 0:
        raise row.fail(f"{what}: {value:g} is negative and the indicator's unit is {unit}")
    if unit in ("count", "jobs") and not float(value).is_integer():
        raise row.fail(f"{what}: {value:g} is not a whole number and the indicator's unit is {unit}")
    for mark, mark_unit in UNIT_MARKS:
        if text and mark in text.lower() and unit != mark_unit:
            raise row.fail(f"value_text: {text!r} is in {mark_unit} but the indicator's unit is {unit}")


def _values(session, rows, sources, indicators, report) -> None:
    new = []
    for row in rows:
        indicator = _ref(row, "indicator", indicators, "indicator")
        check_unit(row, indicator.unit, row.number("value", required=True), row.text("value_text"))
        new.append({
            "indicator_id": indicator.id, "scope": row.text("scope", required=True), "dimension": row.text("dimension"),
            "period": row.period("period"), "value": row.number("value", required=True),
            "comparator": row.choice("comparator", m.COMPARATORS, "="), "value_text": row.text("value_text"),
            "numerator": row.number("numerator"), "denominator": row.number("denominator"), "kind": "recorded",
            "source_id": _ref(row, "source", sources, "source").id,
            "note": _note(row.text("note"), row.text("quote")),
        })
    key = lambda o: (o.indicator_id, o.scope, o.dimension, o.period, o.value, o.comparator, o.value_text,  # noqa: E731
                     o.numerator, o.denominator, o.source_id, o.note)
    _replace(session, m.IndicatorValue, new, [s.id for s in sources.values()], key, report, "recorded_values",
             extra=(m.IndicatorValue.kind == "recorded",))


def _note(note: str | None, quote: str | None) -> str | None:
    parts = [p for p in (f"«\u00a0{quote}\u00a0»" if quote else None, note) if p]
    return " — ".join(parts) or None


def _targets(session, rows, sources, indicators, report) -> None:
    new = []
    for row in rows:
        indicator = _ref(row, "indicator", indicators, "indicator")
        check_unit(row, indicator.unit, row.number("value", required=True), None)
        new.append({
            "indicator_id": indicator.id, "scope": row.text("scope", required=True),
            "value": row.number("value", required=True), "comparator": row.choice("comparator", m.COMPARATORS, "="),
            "horizon_year": row.integer("horizon_year", required=True), "baseline_value": row.number("baseline_value"),
            "baseline_year": row.integer("baseline_year"), "source_id": _ref(row, "source", sources, "source").id,
            "note": _note(row.text("note"), row.text("quote")),
        })
    key = lambda o: (o.indicator_id, o.scope, o.value, o.comparator, o.horizon_year, o.baseline_value,  # noqa: E731
                     o.baseline_year, o.source_id, o.note)
    _replace(session, m.Target, new, [s.id for s in sources.values()], key, report, "targets")


def _owner_id(session: Session, name: str | None) -> int | None:
    if not name:
        return None
    try:
        actor = find_actor_by_name(session, name=name)
    except MatchError:
        return None
    return actor.id if actor else None


def _roadmaps(session, rows, sources, indicators, report) -> None:
    existing = {r.code: r for r in session.scalars(select(m.Roadmap))}
    roadmaps: dict[str, m.Roadmap] = {}
    for row in rows["roadmaps.csv"]:
        code = row.text("code", required=True)
        roadmap = existing.get(code) or m.Roadmap(code=code)
        roadmap.title_fr, roadmap.title_en = row.text("title_fr", required=True), row.text("title_en")
        roadmap.owner_name = row.text("owner")
        roadmap.owner_actor_id = _owner_id(session, roadmap.owner_name)
        roadmap.region, roadmap.adopted = row.text("region"), row.period("adopted")
        roadmap.axes_declared, roadmap.actions_declared = row.integer("axes_declared"), row.integer("actions_declared")
        roadmap.summary_fr, roadmap.summary_en = row.text("summary_fr"), row.text("summary_en")
        roadmap.source_id = _ref(row, "source", sources, "source").id
        session.add(roadmap)
        roadmaps[code] = roadmap
    session.flush()
    # Axes and actions are updated in place (same ids), so a status changed through the API, and its
    # dated history, survive a reload: the file's status applies only to an action never changed.
    axes: dict[tuple[str, int], m.RoadmapAxis] = {}
    for row in rows["roadmap_axes.csv"]:
        roadmap = _ref(row, "roadmap", roadmaps, "roadmap")
        number = row.integer("number", required=True)
        axis = next((a for a in roadmap.axes if a.number == number), None)
        if axis is None:
            axis = m.RoadmapAxis(number=number)
            roadmap.axes.append(axis)
        axis.title_fr, axis.title_en = row.text("title_fr", required=True), row.text("title_en")
        axes[(roadmap.code, number)] = axis
    for roadmap in roadmaps.values():
        for axis in [a for a in roadmap.axes if (roadmap.code, a.number) not in axes]:
            roadmap.axes.remove(axis)
    session.flush()
    changed = set(session.scalars(select(m.ActionStatusChange.action_id).distinct()))
    kept: set[int] = set()
    actions = 0
    for row in rows["roadmap_actions.csv"]:
        roadmap = _ref(row, "roadmap", roadmaps, "roadmap")
        axis = axes.get((roadmap.code, row.integer("axis", required=True)))
        if axis is None:
            raise row.fail(f"axis: roadmap {roadmap.code!r} has no axis {row.text('axis')!r} in roadmap_axes.csv")
        links = [c.strip() for c in (row.text("indicators") or "").split("|") if c.strip()]
        unknown = [c for c in links if c not in indicators]
        if unknown:
            raise row.fail(f"indicators: unknown indicator {unknown[0]!r}")
        number = row.integer("number", required=True)
        status = row.choice("status", m.ACTION_STATUSES, "unknown")
        action = next((a for a in axis.actions if a.number == number), None)
        if action is None:
            action = m.RoadmapAction(number=number)
            axis.actions.append(action)
        action.title_fr, action.title_en = row.text("title_fr", required=True), row.text("title_en")
        action.owners_text, action.start_date, action.end_date = row.text("owners"), _day(row, "start"), _day(row, "end")
        action.indicators = [indicators[c] for c in links]
        if action.id is None or action.id not in changed:
            action.status = status
        kept.add(id(action))
        actions += 1
    for axis in axes.values():
        for action in [a for a in axis.actions if id(a) not in kept]:
            axis.actions.remove(action)
    session.flush()
    report.counts.update(roadmaps=len(roadmaps), axes=len(axes), actions=actions)


def _day(row: Row, name: str) -> date | None:
    value = row.text(name)
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise row.fail(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None

"""Read side of the observatory (and the reference loader): indicators with their latest values,
an indicator's series with sources, targets with progress, roadmaps with progress per axis, and
conflicting values. The API, the CLI and (later) the pages call these functions.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bioatlas.observatory.models import ACTION_STATUSES, Indicator, IndicatorValue, Roadmap, RoadmapAction, RoadmapAxis, Target
from bioatlas.observatory.reference import LoadReport, ReferenceDataError, load_reference  # noqa: F401 (re-exported)


def _order(v: IndicatorValue) -> tuple:
    """Oldest first: undated values, then by period, then computed snapshots by day, then id."""
    return (v.period is not None, v.period or "", v.snapshot_date or date.min, v.id)


def source_dict(source) -> dict:
    return {"id": source.id, "key": source.key, "title": source.title, "kind": source.kind,
            "published": source.published.isoformat() if source.published else None, "url": source.url}


def value_dict(v: IndicatorValue) -> dict:
    return {
        "id": v.id, "scope": v.scope, "dimension": v.dimension, "period": v.period, "value": v.value,
        "comparator": v.comparator, "value_text": v.value_text, "numerator": v.numerator,
        "denominator": v.denominator, "kind": v.kind, "snapshot_date": v.snapshot_date,
        "computed_at": v.computed_at, "note": v.note, "source": source_dict(v.source),
    }


def indicator_dict(i: Indicator, *, lang: str = "fr") -> dict:
    return {
        "code": i.code, "label": i.label_en if lang == "en" else i.label_fr, "label_fr": i.label_fr,
        "label_en": i.label_en, "definition_fr": i.definition_fr, "definition_en": i.definition_en,
        "unit": i.unit, "scope_kind": i.scope_kind, "method": i.method, "query": i.query,
    }


def get_indicator(session: Session, *, code: str) -> Indicator | None:
    return session.scalar(select(Indicator).where(Indicator.code == code))


def _values(session: Session, indicator_ids: list[int]) -> list[IndicatorValue]:
    return list(session.scalars(
        select(IndicatorValue).where(IndicatorValue.indicator_id.in_(indicator_ids))
        .options(selectinload(IndicatorValue.source))
    ))


def latest_values(values: list[IndicatorValue]) -> list[IndicatorValue]:
    """Per (scope, dimension): the values of the latest period (several when sources differ)."""
    groups: dict[tuple, list[IndicatorValue]] = defaultdict(list)
    for v in values:
        groups[(v.scope, v.dimension or "")].append(v)
    out = []
    for key in sorted(groups):
        vs = sorted(groups[key], key=_order)
        last = vs[-1]
        if last.kind == "computed":  # one snapshot: the latest day's value
            out.append(last)
        else:
            out.extend(v for v in vs if v.period == last.period and v.kind == "recorded")
    return out


def list_indicators(session: Session, *, lang: str = "fr") -> list[dict]:
    indicators = list(session.scalars(select(Indicator).order_by(Indicator.code)))
    by_indicator: dict[int, list[IndicatorValue]] = defaultdict(list)
    for v in _values(session, [i.id for i in indicators]):
        by_indicator[v.indicator_id].append(v)
    return [{**indicator_dict(i, lang=lang), "latest": [value_dict(v) for v in latest_values(by_indicator[i.id])]}
            for i in indicators]


def series(session: Session, *, code: str, scope: str | None = None) -> list[dict]:
    """Every value of an indicator, recorded and computed, oldest first, each with its source."""
    indicator = get_indicator(session, code=code)
    if indicator is None:
        return []
    values = [v for v in _values(session, [indicator.id]) if scope is None or v.scope == scope]
    return [value_dict(v) for v in sorted(values, key=lambda v: (_order(v), v.scope, v.dimension or ""))]


def targets_progress(session: Session, *, code: str | None = None) -> list[dict]:
    """Each target with the latest value of its indicator and scope (no breakdown), and the progress
    from the baseline (0) to the target (1): (latest − baseline) / (target − baseline), or
    latest / target without a baseline. `progress` is None while there is no value."""
    query = select(Target).options(selectinload(Target.indicator), selectinload(Target.source)).order_by(Target.id)
    if code:
        query = query.join(Indicator).where(Indicator.code == code)
    out = []
    for t in session.scalars(query):
        values = [v for v in _values(session, [t.indicator_id]) if v.scope == t.scope and not v.dimension]
        latest = max(values, key=_order) if values else None
        progress = None
        if latest is not None:
            start = t.baseline_value if t.baseline_value is not None else 0.0
            span = t.value - start
            progress = round((latest.value - start) / span, 4) if span else None
        out.append({
            "indicator": t.indicator.code, "scope": t.scope, "value": t.value, "comparator": t.comparator,
            "horizon_year": t.horizon_year, "baseline_value": t.baseline_value, "baseline_year": t.baseline_year,
            "note": t.note, "source": source_dict(t.source),
            "latest": value_dict(latest) if latest else None, "progress": progress,
        })
    return out


def conflicts(session: Session, *, code: str | None = None) -> list[dict]:
    """Groups of values of one indicator, scope and breakdown whose periods match (or one of them is
    undated) and whose values differ: kept side by side, never merged."""
    query = select(Indicator)
    if code:
        query = query.where(Indicator.code == code)
    indicators = list(session.scalars(query.order_by(Indicator.code)))
    recorded: dict[int, list[IndicatorValue]] = defaultdict(list)
    for v in _values(session, [i.id for i in indicators]):  # one statement for all, not one per indicator
        if v.kind == "recorded":
            recorded[v.indicator_id].append(v)
    out = []
    for indicator in indicators:
        groups: dict[tuple, list[IndicatorValue]] = defaultdict(list)
        for v in recorded[indicator.id]:
            groups[(v.scope, v.dimension or "")].append(v)
        for (scope, dimension), vs in sorted(groups.items()):
            periods = sorted({v.period for v in vs if v.period})
            for period in periods or (None,):
                same = [v for v in vs if v.period in (period, None)]
                if len({(v.value, v.comparator) for v in same}) > 1:
                    out.append({"indicator": indicator.code, "scope": scope, "dimension": dimension or None,
                                "period": period, "values": [value_dict(v) for v in sorted(same, key=_order)]})
    return out


def _roadmap_query():
    return select(Roadmap).options(
        selectinload(Roadmap.source), selectinload(Roadmap.owner),
        selectinload(Roadmap.axes).selectinload(RoadmapAxis.actions).selectinload(RoadmapAction.indicators),
        selectinload(Roadmap.axes).selectinload(RoadmapAxis.actions).selectinload(RoadmapAction.owners),
    )


def progress_of(actions: list[RoadmapAction]) -> dict:
    counts = {s: 0 for s in ACTION_STATUSES}
    for a in actions:
        counts[a.status] = counts.get(a.status, 0) + 1
    total = len(actions)
    return {"actions": total, "by_status": counts, "share_done": round(counts["done"] / total, 4) if total else None}


def roadmap_dict(r: Roadmap, *, with_actions: bool = True, lang: str = "fr") -> dict:
    axes = []
    for axis in r.axes:
        entry = {"number": axis.number, "title_fr": axis.title_fr, "title_en": axis.title_en,
                 "progress": progress_of(axis.actions)}
        if with_actions:
            entry["actions"] = [{
                "id": a.id, "number": a.number, "title_fr": a.title_fr, "title_en": a.title_en, "status": a.status,
                "start_date": a.start_date, "end_date": a.end_date, "owners_text": a.owners_text,
                "owners": [{"id": o.id, "name": o.name} for o in a.owners],
                "indicators": [i.code for i in a.indicators],
            } for a in axis.actions]
        axes.append(entry)
    return {
        "code": r.code, "title": (r.title_en or r.title_fr) if lang == "en" else r.title_fr,
        "title_fr": r.title_fr, "title_en": r.title_en, "owner_name": r.owner_name,
        "owner": {"id": r.owner.id, "name": r.owner.name} if r.owner else None, "region": r.region,
        "adopted": r.adopted, "axes_declared": r.axes_declared, "actions_declared": r.actions_declared,
        "summary_fr": r.summary_fr, "summary_en": r.summary_en, "source": source_dict(r.source),
        "progress": progress_of([a for axis in r.axes for a in axis.actions]), "axes": axes,
    }


def list_roadmaps(session: Session, *, lang: str = "fr") -> list[dict]:
    return [roadmap_dict(r, with_actions=False, lang=lang) for r in session.scalars(_roadmap_query().order_by(Roadmap.code))]


def get_roadmap(session: Session, *, code: str, lang: str = "fr") -> dict | None:
    r = session.scalar(_roadmap_query().where(Roadmap.code == code))
    return roadmap_dict(r, lang=lang) if r else None

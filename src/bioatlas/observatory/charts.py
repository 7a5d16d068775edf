"""The dashboard's charts: each one is built server-side as a Vega-Lite spec holding its own data
(`data.values`), with the rows of that data (the CSV download), the source it comes from (a query
over the atlas with the day it ran, or articles with their date) and, when there is nothing to draw,
the reason (an explicit empty state instead of an empty chart).

`web/static/js/charts.js` renders the specs with vega-embed in interpreter mode (the CSP has no
'unsafe-eval'), so the specs use no expression strings that need compiling beyond Vega-Lite's own.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from sqlalchemy.orm import Session

from bioatlas.atlas.service import taxonomies as load_taxonomies
from bioatlas.core.i18n import Translator
from bioatlas.observatory import compute, service
from bioatlas.observatory.regions import region_names

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
# Vega's default categorical colours ("tableau10"), given to the colour scale and to the page's own
# legend (chart_block in _macros.html): the page lists the series in HTML, where a long label wraps
# (Vega's legend cut it to 160 px, "Succès du Congr…", and never wraps)
RANKED_STEP = 44  # px per bar of a ranked chart: its label above, the bar under it
PALETTE = ("#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac")


@dataclass
class ChartSource:
    title: str
    published: str | None = None  # ISO day of the article, or the day the query ran
    url: str | None = None
    query: str | None = None


@dataclass
class Chart:
    key: str
    title: str
    columns: list[str]
    rows: list[dict]
    sources: list[ChartSource]
    spec: dict | None = None
    empty: str | None = None  # why there is nothing to draw
    note: str | None = None
    extra: dict = field(default_factory=dict)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (label, colour) of each series

    def csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=self.columns, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(self.rows)
        return buffer.getvalue()


def legend_of(rows: list[dict], field_name: str) -> list[tuple[str, str]]:
    """(label, colour) of each value of `field_name` in the order of the rows: the colour scale's
    domain and range, and the HTML legend drawn under the chart."""
    labels = list(dict.fromkeys(str(r[field_name]) for r in rows))
    return [(label, PALETTE[i % len(PALETTE)]) for i, label in enumerate(labels)]


def _bar_spec(rows: list[dict], *, x: dict, y: dict, color: dict | None = None, offset: str | None = None,
              horizontal: bool = False, height: int | None = None) -> dict:
    encoding = {"x": x, "y": y}
    if color:
        legend = legend_of(rows, color["field"])
        encoding["color"] = {**color, "legend": None,
                             "scale": {"domain": [label for label, _ in legend], "range": [c for _, c in legend]}}
    if offset:
        encoding["yOffset" if horizontal else "xOffset"] = {"field": offset}
    spec = {
        "$schema": VEGA_LITE_SCHEMA,
        "data": {"values": rows},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": encoding,
        "width": "container",
        "config": {"legend": {"orient": "bottom"}, "axis": {"labelLimit": 220}},
    }
    if height:
        spec["height"] = height
    return spec


def _ranked_spec(rows: list[dict], t: Translator) -> dict:
    """Actors counted per label, largest first, as bars across the chart's whole width: each label and
    its count written above its bar ("Entreprise : 3"), not beside it (on a 390 px phone the labels
    took half the width and the bars the rest: a 150 px plot with blank space under it)."""
    values = [{**r, "text": f"{r['label']}{t.colon} {r['actors']}"} for r in rows]
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "data": {"values": values},
        "width": "container",
        "height": {"step": RANKED_STEP},
        "encoding": {"y": {"field": "label", "type": "nominal", "sort": None, "axis": None}},
        "layer": [
            {"mark": {"type": "bar", "tooltip": True, "height": {"band": 0.4}, "yOffset": 5},
             "encoding": {"x": {"field": "actors", "type": "quantitative", "title": t("Number of active actors"),
                                "axis": {"tickMinStep": 1, "format": "d"}}}},
            {"mark": {"type": "text", "align": "left", "baseline": "bottom", "dy": -6, "fontSize": 12},
             "encoding": {"x": {"datum": 0}, "text": {"field": "text"}}},
        ],
    }


def _run(session: Session, query: str) -> compute.Result:
    return compute.run_query(compute.Context(session, load_taxonomies()), query)


def _computed_source(t: Translator, query: str) -> ChartSource:
    return ChartSource(title=t("computed from the atlas"), published=date.today().isoformat(), query=query)


def ema_per_year(session: Session, t: Translator) -> Chart:
    series = {"biologics": t("Biologics"), "atmps": t("Advanced therapies (ATMP)")}
    rows: list[dict] = []
    empty = None
    for field_name, label in series.items():
        result = _run(session, f"ema_per_year:{field_name}")
        if isinstance(result, compute.Empty):
            empty = result.reason
            break
        rows.extend({"year": p.dimension.split("=", 1)[1], "series": label, "count": int(p.value),
                     "all_authorised": int(p.denominator or 0)} for p in result)
    chart = Chart("ema-per-year", t("EMA: human biologics and ATMPs authorised per year"),
                  ["year", "series", "count", "all_authorised"], rows,
                  [_computed_source(t, "ema_per_year:biologics"), _computed_source(t, "ema_per_year:atmps")],
                  empty=empty, note=t("Year of the marketing authorisation, products named by the latest EMA list."))
    if not empty:
        chart.spec = _bar_spec(rows, x={"field": "year", "type": "ordinal", "title": t("Year")},
                               y={"field": "count", "type": "quantitative", "title": t("Products")},
                               color={"field": "series", "type": "nominal", "title": None}, offset="series", height=260)
        chart.legend = legend_of(rows, "series")
    return chart


def ema_lists(session: Session, t: Translator) -> Chart:
    result = _run(session, "ema_per_list:biologics")
    rows: list[dict] = []
    if not isinstance(result, compute.Empty):
        for p in result:
            kind, _, day = p.dimension.partition("=")
            label = t("named in the list") if kind == "list" else t("new since the previous list")
            rows.append({"list": day, "measure": label, "count": int(p.value)})
    chart = Chart("ema-lists", t("EMA lists compared: human biologics named in each list"), ["list", "measure", "count"],
                  rows, [_computed_source(t, "ema_per_list:biologics")],
                  empty=result.reason if isinstance(result, compute.Empty) else None)
    if rows:
        chart.spec = _bar_spec(rows, x={"field": "list", "type": "ordinal", "title": t("EMA list of")},
                               y={"field": "count", "type": "quantitative", "title": t("Human biologics")},
                               color={"field": "measure", "type": "nominal", "title": None}, offset="measure", height=260)
        chart.legend = legend_of(rows, "measure")
    return chart


def actors_by_kind(session: Session, t: Translator) -> Chart:
    kinds = load_taxonomies()["kinds"]
    result = _run(session, "actors_by:kind")
    rows = []
    if not isinstance(result, compute.Empty):
        counts = {p.dimension.split("=", 1)[1]: int(p.value) for p in result}
        rows = [{"kind": term.code, "label": term.label(t.lang), "actors": counts[term.code]}
                for term in kinds.terms.values() if term.parent is None and counts.get(term.code)]
        rows.sort(key=lambda r: -r["actors"])
    chart = Chart("actors-by-kind", t("Actors by kind"), ["kind", "label", "actors"], rows,
                  [_computed_source(t, "actors_by:kind")],
                  empty=result.reason if isinstance(result, compute.Empty) else None,
                  note=t("Active actors; a kind counts its sub-kinds (companies include start-ups, SMEs…)."))
    if rows:
        chart.spec = _ranked_spec(rows, t)
    return chart


def actors_by_region(session: Session, t: Translator) -> Chart:
    names = region_names()
    result = _run(session, "actors_by:region")
    rows = []
    if not isinstance(result, compute.Empty):
        rows = [{"region": p.scope, "label": names.get(p.scope, p.scope), "actors": int(p.value)} for p in result]
        rows.sort(key=lambda r: -r["actors"])
    chart = Chart("actors-by-region", t("Actors by region"), ["region", "label", "actors"], rows,
                  [_computed_source(t, "actors_by:region")],
                  empty=result.reason if isinstance(result, compute.Empty) else None,
                  note=t("Active actors with at least one site in the region."))
    if rows:
        chart.spec = _ranked_spec(rows, t)
    return chart


def made_in_country(session: Session, t: Translator) -> Chart:
    """The recorded figures "N of 76 biotherapies made in the country", one bar per value and source:
    conflicting values (same country, different articles) stand side by side."""
    values = [v for v in service.series(session, code="eu_biologics_made_in_country") if v["kind"] == "recorded"]
    rows, sources = [], {}
    for v in values:
        src = v["source"]
        label = f"{src['title']} ({src['published'] or t('undated')})"  # whole: the HTML legend wraps it
        sources[src["id"]] = ChartSource(src["title"], src["published"], src["url"])
        value = int(v["value"]) if float(v["value"]).is_integer() else v["value"]
        rows.append({"country": v["scope"], "value": value, "value_text": v["value_text"] or "",
                     "period": v["period"] or "", "source": label, "source_title": src["title"],
                     "source_published": src["published"] or "", "note": v["note"] or ""})
    chart = Chart("made-in-country", t("EU-authorised biotherapies made in the country (recorded figures)"),
                  ["country", "value", "value_text", "period", "source_title", "source_published", "note"], rows,
                  list(sources.values()), empty=None if rows else t("No recorded value yet."),
                  note=t("Values of different articles for the same country are shown side by side, never merged."))
    if rows:
        chart.spec = _bar_spec(rows, x={"field": "value", "type": "quantitative", "title": t("Biotherapies")},
                               y={"field": "country", "type": "nominal", "title": t("Country")},
                               color={"field": "source", "type": "nominal", "title": t("Source")}, offset="source",
                               horizontal=True)
        chart.legend = legend_of(rows, "source")
    return chart


CHARTS: dict[str, Callable[[Session, Translator], Chart]] = {
    "ema-per-year": ema_per_year,
    "ema-lists": ema_lists,
    "actors-by-kind": actors_by_kind,
    "actors-by-region": actors_by_region,
    "made-in-country": made_in_country,
}


def series_chart(code: str, values: list[dict], t: Translator) -> dict | None:
    """An indicator's series as a Vega-Lite spec: value per period, one colour per scope and breakdown
    and one point per source (conflicts stay distinct points). None when nothing is dated."""
    rows = [{"period": v["period"], "value": v["value"], "series": v["scope"] + (f" · {v['dimension']}" if v["dimension"] else ""),
             "kind": v["kind"], "source": v["source"]["title"]}
            for v in values if v["period"]]
    if not rows:
        return None
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "data": {"values": rows[:2000]},
        "mark": {"type": "point", "filled": True, "size": 80, "tooltip": True},
        "encoding": {
            "x": {"field": "period", "type": "ordinal", "title": t("Period")},
            "y": {"field": "value", "type": "quantitative", "title": t("Value")},
            "color": {"field": "series", "type": "nominal", "title": t("Scope"),
                      "legend": {"orient": "bottom", "columns": 3}},
            "shape": {"field": "kind", "type": "nominal", "title": t("Kind")},
        },
        "width": "container", "height": 260,
    }

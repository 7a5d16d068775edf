"""HTML pages of the observatory: the dashboard (key figures against the 2030 targets, charts with
their source and CSV), an indicator's page, a region's page and printable factsheet (HTML and PDF),
the roadmaps.

Charts are Vega-Lite specs built in `charts.py`, handed to `static/js/charts.js` through a
`data-spec` attribute (no inline script: the CSP forbids it).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bioatlas.accounts.policy import Principal, require
from bioatlas.atlas.service import SCOPES
from bioatlas.atlas.service import taxonomies as load_taxonomies
from bioatlas.core.deps import SessionDep, SettingsDep, TranslatorDep
from bioatlas.core.fields import FieldError
from bioatlas.core.i18n import Translator
from bioatlas.observatory import charts, factsheet, factsheet_cache, factsheet_render, labels, regions, roadmaps, service
from bioatlas.web import number as web_number
from bioatlas.web import templates
from bioatlas.web.pages import render
from bioatlas.web.refusals import Refused, not_found

router = APIRouter(prefix="/observatory", include_in_schema=False)
Code = Annotated[str, Path(max_length=60)]
MAX_SERIES_ROWS = 500
ScopeParam = Annotated[str | None, Query(max_length=10, description="sector or all (default: the sector once computed)")]


def number(value, lang: str = "fr", digits: int = 1) -> str:
    """12345.0 -> "12 345" (fr) / "12,345" (en); keeps up to `digits` decimals when not whole
    (Babel, `web.number`)."""
    return web_number(value, lang, digits)


# {{ value | obs_figure(lang, unit, comparator) }}: every figure of the observatory's pages, whole on its line (the
# one formatter: there is no bare number filter here)
templates.env.filters["obs_figure"] = lambda value, lang, unit=None, comparator=None: labels.figure(value, lang, number, unit, comparator)
templates.env.filters["obs_tied"] = labels.tied  # a source's or an indicator's own words, their figures whole
templates.env.filters["obs_scope"] = labels.scope_label
templates.env.filters["obs_dimension"] = lambda dimension, lang: labels.dimension_label(dimension, Translator(lang))
templates.env.filters["obs_value"] = lambda v, lang, unit=None: labels.value_text(v, Translator(lang), number, unit)
templates.env.filters["obs_missing"] = lambda indicator, lang: labels.missing_reason(indicator, Translator(lang))


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep, t: TranslatorDep):
    built = [build(session, t) for build in charts.CHARTS.values()]
    indicators = service.list_indicators(session, lang=t.lang)
    return render(request, t, "observatory/dashboard.html",
        charts=built, targets=service.targets_progress(session), indicators=indicators,
        labels={i["code"]: i["label"] for i in indicators}, units={i["code"]: i["unit"] for i in indicators},
        by_code={i["code"]: i for i in indicators},
        regions=sorted(regions.region_names().items(), key=lambda kv: kv[1]),
        roadmaps=roadmaps.list_page(session, lang=t.lang), conflicts=service.conflicts(session))


@router.get("/charts/{key}.csv", response_class=Response)
def chart_csv(key: Annotated[str, Path(max_length=40)], session: SessionDep, t: TranslatorDep):
    build = charts.CHARTS.get(key)
    if build is None:
        raise not_found("key", "No chart with this name.", detail=f"no chart {key!r}; charts: {', '.join(charts.CHARTS)}")
    chart = build(session, t)
    return Response(chart.csv(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="observatory-{key}.csv"'})


@router.get("/indicators/{code}", response_class=HTMLResponse)
def indicator_page(request: Request, code: Code, session: SessionDep, t: TranslatorDep):
    indicator = service.get_indicator(session, code=code)
    if indicator is None:
        raise not_found("code", "No indicator with this code.")
    values = service.series(session, code=code)
    return render(request, t, "observatory/indicator.html",
        indicator=service.indicator_dict(indicator, lang=t.lang), targets=service.targets_progress(session, code=code),
        values=values[-MAX_SERIES_ROWS:], total_values=len(values), conflicts=service.conflicts(session, code=code),
        spec=charts.series_chart(code, values, t))


def _bad_scope() -> Refused:
    """A `scope` that is neither `sector` nor `all`: the page says it in the reader's language, the
    JSON `detail` stays the English one."""
    return Refused(FieldError("scope", "expected one of {allowed}", params={"allowed": ", ".join(SCOPES)}),
                   detail={"field": "scope", "message": f"scope: expected one of {', '.join(SCOPES)}"})


def _profile(session, code: str, t, scope: str | None = None):
    if scope not in (None, "", *SCOPES):
        raise _bad_scope()
    profile = regions.region_profile(session, code=code, lang=t.lang, taxonomies=load_taxonomies(), scope=scope or None)
    if profile is None:
        raise not_found("code", "No region with this code.")
    return profile


@router.get("/regions/{code}", response_class=HTMLResponse)
def region_page(request: Request, code: Code, session: SessionDep, t: TranslatorDep, scope: ScopeParam = None):
    profile = _profile(session, code, t, scope)
    return render(request, t, "observatory/region.html",
        region=profile, recorded=regions.recorded_figures(session, code=code, lang=t.lang))


def _factsheet_context(session, code: str, t, scope: str | None = None) -> dict:
    if scope not in (None, "", *SCOPES):
        raise _bad_scope()
    found = factsheet_render.context(session, code=code, t=t, scope=scope or None)
    if found is None:
        raise not_found("code", "No region with this code.")
    return found


@router.get("/regions/{code}/factsheet", response_class=HTMLResponse)
def factsheet_page(request: Request, code: Code, session: SessionDep, t: TranslatorDep, scope: ScopeParam = None):
    return render(request, t, "observatory/factsheet.html", **_factsheet_context(session, code, t, scope))


@router.get("/regions/{code}/factsheet.pdf", response_class=Response)
def factsheet_pdf(code: Code, session: SessionDep, settings: SettingsDep, t: TranslatorDep):
    if code not in regions.region_names():
        raise not_found("code", "No region with this code.")
    try:  # the cached file when it matches the data (factsheet_cache), else rendered and kept
        pdf = factsheet_cache.cached_pdf(session, settings=settings, code=code, lang=t.lang,
                                         render=lambda: factsheet_render.render_pdf(session, code=code, t=t))
    except factsheet.PdfUnavailable as exc:
        # the API's detail keeps the operator's English (the command that installs Pango)
        raise Refused(FieldError("", "The PDF cannot be made on this server (its PDF libraries are missing); "
                                     "the factsheet's page shows the same.", 503), detail=str(exc)) from None
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="factsheet-{code}-{t.lang}.pdf"'})


@router.get("/roadmaps", response_class=HTMLResponse)
def roadmaps_page(request: Request, session: SessionDep, t: TranslatorDep):
    return render(request, t, "observatory/roadmaps.html",
        roadmaps=roadmaps.list_page(session, lang=t.lang), region_names=regions.region_names())


@router.get("/roadmaps/{code}", response_class=HTMLResponse)
def roadmap_page(request: Request, code: Code, session: SessionDep, t: TranslatorDep):
    roadmap = roadmaps.roadmap_page(session, code=code, lang=t.lang)
    if roadmap is None:
        raise not_found("code", "No roadmap with this code.")
    return render(request, t, "observatory/roadmap.html",
        roadmap=roadmap, region_names=regions.region_names(), statuses=roadmaps.ACTION_STATUSES,
        indicator_labels={i["code"]: i["label"] for i in service.list_indicators(session, lang=t.lang)})


@router.post("/roadmaps/{code}/actions/{action_id}")
def roadmap_action_status(
    request: Request, code: Code, action_id: Annotated[int, Path(ge=1, le=2**31 - 1)], session: SessionDep,
    t: TranslatorDep, principal: Annotated[Principal, Depends(require("admin.write"))],
    status: Annotated[str, Form(max_length=20)], note: Annotated[str, Form(max_length=2000)] = "",
):
    """The status form of a roadmap page (admins): same rules and record as the API's PATCH."""
    by = f"user {principal.user_id} ({principal.display_name})"[:100] if principal.user_id else "admin token"
    try:
        roadmaps.set_action_status(session, action_id=action_id, status=status, by=by, note=note.strip() or None,
                                   roadmap=code)
    except roadmaps.ActionNotFound:
        raise not_found("action_id", "No such action in this roadmap.") from None
    except roadmaps.InvalidStatus as exc:
        raise Refused(FieldError("status", "{value!r} is not one of {allowed}",
                                 params={"value": status, "allowed": ", ".join(roadmaps.ACTION_STATUSES)}),
                      detail=str(exc)) from None
    return RedirectResponse(f"/observatory/roadmaps/{code}#action-{action_id}", status_code=303)

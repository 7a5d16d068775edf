"""The calls room's computed figures for the observatory (hook `bioatlas_observatory_queries`):
applications per published call and region of the applicant actor's sites, the success rate once
results are out (query `calls:<field>`), and the portfolio of structuring projects: projects and
budget per region and modality, milestones met on time (query `portfolio:<field>`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from bioatlas.calls.portfolio import figures_portfolio, portfolio_by_region_and_modality
from bioatlas.calls.results import figures
from bioatlas.core.plugins import ComputedIndicator, ObservatoryPoint, ObservatoryQuery


def calls_figures(session: Session, field: str | None) -> Sequence[ObservatoryPoint] | str:
    """Per published call (dimension call=<id>): applications per region of the applicant actor's
    sites (scope = region code, `?` when not located), or the success rate once results are out
    (laureates / applications, percent, scope FR)."""
    rows = figures(session)["calls"]
    if not rows:
        return "no call published yet"
    out: list[ObservatoryPoint] = []
    for row in rows:
        dim = f"call={row['call'].id}"
        if field == "applications":
            out += [ObservatoryPoint(scope=r, dimension=dim, value=n) for r, n in sorted(row["regions"].items())]
        elif row["success_rate"] is not None:
            out.append(ObservatoryPoint(scope="FR", dimension=dim, value=row["success_rate"],
                                        numerator=row["laureates"], denominator=row["applications"],
                                        value_text=f"{row['laureates']} / {row['applications']}"))
    return out or ("no call has published its results yet" if field == "success_rate"
                   else "no application submitted yet")


def portfolio_figures(session: Session, field: str | None) -> Sequence[ObservatoryPoint] | str:
    """The portfolio of structuring projects: projects or budget (euros) per region (scope = region
    code) and modality (dimension), or milestones done by their due date among those done or
    overdue (percent, scope FR)."""
    totals = figures_portfolio(session)
    if not totals["projects"]:
        return "no structuring project followed in the portfolio yet"
    if field == "milestones_on_time":
        judged = totals["milestones_judged"]
        if not judged:
            return "no milestone due or done yet"
        ok = totals["milestones_on_time"]
        return [ObservatoryPoint(scope="FR", value=round(100 * ok / judged, 1), numerator=ok, denominator=judged,
                                 value_text=f"{ok} / {judged}")]
    return [ObservatoryPoint(scope=region, dimension=f"modality={modality}",
                             value=row["projects"] if field == "projects" else row["budget_eur"])
            for (region, modality), row in sorted(portfolio_by_region_and_modality(session).items())]


def _indicator(code: str, query: str, unit: str, scope_kind: str, label_fr: str, label_en: str, def_fr: str,
               def_en: str) -> ComputedIndicator:
    return ComputedIndicator(code=code, label_fr=label_fr, label_en=label_en, definition_fr=def_fr,
                             definition_en=def_en, unit=unit, scope_kind=scope_kind, query=query)


CALLS = ObservatoryQuery(name="calls", fields=("applications", "success_rate"), run=calls_figures, indicators=(
    _indicator("call_applications", "calls:applications", "count", "region",
               "Candidatures aux appels par région", "Applications to calls by region",
               "Calculé\u202f: candidatures déposées à chaque appel publié, par région des sites de l’acteur candidat "
               "dans l’atlas (calls.service.figures).",
               "Computed: applications submitted to each published call, by region of the applicant actor's sites "
               "in the atlas (calls.service.figures)."),
    _indicator("call_success_rate", "calls:success_rate", "percent", "country",
               "Taux de succès des appels", "Success rate of the calls",
               "Calculé\u202f: lauréats parmi les candidatures déposées, par appel dont les résultats sont publiés.",
               "Computed: laureates among the submitted applications, per call whose results are published."),
))

PORTFOLIO = ObservatoryQuery(name="portfolio", fields=("projects", "budget", "milestones_on_time"),
                             run=portfolio_figures, indicators=(
    _indicator("portfolio_projects", "portfolio:projects", "count", "region",
               "Projets structurants suivis par région et modalité",
               "Followed structuring projects by region and modality",
               "Calculé\u202f: projets du portefeuille de projets structurants (partenaires, jalons, budget), par région "
               "et modalité.",
               "Computed: projects of the portfolio of structuring projects (partners, milestones, budget), by "
               "region and modality."),
    _indicator("portfolio_budget_eur", "portfolio:budget", "euros", "region",
               "Budget des projets structurants suivis", "Budget of the followed structuring projects",
               "Calculé\u202f: budget total des projets du portefeuille, par région et modalité.",
               "Computed: total budget of the portfolio's projects, by region and modality."),
    _indicator("portfolio_milestones_on_time", "portfolio:milestones_on_time", "percent", "country",
               "Jalons des projets structurants tenus à temps", "Milestones of structuring projects met on time",
               "Calculé\u202f: jalons atteints à leur échéance parmi les jalons atteints ou échus du portefeuille.",
               "Computed: milestones met by their due date among the portfolio's milestones met or overdue."),
))

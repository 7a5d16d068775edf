"""The job board's computed figures for the observatory (hook `bioatlas_observatory_queries`):
open offers by region, by ROME family and by contract, open offers per 1,000 jobs of the sector
where the observatory holds a recorded figure of the region's health-sector employees, and the
median days from publication to closing. Offers, never jobs created: every label says so, beside
the 2030 plan's 10,000 direct jobs (indicator `direct_jobs_created` and its target).

Synthetic demo offers are never counted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from bioatlas.core.plugins import ComputedIndicator, ObservatoryPoint, ObservatoryQuery
from bioatlas.jobboard.indicators import indicators
from bioatlas.observatory import service as observatory

FIELDS = ("open_by_region", "open_by_family", "open_by_contract", "per_1000_jobs", "days_to_close")
EMPLOYEES = "health_sector_employees"  # the observatory's recorded regional figure (jobs)
NONE_OPEN = "no open job offer (synthetic demo offers are not counted)"


def compute(session: Session, field: str | None, *, today: date | None = None) -> Sequence[ObservatoryPoint] | str:
    figures = indicators(session, today=today)
    if field == "open_by_region":
        return [ObservatoryPoint(scope=r, value=n) for r, n in sorted(figures["by_region"].items())] or NONE_OPEN
    if field == "open_by_family":
        return [ObservatoryPoint(scope="FR", dimension=f"rome_family={k}", value=n)
                for k, n in sorted(figures["by_rome_family"].items())] or NONE_OPEN
    if field == "open_by_contract":
        return [ObservatoryPoint(scope="FR", dimension=f"contract={k}", value=n)
                for k, n in sorted(figures["by_contract"].items())] or NONE_OPEN
    if field == "days_to_close":
        if figures["median_days_to_close"] is None:
            return "no offer closed by its employer yet"
        return [ObservatoryPoint(scope="FR", value=figures["median_days_to_close"],
                                 value_text=f"{figures['median_days_to_close']} ({figures['closed_offers_measured']} offers)")]
    if field == "per_1000_jobs":
        employees: dict[str, float] = {}
        for v in observatory.series(session, code=EMPLOYEES):  # oldest first: the latest recorded wins
            if v["kind"] == "recorded" and v["dimension"] is None and v["value"]:
                employees[v["scope"]] = float(v["value"])
        if not employees:
            return f"no recorded figure of {EMPLOYEES} in the observatory"
        # only regions with open offers: a zero would say more about the board's reach than the region
        return [ObservatoryPoint(scope=r, value=round(1000 * figures["by_region"][r] / jobs, 2),
                                 numerator=figures["by_region"][r], denominator=jobs,
                                 value_text=f"{figures['by_region'][r]} offers / {jobs:,.0f} jobs")
                for r, jobs in sorted(employees.items()) if figures["by_region"].get(r)] \
            or "no open offer in a region with a recorded figure of its health-sector employees"
    raise ValueError(f"unknown field {field!r}; expected one of {', '.join(FIELDS)}")


def _indicator(field: str, unit: str, scope_kind: str, label_fr: str, label_en: str, def_fr: str,
               def_en: str) -> ComputedIndicator:
    return ComputedIndicator(code=f"jobboard_{field}", label_fr=label_fr, label_en=label_en, definition_fr=def_fr,
                             definition_en=def_en, unit=unit, scope_kind=scope_kind, query=f"jobboard:{field}")


OFFERS_FR = " Des offres, pas des emplois créés (objectif du plan 2030\u202f: 10 000 emplois directs)."
OFFERS_EN = " Offers, not jobs created (the 2030 plan's target: 10,000 direct jobs)."
INDICATORS = (
    _indicator("open_by_region", "count", "region", "Offres d'emploi ouvertes, par région",
               "Open job offers, by region",
               "Calculé\u202f: offres ouvertes de la bourse d'emploi (publiées par les employeurs ou importées de "
               "France Travail), par région du site." + OFFERS_FR,
               "Computed: open offers of the job board (published by employers or imported from France Travail), "
               "by the site's region." + OFFERS_EN),
    _indicator("open_by_family", "count", "country", "Offres d'emploi ouvertes, par famille ROME",
               "Open job offers, by ROME family",
               "Calculé\u202f: offres ouvertes par famille de métiers ROME (lettre et deux chiffres)." + OFFERS_FR,
               "Computed: open offers by ROME occupation family (letter and two digits)." + OFFERS_EN),
    _indicator("open_by_contract", "count", "country", "Offres d'emploi ouvertes, par contrat",
               "Open job offers, by contract",
               "Calculé\u202f: offres ouvertes par type de contrat (CDI, CDD, intérim, alternance, stage, thèse, "
               "post-doctorat)." + OFFERS_FR,
               "Computed: open offers by contract (permanent, fixed-term, agency, apprenticeship, internship, PhD, "
               "post-doc)." + OFFERS_EN),
    _indicator("per_1000_jobs", "factor", "region", "Offres d'emploi ouvertes pour 1 000 salariés de la filière santé",
               "Open job offers per 1,000 health-sector employees",
               "Calculé\u202f: offres ouvertes de la région × 1 000 / salariés de la filière santé de la région, là où "
               "l'observatoire en a un chiffre relevé (health_sector_employees)." + OFFERS_FR,
               "Computed: the region's open offers × 1,000 / the region's health-sector employees, where the "
               "observatory holds a recorded figure (health_sector_employees)." + OFFERS_EN),
    _indicator("days_to_close", "days", "country", "Délai médian de pourvoi des offres d'emploi",
               "Median time to fill job offers",
               "Calculé\u202f: médiane, en jours, entre la publication d'une offre et sa clôture par l'employeur (les "
               "offres expirées ne comptent pas).",
               "Computed: median days between an offer's publication and its closing by the employer (expired "
               "offers do not count)."),
)
QUERY = ObservatoryQuery(name="jobboard", fields=FIELDS, run=compute, indicators=INDICATORS)

"""Partner search's computed figures for the observatory (hook `bioatlas_observatory_queries`):
opportunities published, expressions of interest, accepted contacts and agreements recorded at
closing, per region of the opportunity's actor (scope) and modality (dimension), or the median
days from an expression of interest to its answer (scope FR). Query `opportunities:<field>`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from bioatlas.core.plugins import ComputedIndicator, ObservatoryPoint, ObservatoryQuery
from bioatlas.opportunities.figures import figures, figures_by_region_and_modality

FIELDS = ("published", "interests", "accepted", "agreements", "median_days_to_answer")


def compute(session: Session, field: str | None) -> Sequence[ObservatoryPoint] | str:
    if field == "median_days_to_answer":
        median = figures(session)["median_days_to_answer"]
        return "no expression of interest answered yet" if median is None else [ObservatoryPoint(scope="FR", value=median)]
    rows = figures_by_region_and_modality(session)
    if not rows:
        return "no opportunity published yet"
    return [ObservatoryPoint(scope=region, dimension=f"modality={modality}", value=row[str(field)])
            for (region, modality), row in sorted(rows.items())]


def _indicator(field: str, label_fr: str, label_en: str, def_fr: str, def_en: str) -> ComputedIndicator:
    return ComputedIndicator(code=f"opportunities_{field}", label_fr=label_fr, label_en=label_en, definition_fr=def_fr,
                             definition_en=def_en, unit="count", scope_kind="region", query=f"opportunities:{field}")


QUERY = ObservatoryQuery(name="opportunities", fields=FIELDS, run=compute, indicators=(
    _indicator("published", "Opportunités de partenariat publiées par région et modalité",
               "Partnership opportunities published by region and modality",
               "Calculé\u202f: offres et demandes de la recherche de partenaires publiées après relecture, par région "
               "de l'acteur et modalité.",
               "Computed: partner-search offers and requests published after review, by region of the actor and "
               "modality."),
    _indicator("interests", "Marques d'intérêt par région et modalité", "Expressions of interest by region and modality",
               "Calculé\u202f: marques d'intérêt reçues par les opportunités publiées, par région de l'acteur et modalité.",
               "Computed: expressions of interest received by the published opportunities, by region of the actor "
               "and modality."),
    _indicator("accepted", "Contacts acceptés par région et modalité", "Accepted contacts by region and modality",
               "Calculé\u202f: marques d'intérêt acceptées (une conversation s'ouvre), par région de l'acteur et modalité.",
               "Computed: accepted expressions of interest (a conversation opens), by region of the actor and "
               "modality."),
    _indicator("agreements", "Accords enregistrés par région et modalité", "Agreements recorded by region and modality",
               "Calculé\u202f: opportunités clôturées avec un accord (sous-traitance, licence, collaboration, proposition "
               "européenne), par région et modalité.",
               "Computed: opportunities closed with an agreement (subcontracting, licence, collaboration, EU "
               "proposal), by region and modality."),
))

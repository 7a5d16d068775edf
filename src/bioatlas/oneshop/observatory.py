"""The one-stop shop's computed figures for the observatory (hook `bioatlas_observatory_queries`):
projects received by type and region, jobs announced, needs by type, requests routed by partner and
need, median days to a first answer per partner, projects landed, coverage gaps (needs no rule
routed), satisfaction by need. Each indicator cites the query it is computed by.

Confirmed cases only (the address verified). Jobs are published per region only where at least
MIN_CELL projects add up (one project's jobs would be its confidential figure)."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.core.plugins import ComputedIndicator, ObservatoryPoint, ObservatoryQuery
from bioatlas.oneshop.checks import aware
from bioatlas.oneshop.figures import unrouted_needs
from bioatlas.oneshop.models import Case, Need, RoutedRequest
from bioatlas.oneshop.reading import partner_names

MIN_CELL = 3
UNSPECIFIED = "unspecified"  # the scope of a project whose region was not given
FIELDS = ("projects", "jobs", "needs", "routed", "days_to_first_answer", "landed", "coverage_gaps", "satisfied")


def _cases(session: Session) -> list[Case]:
    return list(session.scalars(select(Case).where(Case.status != "unverified")))


def _region(case: Case) -> str:
    return case.region or UNSPECIFIED


def _count(counter: Counter, key: str) -> list[ObservatoryPoint]:
    return [ObservatoryPoint(scope=scope, dimension=f"{key}={value}", value=n)
            for (scope, value), n in sorted(counter.items())]


def compute(session: Session, field: str | None) -> Sequence[ObservatoryPoint] | str:
    cases = _cases(session)
    if not cases:
        return "no confirmed project received by the one-stop shop yet"
    by_id = {c.id: c for c in cases}
    if field == "projects":
        return _count(Counter((_region(c), c.project_type) for c in cases), "type")
    if field == "jobs":
        per: dict[str, list[int]] = {}
        for c in cases:
            per.setdefault(_region(c), []).append(c.jobs_planned)
        rows = [(r, v) for r, v in sorted(per.items()) if len(v) >= MIN_CELL]
        if not rows:
            return f"fewer than {MIN_CELL} projects in every region: not published (one project's jobs are its own)"
        return [ObservatoryPoint(scope=r, value=sum(v), value_text=f"{sum(v)} ({len(v)} projects)") for r, v in rows]
    if field == "landed":
        landed = Counter(_region(c) for c in cases if c.outcome == "established")
        return [ObservatoryPoint(scope=r, value=n) for r, n in sorted(landed.items())] or "no project landed yet"
    if field == "needs":
        needs = session.execute(select(Need.case_id, Need.need).where(Need.case_id.in_(by_id))).all()
        return _count(Counter((_region(by_id[c]), n) for c, n in needs), "need")
    if field == "coverage_gaps":
        gaps = Counter((r["region"] or UNSPECIFIED, r["need"]) for r in unrouted_needs(session))
        return _count(gaps, "need") or "every need of the open cases was routed to a partner"
    requests = list(session.scalars(select(RoutedRequest).where(RoutedRequest.case_id.in_(by_id))))
    names = partner_names(session, actor_ids={r.partner_actor_id for r in requests})
    needs_of = dict(session.execute(select(Need.id, Need.need).where(Need.case_id.in_(by_id))).all())
    if field == "routed":
        routed = Counter((r.partner_actor_id, needs_of.get(r.need_id, "?")) for r in requests)
        return [ObservatoryPoint(scope="FR", dimension=f"partner={a};need={n}", value=k,
                                 value_text=f"{names.get(a, a)}: {k}") for (a, n), k in sorted(routed.items())] \
            or "no request routed yet"
    if field == "days_to_first_answer":
        per_partner: dict[int, list[float]] = {}
        for r in requests:
            if r.first_answer_at is not None:
                days = (aware(r.first_answer_at) - aware(r.created_at)).total_seconds() / 86400
                per_partner.setdefault(r.partner_actor_id, []).append(days)
        return [ObservatoryPoint(scope="FR", dimension=f"partner={a}", value=round(statistics.median(v), 1),
                                 value_text=f"{names.get(a, a)}: {len(v)} answered")
                for a, v in sorted(per_partner.items())] or "no request answered yet"
    if field == "satisfied":
        scores: dict[str, list[int]] = {}
        for r in requests:
            if r.satisfaction is not None:
                scores.setdefault(needs_of.get(r.need_id, "?"), []).append(r.satisfaction)
        return [ObservatoryPoint(scope="FR", dimension=f"need={n}", value=round(100 * sum(x >= 4 for x in v) / len(v), 1),
                                 numerator=sum(x >= 4 for x in v), denominator=len(v),
                                 value_text=f"{sum(x >= 4 for x in v)} / {len(v)} rated 4 or 5")
                for n, v in sorted(scores.items())] or "no closed case rated yet"
    raise ValueError(f"unknown field {field!r}; expected one of {', '.join(FIELDS)}")


def _indicator(code: str, unit: str, scope_kind: str, label_fr: str, label_en: str, def_fr: str, def_en: str,
               field: str) -> ComputedIndicator:
    return ComputedIndicator(code=f"oneshop_{code}", label_fr=label_fr, label_en=label_en, definition_fr=def_fr,
                             definition_en=def_en, unit=unit, scope_kind=scope_kind, query=f"oneshop:{field}")


INDICATORS = (
    _indicator("projects", "count", "region", "Projets d'implantation reçus par le guichet unique, par région et type",
               "Establishment projects received by the one-stop shop, by region and type",
               "Calculé\u202f: dossiers confirmés (adresse vérifiée) du guichet unique, par région du projet et type "
               "(nouveau site, extension, ligne pilote, centre de R&D, relocalisation).",
               "Computed: the one-stop shop's confirmed cases (address verified), by the project's region and type "
               "(new site, extension, pilot line, R&D centre, relocation).", "projects"),
    _indicator("jobs", "jobs", "region", "Emplois annoncés par les projets d'implantation",
               "Jobs announced by the establishment projects",
               "Calculé\u202f: somme des emplois prévus des dossiers confirmés, par région, publiée à partir de trois projets.",
               "Computed: sum of the jobs planned by the confirmed cases, by region, published from three projects on.",
               "jobs"),
    _indicator("needs", "count", "region", "Besoins exprimés par les projets d'implantation, par type",
               "Needs of the establishment projects, by type",
               "Calculé\u202f: besoins des dossiers confirmés (réglementaire, financement, foncier, permis/ICPE, "
               "recrutement, partenaires), par région.",
               "Computed: needs of the confirmed cases (regulatory, funding, real estate, permits/ICPE, recruitment, "
               "partners), by region.", "needs"),
    _indicator("routed", "count", "country", "Demandes orientées par partenaire et besoin",
               "Requests routed by partner and need",
               "Calculé\u202f: demandes du guichet unique orientées vers chaque organisation partenaire, par besoin.",
               "Computed: the one-stop shop's requests routed to each partner organisation, by need.", "routed"),
    _indicator("days_to_first_answer", "days", "country", "Délai médian de première réponse par partenaire",
               "Median time to a first answer per partner",
               "Calculé\u202f: médiane, en jours, entre l'orientation d'une demande et sa première réponse "
               "(répondue, close ou déclinée), par organisation partenaire.",
               "Computed: median days between a request's routing and its first answer (answered, closed or "
               "declined), per partner organisation.", "days_to_first_answer"),
    _indicator("landed", "count", "region", "Projets implantés", "Projects landed",
               "Calculé\u202f: dossiers clos avec l'issue «\u00a0implanté\u00a0», par région.",
               "Computed: cases closed with the outcome \"established\", by region.", "landed"),
    _indicator("coverage_gaps", "count", "region", "Besoins sans partenaire (lacunes de couverture)",
               "Needs without a partner (coverage gaps)",
               "Calculé\u202f: besoins des dossiers ouverts qu'aucune règle d'orientation n'a adressés à un partenaire, "
               "par région et besoin.",
               "Computed: needs of the open cases that no routing rule sent to a partner, by region and need.",
               "coverage_gaps"),
    _indicator("satisfied", "percent", "country", "Entreprises satisfaites de l'aide reçue, par besoin",
               "Companies satisfied with the help received, by need",
               "Calculé\u202f: part des notes de 4 ou 5 sur 5 données par les entreprises après la clôture de leur "
               "dossier, par besoin.",
               "Computed: share of the ratings of 4 or 5 out of 5 given by the companies once their case closed, "
               "by need.", "satisfied"),
)

QUERY = ObservatoryQuery(name="oneshop", fields=FIELDS, run=compute, indicators=INDICATORS)

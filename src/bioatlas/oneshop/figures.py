"""The one-stop shop's figures (coordinators' page, CLI, observatory)."""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.atlas import service as atlas
from bioatlas.oneshop.checks import (
    aware,
)
from bioatlas.oneshop.models import (
    Case,
    Need,
    RoutedRequest,
)


def figures(session: Session) -> dict[str, Any]:
    """The observatory's figures: projects by type and region, jobs and investment announced,
    needs by type, median days to first answer per partner, projects landed."""
    cases = session.scalars(select(Case).where(Case.status != "unverified")).all()
    reqs = session.scalars(select(RoutedRequest).where(RoutedRequest.first_answer_at.is_not(None))).all()
    per_partner: dict[int, list[float]] = {}
    for r in reqs:
        if r.first_answer_at is None:
            continue
        days = (aware(r.first_answer_at) - aware(r.created_at)).total_seconds() / 86400
        per_partner.setdefault(r.partner_actor_id, []).append(days)
    names = {a.id: a.name for a in atlas.find_actors(session, ids=per_partner)}
    return {
        "projects": len(cases),
        "by_type": dict(Counter(c.project_type for c in cases)),
        "by_region": dict(Counter(c.region or "?" for c in cases)),
        "jobs": sum(c.jobs_planned for c in cases),
        "investment": dict(Counter(c.investment_band or "?" for c in cases)),
        "needs": dict(Counter(session.scalars(select(Need.need).join(Case, Case.id == Need.case_id)
                                              .where(Case.status != "unverified")))),
        "median_days_to_answer": {names.get(a, str(a)): round(statistics.median(v), 1) for a, v in per_partner.items()},
        "landed": sum(1 for c in cases if c.outcome == "established"),
        "unrouted": unrouted_needs(session),
        "satisfaction": satisfaction(session),
    }


def satisfaction(session: Session) -> dict[str, dict[str, float]]:
    """The companies' satisfaction per need, once their cases are closed: ratings given, mean (1 to 5)
    and the share of ratings of 4 or 5 (percent)."""
    rows = session.execute(select(Need.need, RoutedRequest.satisfaction).join(Need, Need.id == RoutedRequest.need_id)
                           .where(RoutedRequest.satisfaction.is_not(None))).all()
    by_need: dict[str, list[int]] = {}
    for need, score in rows:
        by_need.setdefault(need, []).append(score)
    return {need: {"ratings": len(v), "mean": round(statistics.mean(v), 2),
                   "satisfied_percent": round(100 * sum(1 for x in v if x >= 4) / len(v), 1)}
            for need, v in sorted(by_need.items())}


def unrouted_needs(session: Session) -> list[dict[str, Any]]:
    """Coverage gaps: needs of confirmed cases that no rule routed to any partner (a rule to add)."""
    stmt = (select(Need.case_id, Need.need, Case.region).join(Case, Case.id == Need.case_id)
            .where(Case.status == "open", ~Need.id.in_(select(RoutedRequest.need_id))).order_by(Need.case_id))
    return [{"case_id": c, "need": n, "region": r} for c, n, r in session.execute(stmt)]

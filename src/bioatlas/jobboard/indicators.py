"""Computed figures of the board: the observatory's indicators (offers, not jobs created), likely
employers of an occupation, and row counts."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bioatlas.atlas import service as atlas
from bioatlas.core.text import fold
from bioatlas.jobboard import likely
from bioatlas.jobboard.fields import FieldError
from bioatlas.jobboard.models import JobOffer
from bioatlas.jobboard.search import OfferQuery, conditions
from bioatlas.occupations import service as occupations

def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)  # SQLite drops the zone


JOBS_TARGET = 10_000  # the 2030 plan's direct jobs: shown beside the offers, never as jobs created


def indicators(session: Session, *, today: date | None = None) -> dict[str, Any]:
    """Open offers by ROME family, region and contract (synthetic demo offers counted apart),
    median days from publication to closing of the offers closed by their employer (not expired),
    beside the 10,000-jobs target, labelled as offers."""
    today = today or date.today()
    cond = conditions(OfferQuery(), today)
    real = [*cond, JobOffer.synthetic.is_(False)]

    def by(column, where) -> dict[str, int]:
        return {str(k): int(n) for k, n in session.execute(
            select(column, func.count()).where(*where).group_by(column).order_by(func.count().desc())) if k}
    closed = session.execute(select(JobOffer.created_at, JobOffer.closed_at).where(
        JobOffer.status == "closed", JobOffer.close_reason == "closed", JobOffer.closed_at.is_not(None),
        JobOffer.synthetic.is_(False))).all()
    days = sorted((_aware(c) - _aware(o)).total_seconds() / 86400 for o, c in closed)
    median = None if not days else (days[len(days) // 2] if len(days) % 2 else (days[len(days) // 2 - 1] + days[len(days) // 2]) / 2)
    return {
        "label": "offers, not jobs created",
        "open_offers": session.scalar(select(func.count(JobOffer.id)).where(*real)) or 0,
        "open_synthetic_offers": session.scalar(select(func.count(JobOffer.id)).where(*cond, JobOffer.synthetic.is_(True))) or 0,
        "by_rome_family": by(func.substr(JobOffer.rome_code, 1, 3), real),
        "by_region": by(JobOffer.region, real),
        "by_contract": by(JobOffer.contract, real),
        "median_days_to_close": None if median is None else round(median, 1),
        "closed_offers_measured": len(days),
        "jobs_target": JOBS_TARGET,
    }


# --- likely employers ------------------------------------------------------------------------


def likely_employers(session: Session, *, rome_code: str, region: str | None = None, limit: int = 30,
                     today: date | None = None) -> list[dict[str, Any]]:
    """The active actors of the sector scope most likely to hire for `rome_code` (see
    `jobboard.likely`), best first, each with its score, the reasons and its open offers; an
    unknown code is a FieldError."""
    code = rome_code.strip().upper()
    if occupations.get_occupation(session, code=code) is None:
        raise FieldError("rome", "unknown ROME code {code}", params={"code": code})
    rules = likely.rules_for(code)
    if not rules:
        return []
    if atlas.default_scope(session) != "sector":
        return []  # the sector scope is not computed yet (`bioatlas scope compute`): no candidates
    actors = atlas.load_actors(session, ids=atlas.in_scope_ids(session))
    scored = []
    for actor in actors.values():
        if actor.status != "active" or (region and not any(s.region == region for s in actor.sites)):
            continue
        steps = {c.code for c in actor.capabilities if c.facet == "value_chain"}
        value, matched = likely.score(rules, naf=actor.naf_code, steps=steps, kind=actor.kind)
        if value > 0:
            scored.append((value, actor, matched))
    scored.sort(key=lambda x: (-x[0], fold(x[1].name)))
    scored = scored[:limit]
    offers: Counter = Counter(session.scalars(select(JobOffer.actor_id).where(
        *conditions(OfferQuery(), today or date.today()), JobOffer.actor_id.in_([a.id for _, a, _ in scored]))))
    return [{"actor_id": a.id, "name": a.name, "score": value, "naf_code": a.naf_code, "kind": a.kind,
             "open_offers": offers.get(a.id, 0),
             "reasons": [{"dimension": r.dimension, "value": r.value, "weight": r.weight, "reason": r.reason}
                         for r in matched]}
            for value, a, matched in scored]



def counts(session: Session, *, today: date | None = None) -> dict[str, int]:
    today = today or date.today()
    open_ = session.scalar(select(func.count(JobOffer.id)).where(JobOffer.status == "open",
                                                                  JobOffer.expires_on >= today)) or 0
    synthetic = session.scalar(select(func.count(JobOffer.id)).where(JobOffer.synthetic.is_(True))) or 0
    return {"open": open_, "synthetic": synthetic,
            "all": session.scalar(select(func.count(JobOffer.id))) or 0}

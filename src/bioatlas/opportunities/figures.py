"""Partner search's observatory figures: published, expressions of interest, accepted contacts,
agreements, median days to an answer, by region and modality."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bioatlas.opportunities.errors import _aware
from bioatlas.opportunities.models import Interest, Opportunity
from bioatlas.opportunities.reads import _regions

# --- observatory figures -------------------------------------------------------------------------------


def figures(session: Session) -> dict[str, Any]:
    """Counts for the observatory: opportunities published (ever), expressions of interest,
    accepted contacts, recorded agreements (by outcome), median days to the first answer."""
    published = session.scalar(select(func.count()).select_from(Opportunity).where(
        Opportunity.published_at.is_not(None))) or 0
    interests = session.scalar(select(func.count()).select_from(Interest)) or 0
    accepted = session.scalar(select(func.count()).select_from(Interest).where(Interest.status == "accepted")) or 0
    outcomes: dict[str, int] = {outcome: n for outcome, n in session.execute(select(
        Opportunity.outcome, func.count()).where(Opportunity.status == "closed").group_by(Opportunity.outcome)) if outcome}
    delays = sorted((_aware(i.answered_at) - _aware(i.created_at)).total_seconds() / 86400 for i in session.scalars(
        select(Interest).where(Interest.answered_at.is_not(None))) if i.created_at and i.answered_at)
    median = None
    if delays:
        mid = len(delays) // 2
        median = delays[mid] if len(delays) % 2 else (delays[mid - 1] + delays[mid]) / 2
    return {"published": published, "interests": interests, "accepted": accepted,
            "agreements": {k: v for k, v in outcomes.items() if k and k != "none"},
            "median_days_to_answer": round(median, 2) if median is not None else None}


def figures_by_region_and_modality(session: Session) -> dict[tuple[str, str], dict[str, int]]:
    """{(region of the opportunity's actor, or "?"; modality, or "none"): {published, interests,
    accepted, agreements}}: opportunities ever published, expressions of interest received,
    accepted ones, closed with an agreement (any outcome but "none")."""
    opps = list(session.scalars(select(Opportunity).where(Opportunity.published_at.is_not(None))))
    regions = _regions(session, [o.actor_id for o in opps])
    counts: dict[int, tuple[int, int]] = {}
    for opp_id, status, n in session.execute(select(Interest.opportunity_id, Interest.status, func.count())
                                             .group_by(Interest.opportunity_id, Interest.status)):
        total, accepted = counts.get(opp_id, (0, 0))
        counts[opp_id] = (total + n, accepted + (n if status == "accepted" else 0))
    out: dict[tuple[str, str], dict[str, int]] = {}
    for o in opps:
        interests, accepted = counts.get(o.id, (0, 0))
        agreed = int(o.status == "closed" and o.outcome not in (None, "none"))
        for region in sorted(regions.get(o.actor_id) or {"?"}):
            for modality in (o.modalities or ["none"]):
                row = out.setdefault((region, modality), {"published": 0, "interests": 0, "accepted": 0, "agreements": 0})
                row["published"] += 1
                row["interests"] += interests
                row["accepted"] += accepted
                row["agreements"] += agreed
    return out

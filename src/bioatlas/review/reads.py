"""Reads for the pages of the rooms that review: exclusions, a reviewer's assignments, the
comments an applicant may read, the pool's load."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bioatlas.review.models import ReviewAssignment, ReviewExclusion, ReviewItem, ReviewPanel
from bioatlas.review.panels import pool

def exclusions(session: Session, *, panel_id: int) -> list[ReviewExclusion]:
    return list(session.scalars(select(ReviewExclusion).join(ReviewItem, ReviewItem.id == ReviewExclusion.item_id)
                                .where(ReviewItem.panel_id == panel_id).order_by(ReviewExclusion.id)))


def assignments_of(session: Session, *, reviewer_id: int) -> list[tuple[ReviewAssignment, ReviewItem, ReviewPanel]]:
    rows = session.execute(select(ReviewAssignment, ReviewItem, ReviewPanel)
                           .join(ReviewItem, ReviewItem.id == ReviewAssignment.item_id)
                           .join(ReviewPanel, ReviewPanel.id == ReviewItem.panel_id)
                           .where(ReviewAssignment.reviewer_id == reviewer_id).order_by(ReviewAssignment.id))
    return [(a, i, p) for a, i, p in rows.tuples()]


def comments_for_applicant(session: Session, *, item_id: int) -> list[str]:
    """What reviewers wrote for the applicant (never the jury's comments, never who wrote them)."""
    return [c for c in session.scalars(select(ReviewAssignment.comment_applicant).where(
        ReviewAssignment.item_id == item_id, ReviewAssignment.submitted_at.is_not(None))
        .order_by(ReviewAssignment.id)) if c]


def load(session: Session, *, panel_id: int) -> dict[int, int]:
    """Assignments per reviewer of the pool (load balancing, shown to managers)."""
    counts = dict(session.execute(select(ReviewAssignment.reviewer_id, func.count()).join(
        ReviewItem, ReviewItem.id == ReviewAssignment.item_id).where(ReviewItem.panel_id == panel_id)
        .group_by(ReviewAssignment.reviewer_id)).tuples().all())
    return {uid: counts.get(uid, 0) for uid in pool(session, panel_id=panel_id)}

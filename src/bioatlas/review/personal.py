"""The review engine's personal data: a reviewer's reviews and declared conflicts exported;
erased with the account."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bioatlas.review.models import DeclaredConflict, ReviewAssignment, ReviewExclusion, ReviewItem, ReviewPoolMember
from bioatlas.review.reads import assignments_of
from bioatlas.review.scoring import scores_of

def export_user(session: Session, *, user_id: int) -> dict:
    reviews = []
    for a, item, panel in assignments_of(session, reviewer_id=user_id):
        reviews.append({"context": f"{panel.context_kind}:{panel.context_id}", "subject_id": item.subject_id,
                        "scores": {r["assignment_id"]: r["scores"]
                                   for r in scores_of(session, item_id=item.id)}.get(a.id, {}),
                        "comment_applicant": a.comment_applicant, "comment_jury": a.comment_jury,
                        "submitted_at": a.submitted_at.isoformat() if a.submitted_at else None})
    declared = [{"actor_id": d.actor_id, "panel_id": d.panel_id, "note": d.note}
                for d in session.scalars(select(DeclaredConflict).where(DeclaredConflict.reviewer_id == user_id))]
    return {"reviews": reviews, "declared_conflicts": declared}


def erase_user(session: Session, *, user_id: int) -> None:
    """Items the user submitted no longer name them nor keep their rebuttal (the room that owns
    the submission decides what else goes). Reviews, exclusions, pool places and declared
    conflicts of the user go (rows reference the
    account and cascade); the items' medians are computed from the reviews that remain."""
    session.execute(update(ReviewItem).where(ReviewItem.owner_user_id == user_id).values(owner_user_id=None,
                                                                                      rebuttal=None))
    session.execute(delete(ReviewPoolMember).where(ReviewPoolMember.user_id == user_id))
    session.execute(delete(DeclaredConflict).where(DeclaredConflict.reviewer_id == user_id))
    session.execute(delete(ReviewExclusion).where(ReviewExclusion.reviewer_id == user_id))
    session.execute(delete(ReviewAssignment).where(ReviewAssignment.reviewer_id == user_id))

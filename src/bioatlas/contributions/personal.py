"""What contributions hold about a user, for the account export and deletion (plug-in hook
`bioatlas_personal_data`): a deleted user's contributions keep their content with no author."""

from __future__ import annotations

import json

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bioatlas.contributions.models import Contribution


def _iso(value):
    return value.isoformat() if value else None


def export(session: Session, *, user_id: int) -> list[dict]:
    rows = session.scalars(select(Contribution).where(Contribution.author_id == user_id).order_by(Contribution.id))
    return [{"id": c.id, "kind": c.kind, "status": c.status, "actor_id": c.actor_id,
             "payload": json.loads(c.payload), "note": c.note, "review_message": c.review_message,
             "created_at": _iso(c.created_at), "reviewed_at": _iso(c.reviewed_at)} for c in rows]


def erase(session: Session, *, user_id: int) -> None:
    session.execute(update(Contribution).where(Contribution.author_id == user_id).values(author_id=None))
    session.execute(update(Contribution).where(Contribution.reviewer_id == user_id).values(reviewer_id=None))

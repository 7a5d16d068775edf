"""What contributions hold about a user, for the account export and deletion (plug-in hook
`bioatlas_personal_data`): a deleted user's contributions keep their content with no author."""

from __future__ import annotations

import json

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bioatlas.atlas.service import find_source
from bioatlas.contributions.models import Contribution
from bioatlas.contributions.service import USER_SOURCE_PREFIX, user_source_key


def _iso(value):
    return value.isoformat() if value else None


def export(session: Session, *, user_id: int) -> list[dict]:
    rows = session.scalars(select(Contribution).where(Contribution.author_id == user_id).order_by(Contribution.id))
    return [{"id": c.id, "kind": c.kind, "status": c.status, "actor_id": c.actor_id,
             "payload": json.loads(c.payload), "note": c.note, "review_message": c.review_message,
             "created_at": _iso(c.created_at), "reviewed_at": _iso(c.reviewed_at)} for c in rows]


def erase(session: Session, *, user_id: int) -> None:
    """The facts the user contributed stay, under a source re-keyed `user:deleted:<n>` (history keeps
    "anonymised contributor", when, what); their contributions keep their content, with no author."""
    source = find_source(session, key=user_source_key(user_id))
    if source is not None:
        source.key = f"{USER_SOURCE_PREFIX}deleted:{source.id}"
        source.title = "Anonymised contributor"
    session.execute(update(Contribution).where(Contribution.author_id == user_id).values(author_id=None))
    session.execute(update(Contribution).where(Contribution.reviewer_id == user_id).values(reviewer_id=None))

"""The personal-data hook of calls: an account's applications exported; erased per the
rule in docs/calls.md."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from bioatlas.calls.reads import applications_of_user

def export_user(session: Session, *, user_id: int) -> list[dict]:
    return [{"id": a.id, "call_id": a.call_id, "status": a.status, "actor_id": a.actor_id,
             "applicant_name": a.applicant_name, "answers": json.loads(a.answers or "{}"),
             "attachments": [{"field": f.field, "filename": f.filename, "size": f.size} for f in a.attachments],
             "result": a.result, "submitted_at": a.submitted_at.isoformat() if a.submitted_at else None}
            for a in applications_of_user(session, user_id=user_id)]


def erase_user(session: Session, *, user_id: int) -> None:
    """Drafts go; submitted or withdrawn applications stay with no owner (the review and the
    results they took part in stay consistent)."""
    for a in applications_of_user(session, user_id=user_id):
        if a.status == "draft":
            session.delete(a)
        else:
            a.owner_id = None

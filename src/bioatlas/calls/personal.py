"""The personal-data hook of calls (`bioatlas_personal_data`).

Export: every application of the account with its answers, files (names, sizes), result.

Erasure (docs/calls.md, "Personal data"), as the project's rule says: every row naming the person
is emptied or deleted, what others rely on stays without them.
- a draft is deleted with its files (nobody else ever saw it);
- a submitted or withdrawn application stays for the call's record under its actor: status,
  result, dates, the review's scores and decision (the jury's and the atlas's record, e.g. a
  laureate's research fact); its owner, answers, files and rebuttal (the person's own words)
  are erased, and an applicant name typed by hand (no atlas actor) is replaced;
- one still under review with no decision is withdrawn (no one can answer for it any more, and
  its answers are gone): its review item is withdrawn, unscored assignments released."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from bioatlas.calls.models import Application
from bioatlas.calls.reads import applications_of_user, item_of
from bioatlas.review import service as review

ERASED_NAME = "Candidat anonymisé (compte supprimé)"


def export_user(session: Session, *, user_id: int) -> list[dict]:
    return [{"id": a.id, "call_id": a.call_id, "status": a.status, "actor_id": a.actor_id,
             "applicant_name": a.applicant_name, "answers": json.loads(a.answers or "{}"),
             "co_applicants": json.loads(a.co_actor_ids or "[]"), "rebuttal": a.rebuttal,
             "attachments": [{"field": f.field, "filename": f.filename, "size": f.size} for f in a.attachments],
             "result": a.result, "submitted_at": a.submitted_at.isoformat() if a.submitted_at else None}
            for a in applications_of_user(session, user_id=user_id)]


def erased(application: Application) -> bool:
    """An application whose applicant deleted their account (kept for the call's record)."""
    return application.owner_id is None and application.status != "draft"


def erase_user(session: Session, *, user_id: int) -> None:
    for a in applications_of_user(session, user_id=user_id):
        if a.status == "draft":
            session.delete(a)
            continue
        item = item_of(session, application=a)
        if a.status == "submitted" and a.result is None and (item is None or item.decision is None):
            a.status = "withdrawn"
            if item is not None:
                review.withdraw_item(session, item_id=item.id)
        if item is not None:
            review.forget_owner(session, item_id=item.id)
        a.owner_id = None
        a.answers = "{}"
        a.rebuttal = None
        a.publish_opt_in = a.publish_opt_in and a.actor_id is not None
        if a.actor_id is None:
            a.applicant_name = ERASED_NAME
        a.attachments.clear()
    session.flush()

"""The jury's side of a call: a reviewer's seat (conflicts checked on every opening), scores,
declared conflicts, decisions with their rationale, the managers' view and the scores as CSV."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts
from bioatlas.atlas import service as atlas
from bioatlas.calls.models import Application, Call
from bioatlas.calls.portfolio import agreements
from bioatlas.calls.reads import CallError, audit, applications_of_call, item_of, panel_of
from bioatlas.core.db import unit_of_work
from bioatlas.review import service as review

def open_review(session: Session, *, application: Application, reviewer_id: int) -> review.ReviewAssignment:
    """The reviewer's seat on the application; a conflict found now is stored (and committed)
    before `review.ConflictOfInterest` is raised, with the reasons."""
    item = item_of(session, application=application)
    if item is None:
        raise review.NotAssigned("application", "this application is not under review")
    try:
        return review.open_item(session, item_id=item.id, reviewer_id=reviewer_id, agreements=agreements(session))
    except review.ConflictOfInterest:
        session.commit()
        raise


def score(session: Session, *, application: Application, reviewer_id: int, scores: Mapping[str, object],
          comment_applicant: str | None, comment_jury: str | None) -> None:
    with unit_of_work(session):
        assignment = review.open_item(session, item_id=item_of(session, application=application).id,  # type: ignore[union-attr]
                                      reviewer_id=reviewer_id, agreements=agreements(session))
        review.record_scores(session, assignment_id=assignment.id, reviewer_id=reviewer_id, scores=scores,
                             comment_applicant=comment_applicant, comment_jury=comment_jury)
        audit(session, "application.reviewed", user_id=reviewer_id, target=f"application:{application.id}")


def declare_conflict(session: Session, *, call: Call, reviewer_id: int, actor_id: int, note: str | None) -> None:
    if not atlas.actor_exists(session, actor_id=actor_id):
        raise CallError("actor", "no actor number {number}", params={"number": actor_id})
    with unit_of_work(session):
        review.declare_conflict(session, reviewer_id=reviewer_id, actor_id=actor_id,
                                panel_id=panel_of(session, call=call).id, note=note)
        audit(session, "review.conflict_declared", user_id=reviewer_id, target=f"call:{call.id}", actor_id=actor_id)


def decide(session: Session, *, application: Application, decision: str, rationale: str, by_user_id: int | None) -> None:
    item = item_of(session, application=application)
    if item is None or application.status != "submitted":
        raise CallError("status", "only a submitted application is decided", 409)
    try:
        with unit_of_work(session):
            review.decide(session, item_id=item.id, decision=decision, rationale=rationale, by_user_id=by_user_id)
            audit(session, "application.decided", user_id=by_user_id, target=f"application:{application.id}",
                   decision=decision)
    except review.ReviewError as exc:
        raise CallError.of(exc) from None


def jury_view(session: Session, *, call: Call) -> dict:
    """What managers see: per application the medians, total, thresholds, reviews, exclusions
    with their reasons, the pool's load."""
    panel = panel_of(session, call=call)
    apps = {a.id: a for a in applications_of_call(session, call_id=call.id)}
    items = {r.subject_id: r for r in review.results(session, panel_id=panel.id)}
    exclusions = review.exclusions(session, panel_id=panel.id)
    reviewer_ids = set(review.pool(session, panel_id=panel.id)) | {e.reviewer_id for e in exclusions}
    names = accounts.display_names(session, user_ids=reviewer_ids)
    by_item: dict[int, list] = {}
    for e in exclusions:
        by_item.setdefault(e.item_id, []).append(e)
    rows: list[dict[str, Any]] = []
    for app_id, app in apps.items():
        r = items.get(app_id)
        rows.append({"application": app, "result": r, "total": r.total if r else None,
                     "reviews": review.scores_of(session, item_id=r.item_id) if r else [],
                     "exclusions": by_item.get(r.item_id, []) if r else []})
    rows.sort(key=lambda row: (row["total"] is None, -(row["total"] or 0), row["application"].id))
    return {"panel": panel, "rows": rows, "names": names, "load": review.load(session, panel_id=panel.id),
            "exclusions": exclusions}


def scores_csv(session: Session, *, call: Call) -> str:
    panel = panel_of(session, call=call)
    apps = applications_of_call(session, call_id=call.id)
    names = accounts.display_names(session, user_ids=review.pool(session, panel_id=panel.id))
    return review.scores_csv(session, panel_id=panel.id, labels={a.id: a.applicant_name for a in apps},
                             reviewer_names=names)

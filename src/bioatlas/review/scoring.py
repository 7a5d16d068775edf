"""Scores validated against each criterion's scale, the reviews of an item, the per-criterion
medians with weighted totals and thresholds, decisions with their rationale, scores as CSV."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from statistics import median

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bioatlas.review.errors import NotAssigned, ReviewError
from bioatlas.review.models import DECISIONS, ReviewAssignment, ReviewCriterion, ReviewItem, ReviewPanel, ReviewScore

def _now() -> datetime:
    return datetime.now(timezone.utc)


def record_scores(session: Session, *, assignment_id: int, reviewer_id: int, scores: Mapping[str, object],
                  comment_applicant: str | None = None, comment_jury: str | None = None,
                  max_comment: int = 5000) -> ReviewAssignment:
    """Every criterion scored within its scale (ReviewError naming `score_<code>` otherwise);
    nothing is stored unless everything is valid."""
    assignment = session.get(ReviewAssignment, assignment_id)
    if assignment is None or assignment.reviewer_id != reviewer_id:
        raise NotAssigned("reviewer", "you are not assigned to this application")
    item = session.get(ReviewItem, assignment.item_id)
    assert item is not None
    panel = session.get(ReviewPanel, item.panel_id)
    assert panel is not None
    if panel.phase != "open":
        raise ReviewError("phase", "the review is closed, scores can no longer change")
    if item.decision is not None:
        raise ReviewError("decision", "a decision was taken, scores can no longer change")
    values: dict[int, float] = {}
    for c in panel.criteria:
        raw = scores.get(c.code)
        name = f"score_{c.code}"
        if raw is None or str(raw).strip() == "":
            raise ReviewError(name, "a score is required")
        try:
            value = float(str(raw).replace(",", "."))
        except ValueError:
            raise ReviewError(name, "{raw!r} is not a number", params={"raw": raw}) from None
        if not math.isfinite(value) or not c.scale_min <= value <= c.scale_max:
            raise ReviewError(name, "{raw} is outside the scale {lo}–{hi}",
                              params={"raw": raw, "lo": c.scale_min, "hi": c.scale_max})
        values[c.id] = value
    unknown = set(scores) - {c.code for c in panel.criteria}
    if unknown:
        raise ReviewError(f"score_{sorted(unknown)[0]}", "no such criterion")
    for name, text in (("comment_applicant", comment_applicant), ("comment_jury", comment_jury)):
        if text is not None and len(text) > max_comment:
            raise ReviewError(name, "at most {max} characters", params={"max": max_comment})
    session.execute(delete(ReviewScore).where(ReviewScore.assignment_id == assignment.id))
    for criterion_id, value in values.items():
        session.add(ReviewScore(assignment_id=assignment.id, criterion_id=criterion_id, value=value))
    assignment.comment_applicant = comment_applicant or None
    assignment.comment_jury = comment_jury or None
    assignment.submitted_at = _now()
    session.flush()
    return assignment


def scores_of(session: Session, *, item_id: int) -> list[dict]:
    """Every assignment of the item with its scores by criterion code (for the jury and, when
    the panel shows others' scores, for reviewers who gave theirs)."""
    rows = []
    for a in session.scalars(select(ReviewAssignment).where(ReviewAssignment.item_id == item_id)
                             .order_by(ReviewAssignment.id)):
        values = dict(session.execute(select(ReviewCriterion.code, ReviewScore.value).join(
            ReviewScore, ReviewScore.criterion_id == ReviewCriterion.id).where(
            ReviewScore.assignment_id == a.id)).tuples().all())
        rows.append({"assignment_id": a.id, "reviewer_id": a.reviewer_id, "submitted": a.submitted_at is not None,
                     "scores": values, "comment_applicant": a.comment_applicant, "comment_jury": a.comment_jury})
    return rows


@dataclass(frozen=True)
class ItemResult:
    item_id: int
    subject_id: int
    medians: dict[str, float | None]
    total: float | None  # weighted sum of the medians (None until every criterion has a score)
    max_total: float
    passes_criteria: bool
    passes_overall: bool
    reviews_done: int
    reviews_assigned: int
    decision: str | None
    rationale: str | None
    resubmission: bool


def results(session: Session, *, panel_id: int) -> list[ItemResult]:
    """Per item: the median of each criterion over submitted reviews, the weighted total, whether
    each criterion's threshold and the overall threshold are met; best total first."""
    panel = session.get(ReviewPanel, panel_id)
    if panel is None:
        return []
    out = []
    max_total = sum(c.weight * c.scale_max for c in panel.criteria)
    for item in session.scalars(select(ReviewItem).where(ReviewItem.panel_id == panel_id,
                                                         ReviewItem.withdrawn.is_(False)).order_by(ReviewItem.id)):
        reviews = scores_of(session, item_id=item.id)
        done = [r for r in reviews if r["submitted"]]
        medians: dict[str, float | None] = {}
        for c in panel.criteria:
            values = [r["scores"][c.code] for r in done if c.code in r["scores"]]
            medians[c.code] = float(median(values)) if values else None
        complete = all(v is not None for v in medians.values())
        total = round(sum(c.weight * (medians[c.code] or 0.0) for c in panel.criteria), 3) if complete else None
        passes_criteria = complete and all(
            c.threshold is None or (medians[c.code] or 0) >= c.threshold for c in panel.criteria)
        passes_overall = total is not None and (panel.overall_threshold is None or total >= panel.overall_threshold)
        out.append(ItemResult(item.id, item.subject_id, medians, total, max_total, passes_criteria,
                              passes_overall, len(done), len(reviews), item.decision, item.rationale,
                              item.previous_item_id is not None))
    out.sort(key=lambda r: (r.total is None, -(r.total or 0), r.item_id))
    return out


def decide(session: Session, *, item_id: int, decision: str, rationale: str, by_user_id: int | None) -> ReviewItem:
    if decision not in DECISIONS:
        raise ReviewError("decision", "expected one of {choices}", params={"choices": ", ".join(DECISIONS)})
    rationale = (rationale or "").strip()
    if not rationale:
        raise ReviewError("rationale", "a decision states its rationale")
    if len(rationale) > 5000:
        raise ReviewError("rationale", "at most 5000 characters")
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise ReviewError("item", "no such item")
    if item.withdrawn:
        raise ReviewError("decision", "the application was withdrawn")
    item.decision, item.rationale, item.decided_by, item.decided_at = decision, rationale, by_user_id, _now()
    session.flush()
    return item


def scores_csv(session: Session, *, panel_id: int, labels: Mapping[int, str] | None = None,
               reviewer_names: Mapping[int, str] | None = None) -> str:
    """One row per submitted review and criterion, then one row per item with medians and total.
    `labels`: subject id → what to show for the item; `reviewer_names`: reviewer id → name."""
    panel = session.get(ReviewPanel, panel_id)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["subject_id", "subject", "reviewer", "criterion", "weight", "scale_min", "scale_max", "score",
                "median", "weighted_total", "passes_thresholds", "decision"])
    if panel is None:
        return buf.getvalue()
    labels, names = labels or {}, reviewer_names or {}
    criteria = {c.code: c for c in panel.criteria}
    for r in results(session, panel_id=panel_id):
        label = labels.get(r.subject_id, "")
        for review in scores_of(session, item_id=r.item_id):
            if not review["submitted"]:
                continue
            for code, value in review["scores"].items():
                c = criteria[code]
                w.writerow([r.subject_id, label, names.get(review["reviewer_id"], review["reviewer_id"]), code,
                            c.weight, c.scale_min, c.scale_max, value, "", "", "", ""])
        for code, m in r.medians.items():
            c = criteria[code]
            w.writerow([r.subject_id, label, "median", code, c.weight, c.scale_min, c.scale_max, "",
                        "" if m is None else m, "", "", ""])
        w.writerow([r.subject_id, label, "total", "", "", "", r.max_total, "", "",
                    "" if r.total is None else r.total, "yes" if r.passes_criteria and r.passes_overall else "no",
                    r.decision or ""])
    return buf.getvalue()

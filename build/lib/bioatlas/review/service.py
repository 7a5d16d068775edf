"""The review engine's public interface (keyword-only), for any room that reviews submissions
(calls, an event's pitch selection). Writes happen in the caller's transaction: the caller's
service wraps its call in `core.db.unit_of_work` and commits.

- a panel per context (`create_panel`): weighted criteria with scales and thresholds, phases
  (blind or not, others' scores visible after one's own or not, open or closed);
- reviewers: a pool (`add_reviewers`), assignments drawn least-loaded first (`assign`), every
  conflict of interest (see `conflicts`) kept as an exclusion with its reason;
- `open_item`: what a reviewer may see of an item, refused with the reason on a conflict;
- scores validated against each scale (`record_scores`), medians, weighted totals and thresholds
  (`results`), decisions with rationale (`decide`), resubmissions with a rebuttal judged by
  different reviewers (`register_item(previous_subject_id=…)`), scores as CSV (`scores_csv`)."""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from statistics import median

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bioatlas.review.conflicts import Agreement, Conflict, conflicts_of
from bioatlas.review.models import (
    DECISIONS,
    PHASES,
    REASONS,
    DeclaredConflict,
    ReviewAssignment,
    ReviewCriterion,
    ReviewExclusion,
    ReviewItem,
    ReviewPanel,
    ReviewPoolMember,
    ReviewScore,
)

__all__ = [  # noqa: RUF022  (grouped by purpose)
    "ReviewError", "ConflictOfInterest", "NotAssigned", "Conflict", "Agreement", "REASONS", "DECISIONS", "PHASES",
    "AssignReport", "ItemResult", "ReviewPanel", "ReviewCriterion", "ReviewItem", "ReviewAssignment", "ReviewExclusion",
    "create_panel", "get_panel", "panel_for", "set_phase", "add_reviewers", "pool", "register_item", "item_for",
    "withdraw_item", "check_reviewer", "assign", "open_item", "record_scores", "scores_of", "results", "decide",
    "scores_csv", "declare_conflict", "exclusions", "assignments_of", "comments_for_applicant", "load",
    "export_user", "erase_user",
]


class ReviewError(ValueError):
    """Refused input or state; `field` names what is wrong."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class ConflictOfInterest(ReviewError):
    def __init__(self, conflicts: Sequence[Conflict]):
        super().__init__("conflict of interest: " + "; ".join(f"{c.reason} ({c.detail})" for c in conflicts))
        self.conflicts = list(conflicts)


class NotAssigned(ReviewError):
    pass


def _now() -> datetime:
    return datetime.now(timezone.utc)


# --- panels ------------------------------------------------------------------------------------


def create_panel(session: Session, *, context_kind: str, context_id: int, criteria: Sequence[Mapping],
                 blind: bool = True, show_others: bool = False, reviewers_per_item: int = 3,
                 overall_threshold: float | None = None) -> ReviewPanel:
    """A panel with its criteria ({code, label_fr, label_en, weight, scale_min, scale_max,
    threshold}); ReviewError naming the criterion field on a bad one."""
    if not criteria:
        raise ReviewError("at least one criterion is needed", "criteria")
    if not 1 <= reviewers_per_item <= 20:
        raise ReviewError("reviewers per item: between 1 and 20", "reviewers_per_item")
    panel = ReviewPanel(context_kind=context_kind, context_id=context_id, blind=blind, show_others=show_others,
                        reviewers_per_item=reviewers_per_item, overall_threshold=overall_threshold, phase="open")
    codes = set()
    for position, c in enumerate(criteria):
        code = str(c.get("code") or "").strip()
        if not code or code in codes:
            raise ReviewError(f"criteria[{position}].code: missing or repeated", f"criteria[{position}].code")
        codes.add(code)
        lo, hi = int(c.get("scale_min", 0)), int(c.get("scale_max", 5))
        weight = float(c.get("weight", 1.0))
        if lo >= hi:
            raise ReviewError(f"criteria[{position}].scale: the minimum must be below the maximum",
                              f"criteria[{position}].scale_max")
        if not (weight > 0 and math.isfinite(weight)):
            raise ReviewError(f"criteria[{position}].weight: must be positive", f"criteria[{position}].weight")
        threshold = c.get("threshold")
        if threshold is not None and not lo <= float(threshold) <= hi:
            raise ReviewError(f"criteria[{position}].threshold: outside the scale {lo}–{hi}",
                              f"criteria[{position}].threshold")
        panel.criteria.append(ReviewCriterion(
            code=code, label_fr=str(c.get("label_fr") or code), label_en=str(c.get("label_en") or code),
            weight=weight, scale_min=lo, scale_max=hi, threshold=None if threshold is None else float(threshold),
            position=position))
    session.add(panel)
    session.flush()
    return panel


def get_panel(session: Session, *, panel_id: int) -> ReviewPanel | None:
    return session.get(ReviewPanel, panel_id)


def panel_for(session: Session, *, context_kind: str, context_id: int) -> ReviewPanel | None:
    return session.scalar(select(ReviewPanel).where(ReviewPanel.context_kind == context_kind,
                                                    ReviewPanel.context_id == context_id))


def set_phase(session: Session, *, panel_id: int, phase: str) -> None:
    if phase not in PHASES:
        raise ReviewError(f"phase: expected one of {', '.join(PHASES)}", "phase")
    panel = session.get(ReviewPanel, panel_id)
    if panel is None:
        raise ReviewError("no such panel", "panel_id")
    panel.phase = phase


# --- reviewers -----------------------------------------------------------------------------------


def pool(session: Session, *, panel_id: int) -> list[int]:
    return list(session.scalars(select(ReviewPoolMember.user_id).where(ReviewPoolMember.panel_id == panel_id)
                                .order_by(ReviewPoolMember.user_id)))


def check_reviewer(session: Session, *, panel_id: int, user_id: int) -> None:
    """An applicant of the panel's context cannot review it (ReviewError naming `reviewer`)."""
    applied = session.scalar(select(func.count()).select_from(ReviewItem).where(
        ReviewItem.panel_id == panel_id, ReviewItem.owner_user_id == user_id))
    if applied:
        raise ReviewError("reviewer: this person applied to this call and cannot review it", "reviewer")


def add_reviewers(session: Session, *, panel_id: int, user_ids: Iterable[int]) -> list[int]:
    """Add users to the pool (idempotent); returns those added."""
    current = set(pool(session, panel_id=panel_id))
    added = []
    for uid in user_ids:
        check_reviewer(session, panel_id=panel_id, user_id=uid)
        if uid not in current:
            session.add(ReviewPoolMember(panel_id=panel_id, user_id=uid))
            current.add(uid)
            added.append(uid)
    session.flush()
    return added


def declare_conflict(session: Session, *, reviewer_id: int, actor_id: int, panel_id: int | None = None,
                     note: str | None = None) -> DeclaredConflict:
    if note is not None and len(note) > 500:
        raise ReviewError("note: at most 500 characters", "note")
    row = DeclaredConflict(reviewer_id=reviewer_id, actor_id=actor_id, panel_id=panel_id, note=note or None)
    session.add(row)
    session.flush()
    return row


# --- items ---------------------------------------------------------------------------------------


def item_for(session: Session, *, panel_id: int, subject_kind: str, subject_id: int) -> ReviewItem | None:
    return session.scalar(select(ReviewItem).where(ReviewItem.panel_id == panel_id,
                                                   ReviewItem.subject_kind == subject_kind,
                                                   ReviewItem.subject_id == subject_id))


def register_item(session: Session, *, panel_id: int, subject_kind: str, subject_id: int, owner_user_id: int | None,
                  actor_ids: Sequence[int], co_actor_ids: Sequence[int] = (), previous_item_id: int | None = None,
                  rebuttal: str | None = None) -> ReviewItem:
    """The item of a submission (found again if it exists). A resubmission names the item of the
    earlier round (any panel): its reviewers will not review this round."""
    item = item_for(session, panel_id=panel_id, subject_kind=subject_kind, subject_id=subject_id)
    previous = None
    if previous_item_id is not None:
        previous = session.get(ReviewItem, previous_item_id)
        if previous is None:
            raise ReviewError("previous: the earlier application was never reviewed", "previous")
    if item is None:
        item = ReviewItem(panel_id=panel_id, subject_kind=subject_kind, subject_id=subject_id)
        session.add(item)
    item.owner_user_id = owner_user_id
    item.actor_ids = json.dumps(sorted({int(a) for a in actor_ids}))
    item.co_actor_ids = json.dumps(sorted({int(a) for a in co_actor_ids}))
    item.previous_item_id = previous.id if previous is not None else None
    item.rebuttal = rebuttal
    item.withdrawn = False
    session.flush()
    return item


def withdraw_item(session: Session, *, item_id: int) -> None:
    item = session.get(ReviewItem, item_id)
    if item is not None:
        item.withdrawn = True
        session.execute(delete(ReviewAssignment).where(ReviewAssignment.item_id == item_id,
                                                       ReviewAssignment.submitted_at.is_(None)))


def _record_exclusions(session: Session, item: ReviewItem, reviewer_id: int, found: Sequence[Conflict]) -> None:
    known = {(e.reason) for e in session.scalars(select(ReviewExclusion).where(
        ReviewExclusion.item_id == item.id, ReviewExclusion.reviewer_id == reviewer_id))}
    for c in found:
        if c.reason not in known:
            known.add(c.reason)
            session.add(ReviewExclusion(item_id=item.id, reviewer_id=reviewer_id, reason=c.reason,
                                        actor_id=c.actor_id, detail=c.detail[:500]))


@dataclass
class AssignReport:
    assigned: list[tuple[int, int]] = field(default_factory=list)  # (item id, reviewer id)
    excluded: list[tuple[int, int, str]] = field(default_factory=list)  # (item id, reviewer id, reason)
    short: list[int] = field(default_factory=list)  # items left with fewer reviewers than wanted


def assign(session: Session, *, panel_id: int, agreements: Iterable[Agreement] = ()) -> AssignReport:
    """Give every item of the panel its reviewers, least-loaded reviewer first (ties by id),
    skipping (and storing with the reason) every reviewer in conflict with the item."""
    panel = session.get(ReviewPanel, panel_id)
    if panel is None:
        raise ReviewError("no such panel", "panel_id")
    agreements = list(agreements)
    reviewers = pool(session, panel_id=panel_id)
    items = list(session.scalars(select(ReviewItem).where(ReviewItem.panel_id == panel_id,
                                                          ReviewItem.withdrawn.is_(False)).order_by(ReviewItem.id)))
    load_rows = session.execute(select(ReviewAssignment.reviewer_id, func.count()).join(
        ReviewItem, ReviewItem.id == ReviewAssignment.item_id).where(ReviewItem.panel_id == panel_id)
        .group_by(ReviewAssignment.reviewer_id)).tuples()
    load: Counter[int] = Counter({uid: n for uid, n in load_rows})
    report = AssignReport()
    for item in items:
        have = set(session.scalars(select(ReviewAssignment.reviewer_id).where(ReviewAssignment.item_id == item.id)))
        for reviewer in sorted(reviewers, key=lambda r: (load[r], r)):
            if len(have) >= panel.reviewers_per_item:
                break
            if reviewer in have:
                continue
            found = conflicts_of(session, item=item, reviewer_id=reviewer, agreements=agreements)
            if found:
                _record_exclusions(session, item, reviewer, found)
                report.excluded.extend((item.id, reviewer, c.reason) for c in found)
                continue
            session.add(ReviewAssignment(item_id=item.id, reviewer_id=reviewer))
            have.add(reviewer)
            load[reviewer] += 1
            report.assigned.append((item.id, reviewer))
        if len(have) < panel.reviewers_per_item:
            report.short.append(item.id)
    session.flush()
    return report


def open_item(session: Session, *, item_id: int, reviewer_id: int,
              agreements: Iterable[Agreement] = ()) -> ReviewAssignment:
    """The reviewer's assignment on the item. Checked again on every opening (a conflict declared
    or a relation recorded after the assignment counts): ConflictOfInterest (the exclusion is
    stored, the assignment removed if no score was given), NotAssigned otherwise."""
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise NotAssigned("no such item", "item")
    assignment = session.scalar(select(ReviewAssignment).where(ReviewAssignment.item_id == item_id,
                                                               ReviewAssignment.reviewer_id == reviewer_id))
    if assignment is None and reviewer_id not in pool(session, panel_id=item.panel_id):
        raise NotAssigned("you are not a reviewer of this application", "reviewer")
    found = conflicts_of(session, item=item, reviewer_id=reviewer_id, agreements=agreements)
    if found:
        _record_exclusions(session, item, reviewer_id, found)
        session.execute(delete(ReviewAssignment).where(ReviewAssignment.item_id == item_id,
                                                       ReviewAssignment.reviewer_id == reviewer_id,
                                                       ReviewAssignment.submitted_at.is_(None)))
        session.flush()
        raise ConflictOfInterest(found)
    if assignment is None:
        raise NotAssigned("you are not assigned to this application", "reviewer")
    return assignment


# --- scores --------------------------------------------------------------------------------------


def record_scores(session: Session, *, assignment_id: int, reviewer_id: int, scores: Mapping[str, object],
                  comment_applicant: str | None = None, comment_jury: str | None = None,
                  max_comment: int = 5000) -> ReviewAssignment:
    """Every criterion scored within its scale (ReviewError naming `score_<code>` otherwise);
    nothing is stored unless everything is valid."""
    assignment = session.get(ReviewAssignment, assignment_id)
    if assignment is None or assignment.reviewer_id != reviewer_id:
        raise NotAssigned("you are not assigned to this application", "reviewer")
    item = session.get(ReviewItem, assignment.item_id)
    assert item is not None
    panel = session.get(ReviewPanel, item.panel_id)
    assert panel is not None
    if panel.phase != "open":
        raise ReviewError("phase: the review is closed, scores can no longer change", "phase")
    if item.decision is not None:
        raise ReviewError("decision: a decision was taken, scores can no longer change", "decision")
    values: dict[int, float] = {}
    for c in panel.criteria:
        raw = scores.get(c.code)
        name = f"score_{c.code}"
        if raw is None or str(raw).strip() == "":
            raise ReviewError(f"{name}: a score is required", name)
        try:
            value = float(str(raw).replace(",", "."))
        except ValueError:
            raise ReviewError(f"{name}: {raw!r} is not a number", name) from None
        if not math.isfinite(value) or not c.scale_min <= value <= c.scale_max:
            raise ReviewError(f"{name}: {raw} is outside the scale {c.scale_min}–{c.scale_max}", name)
        values[c.id] = value
    unknown = set(scores) - {c.code for c in panel.criteria}
    if unknown:
        raise ReviewError(f"score_{sorted(unknown)[0]}: no such criterion", f"score_{sorted(unknown)[0]}")
    for name, text in (("comment_applicant", comment_applicant), ("comment_jury", comment_jury)):
        if text is not None and len(text) > max_comment:
            raise ReviewError(f"{name}: at most {max_comment} characters", name)
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
        raise ReviewError(f"decision: expected one of {', '.join(DECISIONS)}", "decision")
    rationale = (rationale or "").strip()
    if not rationale:
        raise ReviewError("rationale: a decision states its rationale", "rationale")
    if len(rationale) > 5000:
        raise ReviewError("rationale: at most 5000 characters", "rationale")
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise ReviewError("no such item", "item")
    if item.withdrawn:
        raise ReviewError("decision: the application was withdrawn", "decision")
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


# --- reads for pages -----------------------------------------------------------------------------


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


# --- personal data -------------------------------------------------------------------------------


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
    """Reviews, exclusions, pool places and declared conflicts of the user go (rows reference the
    account and cascade); the items' medians are computed from the reviews that remain."""
    session.execute(delete(ReviewPoolMember).where(ReviewPoolMember.user_id == user_id))
    session.execute(delete(DeclaredConflict).where(DeclaredConflict.reviewer_id == user_id))
    session.execute(delete(ReviewExclusion).where(ReviewExclusion.reviewer_id == user_id))
    session.execute(delete(ReviewAssignment).where(ReviewAssignment.reviewer_id == user_id))

"""Panels (criteria with weights, scales and thresholds; phases) and their reviewers: the pool,
who may not join it, declared conflicts."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bioatlas.review.errors import ReviewError
from bioatlas.review.models import PHASES, DeclaredConflict, ReviewCriterion, ReviewItem, ReviewPanel, ReviewPoolMember

def _criteria(criteria: Sequence[Mapping]) -> list[ReviewCriterion]:
    """The criteria rows, checked (ReviewError naming `criteria[i].<key>`)."""
    if not criteria:
        raise ReviewError("criteria", "at least one criterion is needed")
    rows, codes = [], set()
    for position, c in enumerate(criteria):
        code = str(c.get("code") or "").strip()
        if not code or code in codes:
            raise ReviewError(f"criteria[{position}].code", "missing or repeated")
        codes.add(code)
        lo, hi = int(c.get("scale_min", 0)), int(c.get("scale_max", 5))
        weight = float(c.get("weight", 1.0))
        if lo >= hi:
            raise ReviewError(f"criteria[{position}].scale_max", "the minimum must be below the maximum")
        if not (weight > 0 and math.isfinite(weight)):
            raise ReviewError(f"criteria[{position}].weight", "must be positive")
        threshold = c.get("threshold")
        if threshold is not None and not lo <= float(threshold) <= hi:
            raise ReviewError(f"criteria[{position}].threshold", "outside the scale {lo}–{hi}",
                              params={"lo": lo, "hi": hi})
        rows.append(ReviewCriterion(
            code=code, label_fr=str(c.get("label_fr") or code), label_en=str(c.get("label_en") or code),
            weight=weight, scale_min=lo, scale_max=hi, threshold=None if threshold is None else float(threshold),
            position=position))
    return rows


def _check_options(reviewers_per_item: int, overall_threshold: float | None) -> None:
    if not 1 <= reviewers_per_item <= 20:
        raise ReviewError("reviewers_per_item", "between 1 and 20")
    if overall_threshold is not None and not (math.isfinite(overall_threshold) and overall_threshold >= 0):
        raise ReviewError("overall_threshold", "a positive number")


def create_panel(session: Session, *, context_kind: str, context_id: int, criteria: Sequence[Mapping],
                 blind: bool = True, show_others: bool = False, reviewers_per_item: int = 3,
                 overall_threshold: float | None = None) -> ReviewPanel:
    """A panel with its criteria ({code, label_fr, label_en, weight, scale_min, scale_max,
    threshold}); ReviewError naming the criterion field on a bad one."""
    rows = _criteria(criteria)
    _check_options(reviewers_per_item, overall_threshold)
    panel = ReviewPanel(context_kind=context_kind, context_id=context_id, blind=blind, show_others=show_others,
                        reviewers_per_item=reviewers_per_item, overall_threshold=overall_threshold, phase="open")
    panel.criteria.extend(rows)
    session.add(panel)
    session.flush()
    return panel


def update_panel(session: Session, *, panel_id: int, criteria: Sequence[Mapping], blind: bool, show_others: bool,
                 reviewers_per_item: int, overall_threshold: float | None = None) -> ReviewPanel:
    """Replace a panel's criteria and settings while nothing was submitted to it (ReviewError
    naming `criteria` once an item is registered: scores would no longer match)."""
    panel = session.get(ReviewPanel, panel_id)
    if panel is None:
        raise ReviewError("panel_id", "no such panel")
    if session.scalar(select(func.count()).select_from(ReviewItem).where(ReviewItem.panel_id == panel_id)):
        raise ReviewError("criteria", "submissions are under review, the criteria can no longer change")
    rows = _criteria(criteria)
    _check_options(reviewers_per_item, overall_threshold)
    panel.criteria.clear()
    session.flush()
    panel.criteria.extend(rows)
    panel.blind, panel.show_others = blind, show_others
    panel.reviewers_per_item, panel.overall_threshold = reviewers_per_item, overall_threshold
    session.flush()
    return panel


def get_panel(session: Session, *, panel_id: int) -> ReviewPanel | None:
    return session.get(ReviewPanel, panel_id)


def panel_for(session: Session, *, context_kind: str, context_id: int) -> ReviewPanel | None:
    return session.scalar(select(ReviewPanel).where(ReviewPanel.context_kind == context_kind,
                                                    ReviewPanel.context_id == context_id))


def set_phase(session: Session, *, panel_id: int, phase: str) -> None:
    if phase not in PHASES:
        raise ReviewError("phase", "expected one of {choices}", params={"choices": ", ".join(PHASES)})
    panel = session.get(ReviewPanel, panel_id)
    if panel is None:
        raise ReviewError("panel_id", "no such panel")
    panel.phase = phase


def pool(session: Session, *, panel_id: int) -> list[int]:
    return list(session.scalars(select(ReviewPoolMember.user_id).where(ReviewPoolMember.panel_id == panel_id)
                                .order_by(ReviewPoolMember.user_id)))


def check_reviewer(session: Session, *, panel_id: int, user_id: int) -> None:
    """An applicant of the panel's context cannot review it (ReviewError naming `reviewer`)."""
    applied = session.scalar(select(func.count()).select_from(ReviewItem).where(
        ReviewItem.panel_id == panel_id, ReviewItem.owner_user_id == user_id))
    if applied:
        raise ReviewError("reviewer", "this person applied to this call and cannot review it")


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
        raise ReviewError("note", "at most 500 characters")
    row = DeclaredConflict(reviewer_id=reviewer_id, actor_id=actor_id, panel_id=panel_id, note=note or None)
    session.add(row)
    session.flush()
    return row

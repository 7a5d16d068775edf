"""Items under review and their reviewers: registration (a resubmission names its earlier
round), withdrawal, assignment least-loaded first with every conflict stored as an exclusion,
and the reviewer's opening of an item (conflicts checked again)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bioatlas.review.conflicts import Agreement, Conflict, conflicts_of
from bioatlas.review.describe import params_json
from bioatlas.review.errors import ConflictOfInterest, NotAssigned, ReviewError
from bioatlas.review.models import ReviewAssignment, ReviewExclusion, ReviewItem, ReviewPanel
from bioatlas.review.panels import pool

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
            raise ReviewError("previous", "the earlier application was never reviewed")
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


def forget_owner(session: Session, *, item_id: int) -> None:
    """The submitter deleted their account: the item keeps its actors, scores and decision (the
    jury's record) but no longer names them nor keeps their rebuttal (their own words)."""
    item = session.get(ReviewItem, item_id)
    if item is not None:
        item.owner_user_id = None
        item.rebuttal = None


def _record_exclusions(session: Session, item: ReviewItem, reviewer_id: int, found: Sequence[Conflict]) -> None:
    known = {(e.reason) for e in session.scalars(select(ReviewExclusion).where(
        ReviewExclusion.item_id == item.id, ReviewExclusion.reviewer_id == reviewer_id))}
    for c in found:
        if c.reason not in known:
            known.add(c.reason)
            session.add(ReviewExclusion(item_id=item.id, reviewer_id=reviewer_id, reason=c.reason,
                                        actor_id=c.actor_id, detail=params_json(c.params)))


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
        raise ReviewError("panel_id", "no such panel")
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
        raise NotAssigned("item", "no such item")
    assignment = session.scalar(select(ReviewAssignment).where(ReviewAssignment.item_id == item_id,
                                                               ReviewAssignment.reviewer_id == reviewer_id))
    if assignment is None and reviewer_id not in pool(session, panel_id=item.panel_id):
        raise NotAssigned("reviewer", "you are not a reviewer of this application")
    found = conflicts_of(session, item=item, reviewer_id=reviewer_id, agreements=agreements)
    if found:
        _record_exclusions(session, item, reviewer_id, found)
        session.execute(delete(ReviewAssignment).where(ReviewAssignment.item_id == item_id,
                                                       ReviewAssignment.reviewer_id == reviewer_id,
                                                       ReviewAssignment.submitted_at.is_(None)))
        session.flush()
        raise ConflictOfInterest(found)
    if assignment is None:
        raise NotAssigned("reviewer", "you are not assigned to this application")
    return assignment

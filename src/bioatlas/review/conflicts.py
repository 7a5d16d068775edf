"""The atlas-based conflict-of-interest check: why a reviewer must not review an item.

A reviewer's actors are the actors their account is a member of (`accounts.service`). Against the
item's applicant and co-applicant actors, in this order: the reviewer's own submission; same
actor; a co-applicant; parent or child through the atlas's relations (part of, supervised by,
spun out of, member of a cluster, either way); partners (the atlas's `related` relation, or an
agreement the caller records, e.g. partners of one structuring project); a declared conflict;
the reviewer of an earlier round (a resubmission goes to different reviewers)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts
from bioatlas.atlas import service as atlas
from bioatlas.review.describe import ENGLISH, actor_ids, describe
from bioatlas.review.models import DeclaredConflict, ReviewAssignment, ReviewItem

PARENT_RELATIONS = {"part_of", "supervised_by", "spun_out_of", "member_of"}
PARTNER_RELATIONS = {"related"}
Agreement = tuple[int, int, str]  # (actor id, actor id, what: "partners in <project>")


@dataclass(frozen=True)
class Conflict:
    """A reason code (models.REASONS), the actor involved, its parameters (codes and ids, see
    `describe`) and `detail`, the English text written from them."""

    reason: str
    actor_id: int | None
    detail: str
    params: dict = field(default_factory=dict, compare=False, hash=False)


def _ids(text: str | None) -> list[int]:
    return [int(i) for i in json.loads(text or "[]")]


def _conflict(session: Session, reason: str, actor_id: int | None, **params) -> Conflict:
    ids = actor_ids(params)
    names = {i: a.name for i, a in atlas.load_actors(session, ids=ids).items()} if ids else {}
    return Conflict(reason, actor_id, describe(reason, params, t=ENGLISH, names=names), params)


def earlier_reviewers(session: Session, item: ReviewItem) -> set[int]:
    """Reviewers of every earlier round of this item."""
    out: set[int] = set()
    seen: set[int] = set()
    previous = item.previous_item_id
    while previous is not None and previous not in seen:
        seen.add(previous)
        out |= set(session.scalars(select(ReviewAssignment.reviewer_id).where(ReviewAssignment.item_id == previous)))
        earlier = session.get(ReviewItem, previous)
        previous = earlier.previous_item_id if earlier is not None else None
    return out


def conflicts_of(session: Session, *, item: ReviewItem, reviewer_id: int,
                 agreements: Iterable[Agreement] = ()) -> list[Conflict]:
    """Every conflict between the reviewer and the item (empty: they may review it)."""
    out: list[Conflict] = []
    if item.owner_user_id == reviewer_id:
        out.append(_conflict(session, "own_submission", None))
    mine = accounts.member_actor_ids(session, user_id=reviewer_id)
    applicants, co_applicants = _ids(item.actor_ids), _ids(item.co_actor_ids)
    theirs = set(applicants) | set(co_applicants)
    for a in applicants:
        if a in mine:
            out.append(_conflict(session, "same_actor", a, actor=a))
    for a in co_applicants:
        if a in mine:
            out.append(_conflict(session, "co_applicant", a, actor=a))
    if mine and theirs:
        for source, relation, target in atlas.relations_touching(session, actor_ids=mine):
            pair = {(source, target), (target, source)}
            hit = next(((r, t) for r, t in pair if r in mine and t in theirs and r != t), None)
            if hit is None:
                continue
            r, t = hit
            if relation in PARENT_RELATIONS:
                out.append(_conflict(session, "parent_child", t, relation=relation, a=source, b=target))
            elif relation in PARTNER_RELATIONS:
                out.append(_conflict(session, "partner", t, a=r, b=t))
        for x, y, what in agreements:
            for r, t in ((x, y), (y, x)):
                if r in mine and t in theirs and r != t:
                    out.append(_conflict(session, "agreement", t, a=r, b=t, what=what))
    declared = session.scalars(select(DeclaredConflict).where(
        DeclaredConflict.reviewer_id == reviewer_id, DeclaredConflict.actor_id.in_(sorted(theirs) or [0]),
        or_(DeclaredConflict.panel_id.is_(None), DeclaredConflict.panel_id == item.panel_id)))
    for d in declared:
        out.append(_conflict(session, "declared", d.actor_id, actor=d.actor_id, note=d.note or ""))
    if reviewer_id in earlier_reviewers(session, item):
        out.append(_conflict(session, "previous_round", None))
    seen: set[tuple[str, int | None]] = set()
    unique = []
    for c in out:
        if (c.reason, c.actor_id) not in seen:
            seen.add((c.reason, c.actor_id))
            unique.append(c)
    return unique

"""The duplicate review page (`/admin/duplicates`): queued pairs side by side, and the reviewer's
decisions — merge (reversible), not a duplicate (never queued again), undo a merge. Editors and
admins only (policy `moderation.queue`: the duplicate queue is a moderation queue); a merge or
its undoing, and a rejection, decide on actors, so they also need `actor.revert` on each actor of the
pair (an editor decides within their region or cluster, an admin anywhere; the page lists only
the pairs the reviewer may decide); every form carries the CSRF token,
checked by `require()`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse

from bioatlas.accounts.policy import (
    ActorScope,
    Principal,
    authorize,
    can,
    client_ip,
    require,
)
from bioatlas.atlas.service import actor_scope
from bioatlas.core.deps import SessionDep, TranslatorDep
from bioatlas.resolve import review
from bioatlas.resolve.merge import MergeError
from bioatlas.web.pages import redirect, render
from bioatlas.web.refusals import Refused, not_found

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Reviewer = Annotated[Principal, Depends(require("moderation.queue"))]
PAGE_SIZE = 25
DONE = ("merged", "rejected", "undone")


@router.get("/admin/duplicates", response_class=HTMLResponse)
def duplicates_page(request: Request, session: SessionDep, t: TranslatorDep, p: Reviewer,
                    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
                    done: Annotated[str | None, Query(max_length=20)] = None):
    pairs, total = review.pending_pairs(session, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE,
                                        visible=None if p.is_admin else _changeable_by(session, p))
    messages = {"merged": t("The two actors were merged. The merge can be undone below."),
                "rejected": t("Marked as two organisations: this pair will not be proposed again."),
                "undone": t("The merge was undone: both actors are back.")}
    return render(request, t, "resolve/duplicates.html", queue=pairs, total=total, page=page,
                  pages=max(1, -(-total // PAGE_SIZE)), merges=review.recent_merges(session),
                  message=messages.get(done or ""))


def _decide(do, *, missing: tuple[str, str]) -> None:
    """Run a review decision (a unit of work of `review`), its refusals as HTTP answers: a missing
    pair or merge is `missing` (its path parameter, the reason's message id), in the reader's language."""
    try:
        do()
    except LookupError as exc:
        raise not_found(*missing, detail=str(exc)) from None
    except MergeError as exc:  # already decided or undone: the reader's language beside the English detail
        raise Refused(exc.refusal, detail=str(exc)) from None


def _changeable_by(session, p: Principal):
    """Whether the reviewer may decide on a pair: `actor.revert` on both actors (an editor sees the
    pairs of their regions and clusters only)."""
    def visible(actor_ids) -> bool:
        for actor_id in actor_ids:
            scope = actor_scope(session, actor_id=actor_id)
            if not can(p, "actor.revert", ActorScope(scope.actor_id, scope.regions, scope.clusters)):
                return False
        return True
    return visible


def _may_change(request: Request, session, p: Principal, actor_ids) -> None:
    """`actor.revert` on every existing actor of the decision (403, audited, otherwise)."""
    for actor_id in actor_ids:
        scope = actor_scope(session, actor_id=actor_id)
        if scope.actor_id is not None:
            authorize(request, p, "actor.revert", ActorScope(scope.actor_id, scope.regions, scope.clusters),
                      target=f"actor:{actor_id}")


@router.post("/admin/duplicates/{pair_id}/merge")
def merge(request: Request, pair_id: Id, session: SessionDep, p: Reviewer):
    _may_change(request, session, p, review.pair_actor_ids(session, pair_id=pair_id))
    _decide(lambda: review.merge_pair(session, pair_id=pair_id, user_id=p.user_id, ip=client_ip(request)),
            missing=("pair_id", "No pair of possible duplicates with this number."))
    return redirect("/admin/duplicates?done=merged")


@router.post("/admin/duplicates/{pair_id}/reject")
def reject(request: Request, pair_id: Id, session: SessionDep, p: Reviewer):
    _may_change(request, session, p, review.pair_actor_ids(session, pair_id=pair_id))
    _decide(lambda: review.reject_pair(session, pair_id=pair_id, user_id=p.user_id, ip=client_ip(request)),
            missing=("pair_id", "No pair of possible duplicates with this number."))
    return redirect("/admin/duplicates?done=rejected")


@router.post("/admin/duplicates/merges/{merge_id}/undo")
def undo(request: Request, merge_id: Id, session: SessionDep, p: Reviewer):
    _may_change(request, session, p, review.merge_actor_ids(session, merge_id=merge_id))
    _decide(lambda: review.undo_merge(session, merge_id=merge_id, user_id=p.user_id, ip=client_ip(request)),
            missing=("merge_id", "No merge with this number."))
    return redirect("/admin/duplicates?done=undone")

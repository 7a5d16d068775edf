"""The duplicate review page (`/admin/duplicates`): queued pairs side by side, and the reviewer's
decisions — merge (reversible), not a duplicate (never queued again), undo a merge. Editors and
admins only (policy `moderation.queue`: the duplicate queue is a moderation queue); a merge or
its undoing changes actors, so it also needs `actor.revert` on each actor it touches (an editor
merges within their region or cluster, an admin anywhere); every form carries the CSRF token,
checked by `require()`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse

from bioatlas.accounts import audit
from bioatlas.accounts.policy import Principal, authorize, client_ip, require
from bioatlas.atlas.models import Actor
from bioatlas.contributions.service import actor_scope
from bioatlas.core.deps import SessionDep, TranslatorDep
from bioatlas.resolve import review
from bioatlas.resolve.merge import MergeError
from bioatlas.resolve.models import ActorMerge, DuplicateCandidate
from bioatlas.web.pages import redirect, render

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Reviewer = Annotated[Principal, Depends(require("moderation.queue"))]
PAGE_SIZE = 25
DONE = ("merged", "rejected", "undone")


@router.get("/admin/duplicates", response_class=HTMLResponse)
def duplicates_page(request: Request, session: SessionDep, t: TranslatorDep, p: Reviewer,
                    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
                    done: Annotated[str | None, Query(max_length=20)] = None):
    pairs, total = review.pending_pairs(session, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    messages = {"merged": t("The two actors were merged. The merge can be undone below."),
                "rejected": t("Marked as two organisations: this pair will not be proposed again."),
                "undone": t("The merge was undone: both actors are back.")}
    return render(request, t, "resolve/duplicates.html", queue=pairs, total=total, page=page,
                  pages=max(1, -(-total // PAGE_SIZE)), merges=review.recent_merges(session),
                  message=messages.get(done or ""))


def _decide(request: Request, session, p: Principal, action: str, target: str, do) -> None:
    try:
        record = do()
    except LookupError as exc:
        session.rollback()
        raise HTTPException(404, detail=str(exc)) from None
    except MergeError as exc:
        session.rollback()
        raise HTTPException(409, detail=str(exc)) from None
    audit.record(session, "duplicate_review", user_id=p.user_id, ip=client_ip(request), target=target,
                 detail={"decision": action, "id": record.id})
    session.commit()


def _may_change(request: Request, session, p: Principal, actor_ids) -> None:
    """`actor.revert` on every existing actor of the decision (403, audited, otherwise)."""
    for actor_id in actor_ids:
        actor = session.get(Actor, actor_id)
        if actor is not None:
            authorize(request, p, "actor.revert", actor_scope(session, actor=actor), target=f"actor:{actor_id}")


@router.post("/admin/duplicates/{pair_id}/merge")
def merge(request: Request, pair_id: Id, session: SessionDep, p: Reviewer):
    pair = session.get(DuplicateCandidate, pair_id)
    if pair is not None:
        _may_change(request, session, p, (pair.actor_a_id, pair.actor_b_id))
    _decide(request, session, p, "merge", f"duplicate:{pair_id}", lambda: review.merge_pair(session, pair_id))
    return redirect("/admin/duplicates?done=merged")


@router.post("/admin/duplicates/{pair_id}/reject")
def reject(request: Request, pair_id: Id, session: SessionDep, p: Reviewer):
    _decide(request, session, p, "reject", f"duplicate:{pair_id}", lambda: review.reject_pair(session, pair_id))
    return redirect("/admin/duplicates?done=rejected")


@router.post("/admin/duplicates/merges/{merge_id}/undo")
def undo(request: Request, merge_id: Id, session: SessionDep, p: Reviewer):
    record = session.get(ActorMerge, merge_id)
    if record is not None:
        _may_change(request, session, p, (record.kept_id,))
    _decide(request, session, p, "undo", f"merge:{merge_id}", lambda: review.undo_merge(session, merge_id))
    return redirect("/admin/duplicates?done=undone")

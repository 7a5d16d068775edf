"""Expressions of interest: a structured reply to a published opportunity, accepted (a conversation
thread opens through `messaging.service`) or declined by its owner; rate-limited."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts
from bioatlas.core.db import unit_of_work
from bioatlas.core.fields import FieldError, Word, plain_text
from bioatlas.messaging import service as messaging
from bioatlas.notifications import service as notifications
from bioatlas.opportunities.errors import (
    INTEREST_MAX,
    Conflict,
    NotFound,
    OpportunityError,
    RateLimited,
    _conflict,
    _refuse,
    _target,
    now,
)
from bioatlas.opportunities.fields import choice
from bioatlas.opportunities.models import Interest
from bioatlas.opportunities.reads import _must

INTERESTS_PER_DAY = 10  # expressions of interest one user may send in 24 hours


def express_interest(session: Session, *, user_id: int, ip: str | None, opportunity_id: int, raw: object,
                     member_of: frozenset[int] | set[int], at: datetime | None = None) -> Interest:
    """A structured reply to a published opportunity: `{"actor_id": on behalf of (one of the
    user's actors, optional), "what", "why", "message"}`. Refused on a closed, expired or
    unpublished opportunity, on one's own, a second pending one, or beyond INTERESTS_PER_DAY."""
    opp = _must(session, opportunity_id)
    target, action = _target(opp.id), "opportunities.interest"
    at = at or now()
    try:
        if not isinstance(raw, Mapping):
            raise FieldError("interest", "expected an object")
        unknown = sorted(set(raw) - {"actor_id", "what", "why", "message"})
        if unknown:
            raise FieldError(str(unknown[0])[:40], "unknown field")
        what = plain_text("what", raw.get("what"), INTEREST_MAX, required=True)
        why = plain_text("why", raw.get("why"), INTEREST_MAX, required=True)
        message = plain_text("message", raw.get("message"), INTEREST_MAX)
        on_behalf = raw.get("actor_id") or None
        if on_behalf is not None:
            try:
                on_behalf = int(on_behalf)
            except (TypeError, ValueError):
                raise FieldError("actor_id", "expected an actor id") from None
            if on_behalf not in member_of:
                raise FieldError("actor_id", "you may answer on behalf of your own actors only")
    except FieldError as exc:
        _refuse(session, user_id=user_id, ip=ip, target=target, action=action, exc=exc)
        raise
    problem: OpportunityError | None = None
    if opp.status != "published" or (opp.expires_on is not None and opp.expires_on < at.date()):
        problem = Conflict("opportunity", "the opportunity is {status}: it takes no expression of interest",
                           params={"status": Word("expired" if opp.status == "published" else opp.status, "opportunity status")})
    elif opp.actor_id in member_of or opp.author_id == user_id:
        problem = Conflict("opportunity", "this is your own organisation's opportunity")
    elif session.scalar(select(func.count()).select_from(Interest).where(
            Interest.opportunity_id == opp.id, Interest.user_id == user_id, Interest.status != "declined")):
        problem = Conflict("opportunity", "you already expressed interest in this opportunity")
    elif (session.scalar(select(func.count()).select_from(Interest).where(
            Interest.user_id == user_id, Interest.created_at >= at - timedelta(days=1))) or 0) >= INTERESTS_PER_DAY:
        problem = RateLimited("interest", "at most {max} expressions of interest in 24 hours",
                              params={"max": INTERESTS_PER_DAY})
    if problem is not None:
        _refuse(session, user_id=user_id, ip=ip, target=target, action=action, exc=problem)
        raise problem
    with unit_of_work(session):
        interest = Interest(opportunity_id=opp.id, user_id=user_id, actor_id=on_behalf, what=what, why=why,
                            message=message, status="pending", created_at=at)
        session.add(interest)
        session.flush()
        accounts.record_audit(session, event="opportunity", user_id=user_id, ip=ip, target=target,
                              detail={"action": "interest", "interest": interest.id})
        if opp.author_id is not None and opp.author_id != user_id:
            notifications.notify(session, user_id=opp.author_id, kind="opportunities.interest",
                                 context={"title": opp.title_fr or opp.title_en},
                                 link=f"/opportunities/{opp.id}")
    return interest


def answer_interest(session: Session, *, user_id: int | None, ip: str | None, opportunity_id: int,
                    interest_id: int, decision: object) -> Interest:
    """The owner accepts (a conversation thread opens between them, context "opportunity") or
    declines a pending expression of interest; its author is notified."""
    opp = _must(session, opportunity_id)
    interest = session.get(Interest, interest_id)
    if interest is None or interest.opportunity_id != opp.id:
        raise NotFound("interest_id", "no expression of interest {interest_id} on this opportunity",
                       params={"interest_id": interest_id})
    try:
        decision = choice("decision", decision, ("accept", "decline"))
    except FieldError as exc:
        _refuse(session, user_id=user_id, ip=ip, target=_target(opp.id), action="opportunities.answer", exc=exc)
        raise
    if interest.status != "pending":
        raise _conflict(session, user_id=user_id, ip=ip, opp=opp, action="opportunities.answer",
                        exc=Conflict("status", "the expression of interest is already {status}",
                                     params={"status": Word(interest.status, "interest status")}))
    with unit_of_work(session):
        interest.status, interest.answered_at, interest.answered_by = (
            "accepted" if decision == "accept" else "declined"), now(), user_id
        owner = user_id if user_id is not None else opp.author_id
        if decision == "accept" and owner is not None and owner != interest.user_id:
            try:
                thread = messaging.open_thread(
                    session, user_ids=[interest.user_id], opened_by=owner, accepted=True,
                    context={"kind": "opportunity", "id": opp.id, "label": (opp.title_fr or opp.title_en)[:200],
                             "url": f"/opportunities/{opp.id}"})
                # the expression of interest opens the conversation, in its author's name
                body = "\n\n".join(part for part in (interest.what, interest.why, interest.message) if part)
                messaging.post_message(session, thread_id=thread.id, sender_id=interest.user_id,
                                       body=body[:INTEREST_MAX])
            except messaging.MessagingError as exc:  # said in the opportunity's own words
                if exc.status == 403:
                    refusal = OpportunityError("interest_id", "this person does not accept your messages")
                else:
                    refusal = OpportunityError("interest_id", "the conversation with this person could not be opened")
                refusal.status = exc.status
                session.rollback()  # release the write lock before the refusal's own transaction
                _refuse(session, user_id=user_id, ip=ip, target=_target(opp.id), action="opportunities.answer",
                        exc=refusal)
                raise refusal from None
            interest.thread_id = thread.id
        accounts.record_audit(session, event="opportunity", user_id=user_id, ip=ip, target=_target(opp.id),
                              detail={"action": decision, "interest": interest.id, "thread": interest.thread_id})
        notifications.notify(session, user_id=interest.user_id, kind="opportunities.answered",
                             context={"title": opp.title_fr or opp.title_en, "decision": decision},
                             link=f"/messages/{interest.thread_id}" if interest.thread_id else f"/opportunities/{opp.id}")
    return interest

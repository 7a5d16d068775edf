"""Messaging's writes in the caller's transaction (they flush, the caller commits): open a thread
(a message request between strangers), post a message, accept or decline a request, mute a
thread, share read receipts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bioatlas.core.fields import Word
from bioatlas.messaging.checks import (
    MAX_MEMBERS,
    MAX_PENDING_REQUESTS,
    Context,
    MessagingError,
    _existing_users,
    _now,
    check_body,
    check_context,
)
from bioatlas.messaging.models import Message, Setting, Thread, ThreadMember
from bioatlas.messaging.reads import _members, blocks_between

def _pair_accepted(session: Session, a: int, b: int) -> bool:
    """Whether two users already share an accepted thread (they are not strangers)."""
    mine = select(ThreadMember.thread_id).where(ThreadMember.user_id == a)
    return (session.scalar(select(func.count()).select_from(ThreadMember).join(
        Thread, Thread.id == ThreadMember.thread_id).where(
        ThreadMember.user_id == b, ThreadMember.thread_id.in_(mine), Thread.status == "accepted")) or 0) > 0


def _same_members(session: Session, thread_id: int, ids: set[int]) -> bool:
    return {m.user_id for m in _members(session, thread_id)} == ids


def open_thread(session: Session, *, user_ids: Iterable[int], opened_by: int,
                context: Context | Mapping[str, Any] | None = None, accepted: bool = False,
                now: datetime | None = None) -> Thread:
    """A thread between `opened_by` and `user_ids`, or the existing one with the same members
    (and the same context when given). `accepted=False` (a person writing to a stranger): a
    message request, unless they already share an accepted thread; a room opens an accepted
    thread after an accepted step of its own (an accepted expression of interest, a meeting).
    Refused when a member blocked the opener (403), when a user does not exist (422), or when the
    opener has too many unanswered requests (429)."""
    ctx = check_context(context)
    try:
        ids = {int(u) for u in user_ids} | {int(opened_by)}
    except (TypeError, ValueError):
        raise MessagingError("user_ids", "user ids (integers)") from None
    if len(ids) < 2:
        raise MessagingError("user_ids", "a conversation needs someone else than you")
    if len(ids) > MAX_MEMBERS:
        raise MessagingError("user_ids", "at most {max} people in a conversation", params={"max": MAX_MEMBERS})
    known = _existing_users(session, ids)
    missing = sorted(ids - set(known))
    if missing:
        raise MessagingError("user_ids", "no user {ids}", params={"ids": ", ".join(map(str, missing))})
    if blocks_between(session, sender_id=opened_by, user_ids=ids):
        raise MessagingError("user_ids", "this person does not accept your messages", 403)
    existing = select(Thread).where(
        Thread.context_kind == ctx.kind, Thread.context_id == str(ctx.id)) if ctx else select(Thread).where(
        Thread.context_kind.is_(None))
    member_of_all = select(ThreadMember.thread_id).where(ThreadMember.user_id == opened_by)
    for thread in session.scalars(existing.where(Thread.id.in_(member_of_all)).order_by(Thread.id)):
        if _same_members(session, thread.id, ids):
            if accepted and thread.status != "accepted":
                thread.status = "accepted"
                session.flush()
            return thread
    status = "accepted" if accepted else "request"
    if not accepted and len(ids) == 2 and _pair_accepted(session, *ids):
        status = "accepted"
    if status == "request":
        pending = session.scalar(select(func.count()).select_from(Thread).where(
            Thread.opened_by == opened_by, Thread.status == "request")) or 0
        if pending >= MAX_PENDING_REQUESTS:
            raise MessagingError("user_ids", "{pending} of your message requests are still unanswered: wait for "
                                 "answers before writing to more people", 429, params={"pending": pending})
    at = _now(now)
    thread = Thread(status=status, opened_by=opened_by, created_at=at,
                    context_kind=ctx.kind if ctx else None, context_id=str(ctx.id) if ctx else None,
                    context_label=(ctx.label or None) if ctx else None, context_url=ctx.url if ctx else None)
    session.add(thread)
    session.flush()
    for uid in sorted(ids):
        session.add(ThreadMember(thread_id=thread.id, user_id=uid, joined_at=at))
    session.flush()
    return thread


def post_message(session: Session, *, thread_id: int, sender_id: int, body: str,
                 now: datetime | None = None) -> Message:
    """Add a message. A member replying to a request accepts it; the opener of a request writes
    one message until it is accepted (409); nobody writes in a declined thread (409) or to
    someone who blocked them (403); the body is plain text of 1 to MAX_BODY characters."""
    text = check_body(body)
    thread = session.get(Thread, thread_id)
    if thread is None:
        raise MessagingError("thread_id", "no conversation {id}", 404, params={"id": thread_id})
    if session.get(ThreadMember, (thread_id, sender_id)) is None:
        raise MessagingError("thread_id", "not a member of this conversation", 403)
    others = {m.user_id for m in _members(session, thread_id)} - {sender_id}
    if blocks_between(session, sender_id=sender_id, user_ids=others):
        raise MessagingError("thread_id", "this person does not accept your messages", 403)
    if thread.status == "declined":
        raise MessagingError("thread_id", "this message request was declined", 409)
    if thread.status == "request":
        if thread.opened_by == sender_id:
            sent = session.scalar(select(func.count()).select_from(Message).where(
                Message.thread_id == thread_id, Message.sender_id == sender_id)) or 0
            if sent:
                raise MessagingError("thread_id", "wait until your message request is accepted before writing again",
                                     409)
        else:
            thread.status = "accepted"
    at = _now(now)
    message = Message(thread_id=thread_id, sender_id=sender_id, body=text, created_at=at)
    session.add(message)
    thread.last_message_at = at
    session.execute(update(ThreadMember).where(ThreadMember.thread_id == thread_id, ThreadMember.user_id == sender_id)
                    .values(last_read_at=at))
    session.flush()
    return message


def _answer(session: Session, *, thread_id: int, user_id: int, status: str) -> Thread:
    thread = session.get(Thread, thread_id)
    if thread is None:
        raise MessagingError("thread_id", "no conversation {id}", 404, params={"id": thread_id})
    if session.get(ThreadMember, (thread_id, user_id)) is None:
        raise MessagingError("thread_id", "not a member of this conversation", 403)
    if thread.status != "request":
        raise MessagingError("thread_id", "this conversation is not a pending request (it is {status})", 409,
                             params={"status": Word(thread.status, "conversation status")})
    if thread.opened_by == user_id:
        raise MessagingError("thread_id", "the other person answers your request, not you", 409)
    thread.status = status
    session.flush()
    return thread


def accept(session: Session, *, thread_id: int, user_id: int) -> Thread:
    """Accept a message request (a member other than its opener)."""
    return _answer(session, thread_id=thread_id, user_id=user_id, status="accepted")


def decline(session: Session, *, thread_id: int, user_id: int) -> Thread:
    """Decline a message request: its opener cannot write in it any more."""
    return _answer(session, thread_id=thread_id, user_id=user_id, status="declined")


def set_muted(session: Session, *, thread_id: int, user_id: int, muted: bool) -> None:
    member = session.get(ThreadMember, (thread_id, user_id))
    if member is None:
        raise MessagingError("thread_id", "not a member of this conversation", 403)
    member.muted = bool(muted)
    session.flush()


def set_read_receipts(session: Session, *, user_id: int, on: bool) -> None:
    row = session.get(Setting, user_id)
    if row is None:
        session.add(Setting(user_id=user_id, read_receipts=bool(on)))
    else:
        row.read_receipts = bool(on)
    session.flush()



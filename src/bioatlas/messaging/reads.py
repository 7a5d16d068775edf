"""Messaging's reads: a thread's members for the policy, a user's inbox with unread counts, a
thread as one member sees it (marking it read), the threads a room opened for its items, the
messages exchanged (the observatory's count), blocks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from bioatlas.messaging.checks import MessagingError, _aware, _existing_users, _name, _utc
from bioatlas.messaging.models import Block, Message, Setting, Thread, ThreadMember

@dataclass(frozen=True)
class ThreadAccess:
    """What the policy needs to authorise an action on a thread (rules `messaging.read`,
    `messaging.post`): its members."""

    thread_id: int
    member_ids: frozenset[int]
    status: str


@dataclass
class ThreadSummary:
    """A line of a user's inbox."""

    thread: Thread
    others: list[str]
    unread: int
    last_body: str | None
    last_at: datetime | None
    muted: bool
    request_to_me: bool  # a message request this user may accept or decline
    request_from_me: bool  # this user's own request, still unanswered


@dataclass
class ThreadView:
    """A thread as one member sees it: messages with their senders' names, the other members,
    and the read receipts they share (only when both sides turned them on)."""

    thread: Thread
    me: ThreadMember
    messages: list[dict[str, Any]]
    members: dict[int, str]
    receipts: dict[int, datetime] = field(default_factory=dict)
    can_post: bool = True
    request_to_me: bool = False
    blocked_ids: frozenset[int] = frozenset()


def _members(session: Session, thread_id: int) -> list[ThreadMember]:
    return list(session.scalars(select(ThreadMember).where(ThreadMember.thread_id == thread_id)))


def thread_access(session: Session, *, thread_id: int) -> ThreadAccess:
    """The thread's members and status for the policy; MessagingError 404 when there is none."""
    thread = session.get(Thread, thread_id)
    if thread is None:
        raise MessagingError("thread_id", "no conversation {id}", 404, params={"id": thread_id})
    ids = frozenset(m.user_id for m in _members(session, thread_id))
    return ThreadAccess(thread_id=thread_id, member_ids=ids, status=thread.status)


def can_read(session: Session, *, thread_id: int, user_id: int | None) -> bool:
    """Whether the user is a member of the thread (rooms ask before linking to it)."""
    if user_id is None:
        return False
    return session.get(ThreadMember, (thread_id, user_id)) is not None


def blocks_between(session: Session, *, sender_id: int, user_ids: Iterable[int]) -> set[int]:
    """Those of `user_ids` who blocked the sender."""
    ids = set(user_ids) - {sender_id}
    if not ids:
        return set()
    return set(session.scalars(select(Block.blocker_id).where(Block.blocked_id == sender_id,
                                                                Block.blocker_id.in_(ids))))


def _unread_counts(session: Session, *, user_id: int, thread_ids: list[int] | None = None) -> dict[int, int]:
    """Messages from others newer than the member's last read, per thread."""
    m = ThreadMember
    stmt = (select(Message.thread_id, func.count()).join(m, and_(m.thread_id == Message.thread_id, m.user_id == user_id))
            .where(or_(Message.sender_id.is_(None), Message.sender_id != user_id),
                   or_(m.last_read_at.is_(None), Message.created_at > m.last_read_at))
            .group_by(Message.thread_id))
    if thread_ids is not None:
        stmt = stmt.where(Message.thread_id.in_(thread_ids))
    return dict(session.execute(stmt).tuples().all())


def unread_total(session: Session, *, user_id: int) -> int:
    """Unread messages of every thread the user is in, except declined ones (the menu's count)."""
    counts = _unread_counts(session, user_id=user_id)
    if not counts:
        return 0
    declined = set(session.scalars(select(Thread.id).where(Thread.id.in_(counts), Thread.status == "declined")))
    return sum(n for tid, n in counts.items() if tid not in declined)


def threads_of(session: Session, *, user_id: int, context_kind: str | None = None,
               limit: int = 200) -> list[ThreadSummary]:
    """The user's threads, newest activity first, with unread counts and the last message."""
    stmt = (select(Thread, ThreadMember).join(ThreadMember, ThreadMember.thread_id == Thread.id)
            .where(ThreadMember.user_id == user_id))
    if context_kind is not None:
        stmt = stmt.where(Thread.context_kind == context_kind)
    rows = session.execute(stmt.order_by(func.coalesce(Thread.last_message_at, Thread.created_at).desc(),
                                         Thread.id.desc()).limit(limit)).tuples().all()
    ids = [t.id for t, _ in rows]
    if not ids:
        return []
    counts = _unread_counts(session, user_id=user_id, thread_ids=ids)
    members: dict[int, list[int]] = {}
    for tid, uid in session.execute(select(ThreadMember.thread_id, ThreadMember.user_id)
                                    .where(ThreadMember.thread_id.in_(ids))).tuples():
        members.setdefault(tid, []).append(uid)
    names = _existing_users(session, {u for us in members.values() for u in us})
    last_ids = session.scalars(select(func.max(Message.id)).where(Message.thread_id.in_(ids))
                               .group_by(Message.thread_id)).all()
    last = {m.thread_id: m for m in session.scalars(select(Message).where(Message.id.in_(last_ids)))}
    out = []
    for thread, me in rows:
        msg = last.get(thread.id)
        pending = thread.status == "request"
        out.append(ThreadSummary(
            thread=thread, others=sorted(names.get(u, "?") for u in members.get(thread.id, []) if u != user_id),
            unread=counts.get(thread.id, 0), last_body=msg.body if msg else None,
            last_at=msg.created_at if msg else None, muted=me.muted,
            request_to_me=pending and thread.opened_by != user_id,
            request_from_me=pending and thread.opened_by == user_id))
    return out


def thread_for_context(session: Session, *, context_kind: str, context_id: str | int,
                       user_id: int | None = None) -> Thread | None:
    """The (newest) thread a room opened for one of its items, among those of `user_id` when
    given; None when there is none."""
    stmt = select(Thread).where(Thread.context_kind == context_kind, Thread.context_id == str(context_id))
    if user_id is not None:
        stmt = stmt.join(ThreadMember, ThreadMember.thread_id == Thread.id).where(ThreadMember.user_id == user_id)
    return session.scalar(stmt.order_by(Thread.id.desc()).limit(1))


def message_count(session: Session, *, context_kind: str | None = None, context_id: str | int | None = None,
                  since: datetime | None = None) -> int:
    """Messages exchanged (erased ones included: they were exchanged), in threads of a context
    kind and id when given, since a date when given (the events' "1,000 messages")."""
    stmt = select(func.count()).select_from(Message)
    if context_kind is not None or context_id is not None:
        stmt = stmt.join(Thread, Thread.id == Message.thread_id)
        if context_kind is not None:
            stmt = stmt.where(Thread.context_kind == context_kind)
        if context_id is not None:
            stmt = stmt.where(Thread.context_id == str(context_id))
    if since is not None:
        stmt = stmt.where(Message.created_at >= since)
    return session.scalar(stmt) or 0


def read_receipts_on(session: Session, *, user_id: int) -> bool:
    row = session.get(Setting, user_id)
    return bool(row and row.read_receipts)


def read_thread(session: Session, *, thread_id: int, user_id: int, mark_read: bool = True) -> ThreadView:
    """The thread for one of its members (MessagingError 404/403 otherwise); marks it read."""
    thread = session.get(Thread, thread_id)
    if thread is None:
        raise MessagingError("thread_id", "no conversation {id}", 404, params={"id": thread_id})
    me = session.get(ThreadMember, (thread_id, user_id))
    if me is None:
        raise MessagingError("thread_id", "not a member of this conversation", 403)
    rows = list(session.scalars(select(Message).where(Message.thread_id == thread_id)
                                .order_by(Message.created_at, Message.id)))
    members = {m.user_id: m for m in _members(session, thread_id)}
    names = _existing_users(session, set(members) | {r.sender_id for r in rows if r.sender_id})
    messages = [{"id": r.id, "sender_id": r.sender_id, "sender": _name(names, r.sender_id, "—"),
                 "body": r.body, "created_at": _utc(r.created_at), "deleted": r.deleted_at is not None,
                 "mine": r.sender_id == user_id} for r in rows]
    receipts: dict[int, datetime] = {}
    if read_receipts_on(session, user_id=user_id):
        sharing = set(session.scalars(select(Setting.user_id).where(
            Setting.user_id.in_(set(members) - {user_id}), Setting.read_receipts.is_(True))))
        receipts = {uid: at for uid in sharing if (at := _aware(members[uid].last_read_at)) is not None}
    blocked = blocks_between(session, sender_id=user_id, user_ids=members)
    request_to_me = thread.status == "request" and thread.opened_by != user_id
    can_post = thread.status != "declined" and not blocked and not (
        thread.status == "request" and thread.opened_by == user_id and any(m["mine"] for m in messages))
    if mark_read and rows:
        newest = max(_utc(r.created_at) for r in rows)
        if me.last_read_at is None or _utc(me.last_read_at) < newest:
            me.last_read_at = newest
            session.flush()
    return ThreadView(thread=thread, me=me, messages=messages,
                      members={uid: names.get(uid, "?") for uid in members},
                      receipts=receipts, can_post=can_post, request_to_me=request_to_me,
                      blocked_ids=frozenset(blocks_of(session, user_id=user_id)) & frozenset(members))


def blocks_of(session: Session, *, user_id: int) -> list[int]:
    """The users this user blocked."""
    return list(session.scalars(select(Block.blocked_id).where(Block.blocker_id == user_id).order_by(Block.created_at)))


def blocked_users(session: Session, *, user_id: int) -> dict[int, str]:
    """The users this user blocked, with their names (the inbox lists them with "unblock")."""
    ids = blocks_of(session, user_id=user_id)
    names = _existing_users(session, ids)
    return {i: names[i] for i in ids if i in names}



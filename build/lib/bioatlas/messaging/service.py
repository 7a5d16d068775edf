"""The messaging service, for people (pages, API) and for other rooms (events, partner search,
the one-stop shop): keyword-only arguments throughout.

Two kinds of functions:
- building blocks that work in the caller's transaction (they flush, the caller commits):
  `open_thread`, `post_message`, `accept`, `decline`, `set_muted`, `block`, `unblock`,
  `report`, `resolve_report`, `set_read_receipts`, `notify_unread`; and reads: `threads_of`,
  `thread_for_context`, `read_thread`, `message_count`, `can_read`, `thread_access`, `unread_total`;
- units of work for the pages and the API (validate, write, audit, commit): `start`, `reply`,
  `view`, `answer`, `mute`, `block_user`, `unblock_user`, `report_message`, `resolve`, `save_settings`.

Bad input raises `MessagingError(message, field, status)`: the handlers answer `status` with the
message and the field (a 4xx, never a 500)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts
from bioatlas.core.db import unit_of_work
from bioatlas.core.text import unsafe_character
from bioatlas.messaging.models import Block, Message, Report, Setting, Thread, ThreadMember
from bioatlas.notifications import service as notifications

MAX_BODY = 4000            # characters of one message
MAX_REASON = 1000          # characters of a report's reason
MAX_NOTE = 2000            # characters of a moderator's resolution note
MAX_MEMBERS = 50           # users in one thread (a company and the members of a partner organisation)
MAX_PENDING_REQUESTS = 20  # unanswered message requests one user may have open at once
NOTIFY_AFTER = timedelta(minutes=10)  # unread this long: tell the member (a live chat needs no e-mail)
EXCERPT = 300              # characters of each message quoted in a notification
ERASED = "message supprimé"
REDACT_MIN = 6             # lines of an erased message shorter than this ("ok", "merci") are not hunted in notifications
KIND = "messaging.unread"
CONTEXT_KIND = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class MessagingError(ValueError):
    """Bad input or a refused step, naming the field at fault; `status` is the HTTP answer."""

    def __init__(self, message: str, field: str, status: int = 422):
        super().__init__(message)
        self.field = field
        self.status = status


@dataclass(frozen=True)
class Context:
    """What a thread is about, given by the room that opens it: `kind` ("event", "interest",
    "case"), `id` (the room's own id), a `label` shown with the thread and a local `url`."""

    kind: str
    id: str | int
    label: str = ""
    url: str | None = None


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


def _now(now: datetime | None = None) -> datetime:
    return now or datetime.now(timezone.utc)


def _utc(value: datetime) -> datetime:
    """SQLite gives back naive datetimes (stored in UTC): make them comparable."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else _utc(value)


def _name(names: Mapping[int, str], user_id: int | None, missing: str = "?") -> str:
    return names.get(user_id, missing) if user_id is not None else missing


# --- validation ------------------------------------------------------------------------------------


def check_body(body: Any, *, name: str = "body", limit: int = MAX_BODY) -> str:
    if not isinstance(body, str) or not body.strip():
        raise MessagingError(f"{name}: write a message", name)
    body = body.strip()
    if len(body) > limit:
        raise MessagingError(f"{name}: at most {limit} characters ({len(body)} given)", name, 413)
    if (why := unsafe_character(body)) is not None:
        raise MessagingError(f"{name}: {why}", name)
    return body


def check_context(context: Context | Mapping[str, Any] | None) -> Context | None:
    if context is None:
        return None
    if isinstance(context, Mapping):
        try:
            context = Context(**context)
        except TypeError as exc:
            raise MessagingError(f"context: {exc}", "context") from None
    if not isinstance(context.kind, str) or not CONTEXT_KIND.match(context.kind):
        raise MessagingError("context.kind: lower-case letters, digits and _ (at most 40)", "context.kind")
    if not str(context.id) or len(str(context.id)) > 64:
        raise MessagingError("context.id: 1 to 64 characters", "context.id")
    if len(context.label or "") > 200:
        raise MessagingError("context.label: at most 200 characters", "context.label")
    if (why := unsafe_character(context.label or "")) is not None:
        raise MessagingError(f"context.label: {why}", "context.label")
    url = context.url
    if url is not None and (not url.startswith("/") or url.startswith("//") or "\\" in url or len(url) > 500):
        raise MessagingError("context.url: a local path starting with /", "context.url")
    return context


def _existing_users(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    return accounts.display_names(session, user_ids={u for u in user_ids if u is not None})


def display_names(session: Session, *, user_ids: Iterable[int]) -> dict[int, str]:
    """The display names of these users (those that exist)."""
    return _existing_users(session, user_ids)


# --- reads -----------------------------------------------------------------------------------------


def _members(session: Session, thread_id: int) -> list[ThreadMember]:
    return list(session.scalars(select(ThreadMember).where(ThreadMember.thread_id == thread_id)))


def thread_access(session: Session, *, thread_id: int) -> ThreadAccess:
    """The thread's members and status for the policy; MessagingError 404 when there is none."""
    thread = session.get(Thread, thread_id)
    if thread is None:
        raise MessagingError(f"no conversation {thread_id}", "thread_id", 404)
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
        raise MessagingError(f"no conversation {thread_id}", "thread_id", 404)
    me = session.get(ThreadMember, (thread_id, user_id))
    if me is None:
        raise MessagingError("not a member of this conversation", "thread_id", 403)
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


# --- writes in the caller's transaction ------------------------------------------------------------


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
        raise MessagingError("user_ids: user ids (integers)", "user_ids") from None
    if len(ids) < 2:
        raise MessagingError("user_ids: a conversation needs someone else than you", "user_ids")
    if len(ids) > MAX_MEMBERS:
        raise MessagingError(f"user_ids: at most {MAX_MEMBERS} people in a conversation", "user_ids")
    known = _existing_users(session, ids)
    missing = sorted(ids - set(known))
    if missing:
        raise MessagingError(f"user_ids: no user {', '.join(map(str, missing))}", "user_ids")
    if blocks_between(session, sender_id=opened_by, user_ids=ids):
        raise MessagingError("user_ids: this person does not accept your messages", "user_ids", 403)
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
            raise MessagingError(f"user_ids: {pending} of your message requests are still unanswered: "
                                 "wait for answers before writing to more people", "user_ids", 429)
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
        raise MessagingError(f"no conversation {thread_id}", "thread_id", 404)
    if session.get(ThreadMember, (thread_id, sender_id)) is None:
        raise MessagingError("not a member of this conversation", "thread_id", 403)
    others = {m.user_id for m in _members(session, thread_id)} - {sender_id}
    if blocks_between(session, sender_id=sender_id, user_ids=others):
        raise MessagingError("this person does not accept your messages", "thread_id", 403)
    if thread.status == "declined":
        raise MessagingError("this message request was declined", "thread_id", 409)
    if thread.status == "request":
        if thread.opened_by == sender_id:
            sent = session.scalar(select(func.count()).select_from(Message).where(
                Message.thread_id == thread_id, Message.sender_id == sender_id)) or 0
            if sent:
                raise MessagingError("wait until your message request is accepted before writing again",
                                     "thread_id", 409)
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
        raise MessagingError(f"no conversation {thread_id}", "thread_id", 404)
    if session.get(ThreadMember, (thread_id, user_id)) is None:
        raise MessagingError("not a member of this conversation", "thread_id", 403)
    if thread.status != "request":
        raise MessagingError(f"this conversation is not a pending request (it is {thread.status})", "thread_id", 409)
    if thread.opened_by == user_id:
        raise MessagingError("the other person answers your request, not you", "thread_id", 409)
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
        raise MessagingError("not a member of this conversation", "thread_id", 403)
    member.muted = bool(muted)
    session.flush()


def block(session: Session, *, blocker_id: int, blocked_id: int) -> None:
    """Refuse messages and new threads from a user (idempotent)."""
    if blocker_id == blocked_id:
        raise MessagingError("user_id: you cannot block yourself", "user_id")
    if not _existing_users(session, [blocked_id]):
        raise MessagingError(f"user_id: no user {blocked_id}", "user_id", 404)
    if session.get(Block, (blocker_id, blocked_id)) is None:
        session.add(Block(blocker_id=blocker_id, blocked_id=blocked_id, created_at=_now()))
        session.flush()


def unblock(session: Session, *, blocker_id: int, blocked_id: int) -> None:
    session.execute(delete(Block).where(Block.blocker_id == blocker_id, Block.blocked_id == blocked_id))


def report(session: Session, *, message_id: int, reporter_id: int, reason: str) -> Report:
    """Report another member's message to the administrators (with a copy of its text). Reporting
    does not block: the reporter may block as well."""
    reason = check_body(reason, name="reason", limit=MAX_REASON)
    message = session.get(Message, message_id)
    if message is None or session.get(ThreadMember, (message.thread_id, reporter_id)) is None:
        raise MessagingError(f"message_id: no message {message_id} in your conversations", "message_id", 404)
    if message.sender_id == reporter_id:
        raise MessagingError("message_id: this is your own message", "message_id")
    row = Report(message_id=message_id, reporter_id=reporter_id, reason=reason, body_copy=message.body,
                 status="open", created_at=_now())
    session.add(row)
    session.flush()
    return row


def reports(session: Session, *, status: str | None = "open", limit: int = 200) -> list[dict[str, Any]]:
    """Reports for the administrators (newest first), with the names of reporter and sender."""
    stmt = select(Report, Message).join(Message, Message.id == Report.message_id)
    if status is not None:
        stmt = stmt.where(Report.status == status)
    rows = session.execute(stmt.order_by(Report.id.desc()).limit(limit)).tuples().all()
    names = _existing_users(session, {r.reporter_id for r, _ in rows} | {m.sender_id for _, m in rows})
    return [{"id": r.id, "status": r.status, "reason": r.reason, "body": r.body_copy, "thread_id": m.thread_id,
             "message_id": m.id, "sender_id": m.sender_id, "sender": _name(names, m.sender_id, "—"),
             "reporter": _name(names, r.reporter_id, "—"), "created_at": _utc(r.created_at),
             "resolution_note": r.resolution_note} for r, m in rows]


def resolve_report(session: Session, *, report_id: int, admin_id: int | None, note: str) -> Report:
    note = check_body(note, name="note", limit=MAX_NOTE)
    row = session.get(Report, report_id)
    if row is None:
        raise MessagingError(f"no report {report_id}", "report_id", 404)
    if row.status == "resolved":
        raise MessagingError("this report is already resolved", "report_id", 409)
    row.status, row.resolution_note, row.resolved_by, row.resolved_at = "resolved", note, admin_id, _now()
    session.flush()
    return row


def set_read_receipts(session: Session, *, user_id: int, on: bool) -> None:
    row = session.get(Setting, user_id)
    if row is None:
        session.add(Setting(user_id=user_id, read_receipts=bool(on)))
    else:
        row.read_receipts = bool(on)
    session.flush()


# --- notifications ---------------------------------------------------------------------------------


def notify_unread(session: Session, *, now: datetime | None = None, older_than: timedelta = NOTIFY_AFTER,
                  public_url: str = "") -> int:
    """Tell each member (not muted) about the messages of others they have neither read nor been
    told about, unread for at least `older_than`: one notification per member and thread listing
    every such message, delivered as the member chose for `messaging.unread` (at once, in the
    daily digest, or not by e-mail). The member's `last_notified_at` then moves to the newest
    message told: later messages are told next time, none is dropped. The caller commits;
    the number of notifications."""
    at = _now(now)
    cutoff = at - older_than
    m = ThreadMember
    rows = session.execute(
        select(m, Message).join(Message, Message.thread_id == m.thread_id).join(Thread, Thread.id == m.thread_id)
        .where(m.muted.is_(False), Thread.status != "declined", Message.deleted_at.is_(None),
               or_(Message.sender_id.is_(None), Message.sender_id != m.user_id),
               or_(m.last_read_at.is_(None), Message.created_at > m.last_read_at),
               or_(m.last_notified_at.is_(None), Message.created_at > m.last_notified_at),
               Message.created_at <= cutoff)
        .order_by(m.thread_id, m.user_id, Message.created_at, Message.id)).tuples().all()
    pending: dict[tuple[int, int], tuple[ThreadMember, list[Message]]] = {}
    for member, message in rows:
        pending.setdefault((member.thread_id, member.user_id), (member, []))[1].append(message)
    if not pending:
        return 0
    names = _existing_users(session, {msg.sender_id for _, msgs in pending.values() for msg in msgs})
    told = 0
    for (thread_id, user_id), (member, messages) in pending.items():
        thread = session.get(Thread, thread_id)
        items = [{"sender": _name(names, msg.sender_id),
                  "body": msg.body if len(msg.body) <= EXCERPT else msg.body[:EXCERPT] + "…",
                  "at": _utc(msg.created_at).strftime("%Y-%m-%d %H:%M")} for msg in messages]
        context = {"count": len(items), "items": items, "senders": sorted({i["sender"] for i in items}),
                   "label": thread.context_label if thread else None,
                   "mute_url": f"{public_url}/messages/{thread_id}/mute"}
        if notifications.notify(session, user_id=user_id, kind=KIND, context=context,
                                link=f"/messages/{thread_id}") is not None:
            told += 1
        member.last_notified_at = max(_utc(msg.created_at) for msg in messages)
    session.flush()
    return told


# --- units of work for the pages and the API -------------------------------------------------------


def start(session: Session, *, sender_id: int, to: Any, body: Any, ip: str | None = None) -> Thread:
    """A person writes to another: the thread (a request between strangers) and its first
    message, committed."""
    try:
        recipient_id = int(to)
    except (TypeError, ValueError):
        raise MessagingError("to: the id of the person to write to", "to") from None
    check_body(body)
    with unit_of_work(session):
        thread = open_thread(session, user_ids=[recipient_id], opened_by=sender_id)
        post_message(session, thread_id=thread.id, sender_id=sender_id, body=body)
        return thread


def view(session: Session, *, thread_id: int, user_id: int) -> ThreadView:
    """`read_thread` for the page and the API: marks the thread read, committed."""
    with unit_of_work(session):
        return read_thread(session, thread_id=thread_id, user_id=user_id)


def reply(session: Session, *, thread_id: int, sender_id: int, body: Any) -> Message:
    with unit_of_work(session):
        return post_message(session, thread_id=thread_id, sender_id=sender_id, body=body)


def answer(session: Session, *, thread_id: int, user_id: int, decision: str) -> Thread:
    """Accept or decline a message request, committed."""
    if decision not in ("accept", "decline"):
        raise MessagingError("decision: accept or decline", "decision")
    with unit_of_work(session):
        return (accept if decision == "accept" else decline)(session, thread_id=thread_id, user_id=user_id)


def mute(session: Session, *, thread_id: int, user_id: int, muted: bool) -> None:
    with unit_of_work(session):
        set_muted(session, thread_id=thread_id, user_id=user_id, muted=muted)


def block_user(session: Session, *, blocker_id: int, user_id: Any, ip: str | None = None) -> None:
    """Block a user, committed and audited."""
    try:
        blocked_id = int(user_id)
    except (TypeError, ValueError):
        raise MessagingError("user_id: the id of the person to block", "user_id") from None
    with unit_of_work(session):
        block(session, blocker_id=blocker_id, blocked_id=blocked_id)
        accounts.record_audit(session, event="message_block", user_id=blocker_id, ip=ip, target=f"user:{blocked_id}")


def unblock_user(session: Session, *, blocker_id: int, user_id: int, ip: str | None = None) -> None:
    with unit_of_work(session):
        unblock(session, blocker_id=blocker_id, blocked_id=user_id)
        accounts.record_audit(session, event="message_unblock", user_id=blocker_id, ip=ip, target=f"user:{user_id}")


def report_message(session: Session, *, reporter_id: int, message_id: Any, reason: Any,
                   ip: str | None = None) -> Report:
    """Report a message to the administrators, committed and audited."""
    try:
        mid = int(message_id)
    except (TypeError, ValueError):
        raise MessagingError("message_id: the id of the message to report", "message_id") from None
    with unit_of_work(session):
        row = report(session, message_id=mid, reporter_id=reporter_id, reason=reason)
        accounts.record_audit(session, event="message_report", user_id=reporter_id, ip=ip,
                              target=f"message:{mid}", detail={"report": row.id})
        return row


def resolve(session: Session, *, report_id: int, admin_id: int | None, note: Any, ip: str | None = None) -> Report:
    """Resolve a report with a note, committed and audited."""
    with unit_of_work(session):
        row = resolve_report(session, report_id=report_id, admin_id=admin_id, note=note)
        accounts.record_audit(session, event="message_report_resolved", user_id=admin_id, ip=ip,
                              target=f"report:{report_id}")
        return row


def save_settings(session: Session, *, user_id: int, read_receipts: bool) -> None:
    with unit_of_work(session):
        set_read_receipts(session, user_id=user_id, on=read_receipts)


# --- personal data ---------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    value = _aware(value)
    return value.isoformat() if value else None


def export(session: Session, *, user_id: int) -> dict:
    """The user's threads (context, status, the other members' names), their own messages, the
    users they blocked, their reports and settings."""
    threads = threads_of(session, user_id=user_id, limit=100_000)
    mine = session.scalars(select(Message).where(Message.sender_id == user_id).order_by(Message.id))
    return {
        "threads": [{"id": s.thread.id, "status": s.thread.status, "with": s.others,
                     "context": ({"kind": s.thread.context_kind, "id": s.thread.context_id,
                                  "label": s.thread.context_label} if s.thread.context_kind else None),
                     "created_at": _iso(s.thread.created_at), "muted": s.muted} for s in threads],
        "messages": [{"thread_id": m.thread_id, "body": m.body, "created_at": _iso(m.created_at)} for m in mine],
        "blocked": blocks_of(session, user_id=user_id),
        "reports": [{"message_id": r.message_id, "reason": r.reason, "status": r.status,
                     "created_at": _iso(r.created_at)}
                    for r in session.scalars(select(Report).where(Report.reporter_id == user_id))],
        "read_receipts": read_receipts_on(session, user_id=user_id),
    }


def erase(session: Session, *, user_id: int) -> None:
    """Inside account deletion (the caller commits): the user's messages say "message supprimé"
    (the others keep the thread's sense), and so do their name and words quoted in the others'
    unread-message notifications and e-mails; their memberships, blocks, settings and the text of
    their reported messages go; their reports stay anonymous for the moderators."""
    # their name and words quoted in other members' unread-message notifications and e-mails
    words = [line.strip() for body in session.scalars(select(Message.body).where(
        Message.sender_id == user_id, Message.deleted_at.is_(None)))
        for line in body[:EXCERPT].splitlines() if len(line.strip()) >= REDACT_MIN]
    name = _existing_users(session, [user_id]).get(user_id)
    notifications.redact(session, needles=[*words, *([name] if name else [])], replacement=ERASED,
                         kinds=[KIND, notifications.DIGEST_KIND])
    own = select(Message.id).where(Message.sender_id == user_id)
    session.execute(update(Report).where(Report.message_id.in_(own)).values(body_copy=ERASED))
    session.execute(update(Message).where(Message.sender_id == user_id)
                    .values(body=ERASED, deleted_at=_now(), sender_id=None))
    session.execute(update(Report).where(Report.reporter_id == user_id).values(reporter_id=None))
    session.execute(update(Thread).where(Thread.opened_by == user_id).values(opened_by=None))
    session.execute(delete(ThreadMember).where(ThreadMember.user_id == user_id))
    session.execute(delete(Block).where(or_(Block.blocker_id == user_id, Block.blocked_id == user_id)))
    session.execute(delete(Setting).where(Setting.user_id == user_id))

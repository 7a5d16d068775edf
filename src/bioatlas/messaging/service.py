"""The messaging service, for people (pages, API) and for other rooms (events, partner search,
the one-stop shop): keyword-only arguments throughout.

Two kinds of functions:
- building blocks that work in the caller's transaction (they flush, the caller commits):
  `open_thread`, `post_message`, `accept`, `decline`, `set_muted`, `block`, `unblock`,
  `report`, `resolve_report`, `set_read_receipts`, `notify_unread`; and reads: `threads_of`,
  `thread_for_context`, `read_thread`, `message_count`, `can_read`, `thread_access`, `unread_total`;
- units of work for the pages and the API (validate, write, audit, commit): `start`, `reply`,
  `view`, `answer`, `mute`, `block_user`, `unblock_user`, `report_message`, `resolve`, `save_settings`.

The use cases live in `checks` (limits, `MessagingError`, `Context`, body and context checks),
`reads`, `threads` (writes), `moderation` (blocks, reports), `notify` and `personal`; this module
is the room's interface for the others and holds the units of work.

Bad input raises `MessagingError(field, message id, status, params={...})`, a `core.fields.FieldError`:
the handlers answer `status` with the field and the message in the reader's language (a 4xx, never a 500)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts
from bioatlas.core.db import unit_of_work
from bioatlas.messaging.checks import (
    CONTEXT_KIND,
    ERASED,
    EXCERPT,
    KIND,
    MAX_BODY,
    MAX_MEMBERS,
    MAX_NOTE,
    MAX_PENDING_REQUESTS,
    MAX_REASON,
    NOTIFY_AFTER,
    REDACT_MIN,
    Context,
    MessagingError,
    check_body,
    check_context,
    display_names,
)
from bioatlas.messaging.models import Message, Report, Thread
from bioatlas.messaging.moderation import block, report, reports, resolve_report, unblock
from bioatlas.messaging.notify import notify_unread
from bioatlas.messaging.personal import erase, export
from bioatlas.messaging.reads import (
    ThreadAccess,
    ThreadSummary,
    ThreadView,
    blocked_users,
    blocks_between,
    blocks_of,
    can_read,
    message_count,
    read_receipts_on,
    read_thread,
    thread_access,
    thread_for_context,
    threads_of,
    unread_total,
)
from bioatlas.messaging.threads import accept, decline, open_thread, post_message, set_muted, set_read_receipts

__all__ = [  # noqa: RUF022  (grouped by purpose)
    "MAX_BODY", "MAX_REASON", "MAX_NOTE", "MAX_MEMBERS", "MAX_PENDING_REQUESTS", "NOTIFY_AFTER", "EXCERPT",
    "ERASED", "REDACT_MIN", "KIND", "CONTEXT_KIND", "MessagingError", "Context", "check_body", "check_context",
    "display_names", "ThreadAccess", "ThreadSummary", "ThreadView", "thread_access", "can_read", "blocks_between",
    "unread_total", "threads_of", "thread_for_context", "message_count", "read_receipts_on", "read_thread",
    "blocks_of", "blocked_users", "open_thread", "post_message", "accept", "decline", "set_muted",
    "set_read_receipts", "block", "unblock", "report", "reports", "resolve_report", "notify_unread", "export",
    "erase", "start", "view", "reply", "answer", "mute", "block_user", "unblock_user", "report_message", "resolve",
    "save_settings",
]


# --- units of work for the pages and the API -------------------------------------------------------


def start(session: Session, *, sender_id: int, to: Any, body: Any, ip: str | None = None) -> Thread:
    """A person writes to another: the thread (a request between strangers) and its first
    message, committed."""
    try:
        recipient_id = int(to)
    except (TypeError, ValueError):
        raise MessagingError("to", "the id of the person to write to") from None
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
        raise MessagingError("decision", "accept or decline")
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
        raise MessagingError("user_id", "the id of the person to block") from None
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
        raise MessagingError("message_id", "the id of the message to report") from None
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



"""Messaging's moderation in the caller's transaction: blocking a user, reporting a message to the
administrators (with a copy of its text), the administrators' list of reports and their resolution."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bioatlas.messaging.checks import (
    MAX_NOTE,
    MAX_REASON,
    MessagingError,
    _existing_users,
    _name,
    _now,
    _utc,
    check_body,
)
from bioatlas.messaging.models import Block, Message, Report, ThreadMember

def block(session: Session, *, blocker_id: int, blocked_id: int) -> None:
    """Refuse messages and new threads from a user (idempotent)."""
    if blocker_id == blocked_id:
        raise MessagingError("user_id", "you cannot block yourself")
    if not _existing_users(session, [blocked_id]):
        raise MessagingError("user_id", "no user {ids}", 404, params={"ids": blocked_id})
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
        raise MessagingError("message_id", "no message {id} in your conversations", 404, params={"id": message_id})
    if message.sender_id == reporter_id:
        raise MessagingError("message_id", "this is your own message")
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
        raise MessagingError("report_id", "no report {id}", 404, params={"id": report_id})
    if row.status == "resolved":
        raise MessagingError("report_id", "this report is already resolved", 409)
    row.status, row.resolution_note, row.resolved_by, row.resolved_at = "resolved", note, admin_id, _now()
    session.flush()
    return row



"""Messaging's personal data: the export of a user's threads, messages, blocks, reports and
settings, and their erasure inside account deletion."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from bioatlas.messaging.checks import ERASED, EXCERPT, KIND, REDACT_MIN, _aware, _existing_users, _now
from bioatlas.messaging.models import Block, Message, Report, Setting, Thread, ThreadMember
from bioatlas.messaging.reads import blocks_of, read_receipts_on, threads_of
from bioatlas.notifications import service as notifications

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

"""Messaging's unread-message notifications: each member is told once about the messages of others
they have not read (`notify_unread`, run by the task and the CLI)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bioatlas.core.moments import DEFAULT_ZONE, Moment, local
from bioatlas.messaging.checks import EXCERPT, KIND, NOTIFY_AFTER, _existing_users, _name, _now, _utc
from bioatlas.messaging.models import Message, Thread, ThreadMember
from bioatlas.notifications import service as notifications

def _sent(at: datetime, zone: str) -> Moment:
    """When a message was sent, in the recipient's zone: "2027-01-05 10:30 (Europe/Paris)" in English
    logs, "… à 10:30 (heure de Paris)" in the notification."""
    when = local(at, zone)
    return Moment(f"{when:%Y-%m-%d %H:%M} ({zone})", when, zone=zone)


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
        zone = (notifications.recipient(session, user_id=user_id) or {}).get("time_zone") or DEFAULT_ZONE
        items = [{"sender": _name(names, msg.sender_id),
                  "body": msg.body if len(msg.body) <= EXCERPT else msg.body[:EXCERPT] + "…",
                  "at": _sent(msg.created_at, zone)} for msg in messages]
        context = {"count": len(items), "items": items, "senders": sorted({i["sender"] for i in items}),
                   "label": thread.context_label if thread else None,
                   "mute_url": f"{public_url}/messages/{thread_id}/mute"}
        if notifications.notify(session, user_id=user_id, kind=KIND, context=context,
                                link=f"/messages/{thread_id}") is not None:
            told += 1
        member.last_notified_at = max(_utc(msg.created_at) for msg in messages)
    session.flush()
    return told



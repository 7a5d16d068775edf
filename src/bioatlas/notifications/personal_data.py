"""A user's notifications as personal data: their export and their erasure (the `PersonalData`
hook of the notifications room). Redacting another user's words quoted in them is
`service.redact`, which other rooms call."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bioatlas.notifications.models import Notification, OutboxMail, Preference
from bioatlas.notifications.service import latest, recipient


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export(session: Session, *, user_id: int) -> dict:
    """Notifications, preferences and the outbox mails to the user's address."""
    to = recipient(session, user_id=user_id)
    mails = [] if to is None else session.scalars(
        select(OutboxMail).where(OutboxMail.to_address == to["email"]).order_by(OutboxMail.id)).all()
    return {
        "notifications": [{"kind": n.kind, "subject": n.subject, "body": n.body, "link": n.link,
                           "created_at": _iso(n.created_at), "read_at": _iso(n.read_at)}
                          for n in latest(session, user_id=user_id, limit=100_000)],
        "preferences": {p.kind: p.delivery for p in session.scalars(
            select(Preference).where(Preference.user_id == user_id))},
        "emails": [{"kind": m.kind, "subject": m.subject, "status": m.status, "created_at": _iso(m.created_at),
                    "sent_at": _iso(m.sent_at)} for m in mails],
    }


def erase(session: Session, *, user_id: int) -> None:
    """Delete the user's notifications, preferences and every outbox mail to their address or
    about them (inside account deletion; the caller commits)."""
    to = recipient(session, user_id=user_id)
    session.execute(delete(Notification).where(Notification.user_id == user_id))
    session.execute(delete(Preference).where(Preference.user_id == user_id))
    session.execute(delete(OutboxMail).where(OutboxMail.user_id == user_id))
    if to is not None:
        session.execute(delete(OutboxMail).where(OutboxMail.to_address == to["email"]))

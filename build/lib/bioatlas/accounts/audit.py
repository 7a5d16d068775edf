"""The audit log: security-relevant events (logins, failures, role changes, merges, exports,
refusals), written in the caller's transaction or, for refusals, in a transaction of its own."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bioatlas.accounts.models import AuditEvent

EVENTS = (
    "login", "login_failed", "logout", "signup", "email_verified", "password_reset", "role_granted",
    "role_revoked", "merge", "unmerge", "export", "refused", "rate_limited", "account_exported", "account_deleted",
    "contribution", "review", "revert", "claim_verified",
)


def record(session: Session, event: str, *, user_id: int | None = None, ip: str | None = None,
           target: str | None = None, detail: dict | str | None = None) -> None:
    """Add an event to the session (committed with the caller's unit of work)."""
    if isinstance(detail, dict):
        detail = json.dumps(detail, ensure_ascii=False, default=str)
    session.add(AuditEvent(event=event, user_id=user_id, ip=(ip or None) and ip[:64],
                           target=target and target[:200], detail=detail and detail[:4000]))


def record_now(factory: sessionmaker, event: str, **kwargs) -> None:
    """Write one event at once, in its own transaction (refusals, failed logins: the request's
    own work is rolled back or never happens, the trace stays)."""
    with factory() as session:
        record(session, event, **kwargs)
        session.commit()


def record_aside(session: Session, event: str, **kwargs) -> None:
    """`record_now` on the database of `session`, for a service that refuses: the event is kept
    even though the caller's unit of work is rolled back."""
    record_now(sessionmaker(bind=session.get_bind()), event, **kwargs)


def query(session: Session, *, event: str | None = None, user_id: int | None = None,
          since: datetime | None = None, limit: int = 200, offset: int = 0) -> list[AuditEvent]:
    stmt = select(AuditEvent)
    if event:
        stmt = stmt.where(AuditEvent.event == event)
    if user_id is not None:
        stmt = stmt.where(AuditEvent.user_id == user_id)
    if since is not None:
        stmt = stmt.where(AuditEvent.at >= since)
    return list(session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(limit).offset(offset)))


def as_dict(e: AuditEvent) -> dict:
    return {"id": e.id, "at": e.at.isoformat(), "event": e.event, "user_id": e.user_id, "ip": e.ip,
            "target": e.target, "detail": e.detail}

"""Personal data: everything held about a user (export) and account deletion (anonymisation).

Each feature exports and erases what it holds through the plug-in hook `bioatlas_personal_data`
(contributions: the facts a user contributed stay in the atlas under their source re-keyed
`user:deleted:<n>`, contributions keep their content with no author; notifications: the
user's notifications, preferences and mails). Audit events lose the user id, the IP address and their detail (a refused input may be personal);
rate-limit counters keyed by the address are deleted; on SQLite (`secure_delete` on) the WAL is
checkpointed and truncated, so no file keeps the erased values. The atlas tables never hold a name or an address of a user, so
no search index holds one either."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bioatlas.accounts.models import AuditEvent, RoleGrant, User, UserSession
from bioatlas.core.plugins import collect

def export_user(session: Session, user: User) -> dict:
    """The account, its roles, sessions and audit events, then what every feature holds about the
    user (plug-in hook `bioatlas_personal_data`, one key per feature item)."""

    def iso(v):
        return v.isoformat() if v else None

    events = session.scalars(select(AuditEvent).where(AuditEvent.user_id == user.id).order_by(AuditEvent.id)).all()
    out = {
        "account": {"id": user.id, "email": user.email, "display_name": user.display_name,
                    "is_admin": user.is_admin, "email_verified_at": iso(user.email_verified_at),
                    "created_at": iso(user.created_at), "last_login_at": iso(user.last_login_at),
                    "language": user.language, "time_zone": user.time_zone},
        "roles": [{"role": g.role, "scope_kind": g.scope_kind, "scope_value": g.scope_value,
                   "granted_at": iso(g.granted_at)} for g in user.roles],
        "sessions": [{"created_at": iso(s.created_at), "expires_at": iso(s.expires_at)}
                     for s in session.scalars(select(UserSession).where(UserSession.user_id == user.id))],
        "audit_events": [{"at": iso(e.at), "event": e.event, "ip": e.ip, "target": e.target, "detail": e.detail}
                         for e in events],
    }
    for item in collect("bioatlas_personal_data"):
        out[item.name] = item.export(session, user_id=user.id)
    return out


def delete_user(session: Session, user: User) -> None:
    """Remove the account and anonymise every trace of it (one transaction, the caller commits)."""
    # the audit trail keeps what happened and when, not who nor what they typed (a refused value
    # may be personal); the rate-limit counters keyed by the address go in `accounts.deps.forget_account`
    session.execute(update(AuditEvent).where(AuditEvent.user_id == user.id).values(user_id=None, ip=None, detail=None))
    session.execute(update(RoleGrant).where(RoleGrant.granted_by == user.id).values(granted_by=None))
    for item in collect("bioatlas_personal_data"):
        item.erase(session, user_id=user.id)
    session.delete(user)
    session.flush()

"""Personal data: everything held about a user (export) and account deletion (anonymisation).

Facts a user contributed stay in the atlas: they were written under a source keyed
`user:<id>`, which deletion re-keys `user:deleted:<n>`, so the history keeps who-as-"anonymised
contributor", when, what; contributions keep their content with no author; audit events lose
the user id and the IP address. The atlas tables never hold a name or an address of a user, so
no search index holds one either."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bioatlas.accounts.models import AuditEvent, RoleGrant, User, UserSession
from bioatlas.atlas.service import find_source
from bioatlas.core.plugins import collect

USER_SOURCE_PREFIX = "user:"


def user_source_key(user_id: int) -> str:
    return f"{USER_SOURCE_PREFIX}{user_id}"


def export_user(session: Session, user: User) -> dict:
    """The account, its roles, sessions and audit events, then what every feature holds about the
    user (plug-in hook `bioatlas_personal_data`, one key per feature item)."""

    def iso(v):
        return v.isoformat() if v else None

    events = session.scalars(select(AuditEvent).where(AuditEvent.user_id == user.id).order_by(AuditEvent.id)).all()
    out = {
        "account": {"id": user.id, "email": user.email, "display_name": user.display_name,
                    "is_admin": user.is_admin, "email_verified_at": iso(user.email_verified_at),
                    "created_at": iso(user.created_at), "last_login_at": iso(user.last_login_at)},
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
    source = find_source(session, key=user_source_key(user.id))
    if source is not None:
        source.key = f"{USER_SOURCE_PREFIX}deleted:{source.id}"
        source.title = "Anonymised contributor"
    session.execute(update(AuditEvent).where(AuditEvent.user_id == user.id).values(user_id=None, ip=None))
    session.execute(update(RoleGrant).where(RoleGrant.granted_by == user.id).values(granted_by=None))
    for item in collect("bioatlas_personal_data"):
        item.erase(session, user_id=user.id)
    session.delete(user)
    session.flush()

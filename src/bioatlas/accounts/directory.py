"""Accounts for the other rooms (their public face): the audit log, users' names and addresses,
member roles, administrators, and the accounts demo and synthetic data create."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.accounts import audit
from bioatlas.accounts.credentials import check_display_name, check_email, email_key, get_user_by_email
from bioatlas.accounts.models import RoleGrant, User, now


def record_audit(session: Session, *, event: str, **fields) -> None:
    """Add an event to the one audit log, in the caller's transaction (fields: user_id, ip, target, detail)."""
    audit.record(session, event, **fields)


def record_audit_now(factory, *, event: str, **fields) -> None:
    """Add an event in a transaction of its own (refusals: kept even when the request fails)."""
    audit.record_now(factory, event, **fields)


def display_names(session: Session, *, user_ids) -> dict[int, str]:
    """The display name of each of these users that still exists."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).tuples().all())


def user_email(session: Session, *, user_id: int | None) -> str | None:
    """The e-mail address of a user, None when the account is gone."""
    user = session.get(User, user_id) if user_id is not None else None
    return user.email if user is not None else None


def grant_member(session: Session, *, user_id: int, actor_id: int, granted_by: int | None = None) -> None:
    """Make the user a member of the actor (idempotent; the caller's transaction)."""
    exists = session.scalar(select(RoleGrant).where(
        RoleGrant.user_id == user_id, RoleGrant.role == "member", RoleGrant.scope_kind == "actor",
        RoleGrant.scope_value == str(actor_id)))
    if exists is None:
        session.add(RoleGrant(user_id=user_id, role="member", scope_kind="actor", scope_value=str(actor_id),
                              granted_by=granted_by))


def member_actor_ids(session: Session, *, user_id: int) -> set[int]:
    """The actors the user is a member of (verified claims), for other rooms' checks (the
    conflict-of-interest check of reviews)."""
    values = session.scalars(select(RoleGrant.scope_value).where(
        RoleGrant.user_id == user_id, RoleGrant.role == "member", RoleGrant.scope_kind == "actor"))
    return {int(v) for v in values if v.isdigit()}


def actor_member_ids(session: Session, *, actor_id: int) -> set[int]:
    """The users who are members of the actor (verified claims), for other rooms' recipients
    (the one-stop shop's partner organisations)."""
    return set(session.scalars(select(RoleGrant.user_id).where(
        RoleGrant.role == "member", RoleGrant.scope_kind == "actor", RoleGrant.scope_value == str(actor_id))))


def admin_ids(session: Session) -> list[int]:
    """The platform administrators' accounts (escalations of other rooms go to them)."""
    return list(session.scalars(select(User.id).where(User.is_admin.is_(True)).order_by(User.id)))


def verified_user_by_email(session: Session, *, email: str) -> int | None:
    """The id of the account with this verified address, None when there is none."""
    user = get_user_by_email(session, email=email)
    return user.id if user is not None and user.email_verified_at is not None else None


def ensure_user(session: Session, *, email: str, display_name: str) -> User:
    """The account of this address, created verified and without a password when missing (demo
    and synthetic accounts: no password to guess; a reset link or OIDC is the way in)."""
    email = check_email(email)
    user = get_user_by_email(session, email=email)
    if user is None:
        user = User(email=email, email_key=email_key(email), display_name=check_display_name(display_name),
                    password_hash=None, is_admin=False, email_verified_at=now())
        session.add(user)
        session.flush()
    return user

"""Role grants by the administrators: give a role (editor of a region or a cluster, member of an
actor) to an account, withdraw it; each committed and audited."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bioatlas.accounts import audit
from bioatlas.accounts.credentials import AccountError, ConflictError, NotFoundError, get_user_by_email
from bioatlas.accounts.models import RoleGrant
from bioatlas.atlas.service import gazetteer, get_actor
from bioatlas.core.db import unit_of_work
from bioatlas.core.fields import FieldError


def _check_scope(session: Session, *, role: str, scope_kind: str, scope_value: str) -> None:
    if scope_kind == "region":
        if role != "editor" or scope_value not in gazetteer().regions:
            raise AccountError(f"scope_value: {scope_value!r} is not an INSEE region code (editor roles only)",
                               "scope_value", refusal=FieldError(
                                   "scope_value", "{value} is not an INSEE region code (editor roles only)",
                                   params={"value": repr(scope_value)}))
        return
    actor = get_actor(session, actor_id=int(scope_value)) if scope_value.isdigit() else None
    if actor is None:
        raise AccountError(f"scope_value: no actor with id {scope_value!r}", "scope_value", refusal=FieldError(
            "scope_value", "no actor with the number {value}", params={"value": repr(scope_value)}))
    if scope_kind == "cluster" and (role != "editor" or actor.kind != "cluster"):
        raise AccountError("scope_value: a cluster scope names an actor of kind cluster (editor role)", "scope_value",
                           refusal=FieldError("scope_value", "a cluster scope names an actor of kind cluster (editor role)"))
    if scope_kind == "actor" and role != "member":
        raise AccountError("scope_kind: an actor scope is for the member role", "scope_kind",
                           refusal=FieldError("scope_kind", "an actor scope is for the member role"))


def grant_role(session: Session, *, admin_id: int | None, email: str, role: str, scope_kind: str,
               scope_value: str, ip: str | None) -> RoleGrant:
    """Give a role to the account of this address. NotFoundError (no such account), AccountError
    (a scope that does not fit the role), ConflictError (already granted)."""
    with unit_of_work(session):
        user = get_user_by_email(session, email=email)
        if user is None:
            raise NotFoundError(f"no account with the address {email!r}", "email")
        _check_scope(session, role=role, scope_kind=scope_kind, scope_value=scope_value)
        row = RoleGrant(user_id=user.id, role=role, scope_kind=scope_kind, scope_value=scope_value,
                        granted_by=admin_id)
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            raise ConflictError("this user already has this role") from None
        audit.record(session, "role_granted", user_id=admin_id, ip=ip, target=f"user:{user.id}",
                     detail={"role": role, "scope_kind": scope_kind, "scope_value": scope_value})
    return row


def revoke_role(session: Session, *, admin_id: int | None, grant_id: int, ip: str | None) -> None:
    """Withdraw a role grant; NotFoundError when there is none with this id."""
    with unit_of_work(session):
        row = session.get(RoleGrant, grant_id)
        if row is None:
            raise NotFoundError(f"no role grant with id {grant_id}", "grant_id")
        audit.record(session, "role_revoked", user_id=admin_id, ip=ip, target=f"user:{row.user_id}",
                     detail={"role": row.role, "scope_kind": row.scope_kind, "scope_value": row.scope_value})
        session.delete(row)

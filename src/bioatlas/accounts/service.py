"""Account operations: sign-up, e-mail verification, login, sessions, password reset.

Secrets never stored in clear: passwords as argon2id hashes, session cookies and e-mailed
links as SHA-256 of a random token. Every e-mailed link is single-use and expires."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bioatlas.accounts import audit
from bioatlas.accounts.models import EmailToken, RoleGrant, User, UserSession, now
from bioatlas.accounts.personal import delete_user, export_user
from bioatlas.atlas.service import gazetteer, get_actor
from bioatlas.core.config import Settings
from bioatlas.core.db import make_sessionmaker, unit_of_work
from bioatlas.core.dialect import dialect_for
from bioatlas.core.text import unsafe_character
from bioatlas.notifications import service as notifications

EMAIL_RE = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
MIN_PASSWORD = 10
MAX_PASSWORD = 256
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password-used-for-timing")


def t(message: str) -> str:
    """Mark a message for the French catalog; the page translates it when it shows it."""
    return message


class AccountError(ValueError):
    """A refused account operation; `field` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class LoginRefused(AccountError):
    """Wrong credentials or an unconfirmed address (the message says which, for the visitor)."""


class NotFoundError(AccountError):
    """No such account or role grant."""


class ConflictError(AccountError):
    """The operation clashes with the current state (a role already granted)."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def email_key(email: str) -> str:
    return email.strip().lower()


def check_email(email: str) -> str:
    email = (email or "").strip()
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise AccountError(t("This e-mail address is not valid."), "email")
    return email


def check_password(password: str) -> str:
    if not (MIN_PASSWORD <= len(password or "") <= MAX_PASSWORD):
        raise AccountError(t("The password must have 10 to 256 characters."), "password")
    return password


def check_display_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not (1 <= len(name) <= 100) or any(c in name for c in "<>") or unsafe_character(name) is not None:
        raise AccountError(t("The display name must have 1 to 100 characters, without < or >."), "display_name")
    return name


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def get_user_by_email(session: Session, *, email: str) -> User | None:
    return session.scalar(select(User).where(User.email_key == email_key(email)))


def signup(session: Session, *, email: str, password: str, display_name: str) -> User | None:
    """Create an unverified account; None when the address already has one (the caller then
    mails its owner instead of telling the visitor, so addresses cannot be enumerated)."""
    email = check_email(email)
    check_password(password)
    display_name = check_display_name(display_name)
    if get_user_by_email(session, email=email) is not None:
        return None
    user = User(email=email, email_key=email_key(email), display_name=display_name,
                password_hash=hash_password(password), is_admin=False)
    session.add(user)
    session.flush()
    return user


def issue_token(session: Session, *, user: User, purpose: str, hours: int) -> str:
    raw = secrets.token_urlsafe(32)
    session.add(EmailToken(token_hash=digest(raw), user_id=user.id, purpose=purpose,
                           expires_at=now() + timedelta(hours=hours)))
    session.flush()
    return raw


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def consume_token(session: Session, *, raw: str, purpose: str) -> User:
    """The user of a valid, unused, unexpired link; marks it used. AccountError otherwise."""
    row = session.scalar(select(EmailToken).where(EmailToken.token_hash == digest(raw or "")))
    if row is None or row.purpose != purpose:
        raise AccountError(t("This link is not valid."), "token")
    if row.used_at is not None:
        raise AccountError(t("This link has already been used."), "token")
    if _aware(row.expires_at) < now():
        raise AccountError(t("This link has expired; ask for a new one."), "token")
    user = session.get(User, row.user_id)
    if user is None:
        raise AccountError(t("This link is not valid."), "token")
    row.used_at = now()
    return user


def verify_email(session: Session, *, raw: str) -> User:
    user = consume_token(session, raw=raw, purpose="verify")
    if user.email_verified_at is None:
        user.email_verified_at = now()
    return user


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The user if the password matches and the address is verified; constant work otherwise."""
    user = get_user_by_email(session, email=email or "")
    hashed = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    ok: bool
    try:
        ok = _hasher.verify(hashed, password or "")
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or user.password_hash is None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def reset_password(session: Session, *, raw: str, password: str) -> User:
    check_password(password)
    user = consume_token(session, raw=raw, purpose="reset")
    user.password_hash = hash_password(password)
    if user.email_verified_at is None:  # the link proves the address too
        user.email_verified_at = now()
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    return user


def create_session(session: Session, *, user: User, days: int) -> tuple[str, UserSession]:
    raw = secrets.token_urlsafe(32)
    row = UserSession(token_hash=digest(raw), user_id=user.id, csrf_token=secrets.token_urlsafe(32),
                      expires_at=now() + timedelta(days=days))
    session.add(row)
    user.last_login_at = now()
    session.flush()
    return raw, row


def lookup_session(session: Session, *, raw: str | None) -> UserSession | None:
    if not raw or len(raw) > 200:
        return None
    row = session.scalar(select(UserSession).where(UserSession.token_hash == digest(raw)))
    if row is None or _aware(row.expires_at) < now():
        return None
    return row


def end_session(session: Session, *, raw: str | None) -> None:
    if raw:
        session.execute(delete(UserSession).where(UserSession.token_hash == digest(raw)))


# Units of work of the account pages and API: each validates, writes, audits and commits (or
# rolls back everything), so the handlers only parse, call one of these and render.

def _deliver(session: Session, settings: Settings, mail_id: int) -> None:
    """Send a committed outbox mail at once; if the server fails, the outbox keeps it and the
    `notifications.deliver` task retries it (never lost, never a 503 for the visitor)."""
    notifications.deliver_outbox(make_sessionmaker(session.get_bind()), settings=settings, ids=[mail_id])


def get_user(session: Session, *, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"no account with id {user_id}")
    return user


def register(session: Session, *, settings: Settings, language: str, email: str, password: str,
             display_name: str, ip: str | None) -> None:
    """Sign-up: a new unverified account mailed its confirmation link, or, when the address has an
    account already, a mail to its owner (the visitor is told the same in both cases). The mail
    is queued in the outbox with the account, then sent. AccountError for a refused field."""
    with unit_of_work(session):
        user = signup(session, email=email, password=password, display_name=display_name)
        if user is None:
            existing = get_user_by_email(session, email=email)
            mail_id = notifications.send_now(session, to=existing.email if existing else email, kind="account.exists", language=language,
                                             context={"url": f"{settings.public_url}/account/reset"})
        else:
            token = issue_token(session, user=user, purpose="verify", hours=settings.email_token_hours)
            audit.record(session, "signup", user_id=user.id, ip=ip)
            mail_id = notifications.send_now(session, to=user.email, kind="account.verify", language=language,
                                             context={"url": f"{settings.public_url}/account/verify?token={token}"})
    _deliver(session, settings, mail_id)


def confirm_email(session: Session, *, token: str, ip: str | None) -> User:
    """Open an e-mailed confirmation link; AccountError (kept in the audit log) when it is not valid."""
    try:
        with unit_of_work(session):
            user = verify_email(session, raw=token)
            audit.record(session, "email_verified", user_id=user.id, ip=ip)
    except AccountError as exc:
        audit.record_aside(session, "refused", ip=ip, target="verify", detail=str(exc))
        raise
    return user


def log_in(session: Session, *, email: str, password: str, old_token: str | None, days: int,
           ip: str | None) -> str:
    """A new session token for a verified account (the old one, if any, is ended: no session
    fixation); LoginRefused (kept in the audit log) otherwise."""
    with unit_of_work(session):
        user = authenticate(session, email=email, password=password)
        if user is None or user.email_verified_at is None:
            session.rollback()
            audit.record_aside(session, "login_failed", user_id=user.id if user else None, ip=ip,
                               detail="unverified address" if user is not None else "bad credentials")
            raise LoginRefused(t("Confirm your address first: open the link we sent you.") if user is not None
                               else t("Wrong e-mail address or password."), "email")
        end_session(session, raw=old_token)
        raw, _row = create_session(session, user=user, days=days)
        audit.record(session, "login", user_id=user.id, ip=ip)
    return raw


def oidc_log_in(session: Session, *, email: str, name: str | None, old_token: str | None, days: int,
                ip: str | None) -> str:
    """A session for an address the OpenID Connect provider verified: the account is created
    (verified, no password) on first login, or marked verified. AccountError for an invalid address."""
    email = check_email(email)
    with unit_of_work(session):
        user = get_user_by_email(session, email=email)
        if user is None:
            try:
                name = check_display_name(name or email.split("@")[0])
            except AccountError:
                name = email.split("@")[0][:100]
            user = User(email=email, email_key=email_key(email), display_name=name, password_hash=None,
                        is_admin=False, email_verified_at=now())
            session.add(user)
            session.flush()
            audit.record(session, "signup", user_id=user.id, ip=ip, detail="oidc")
        elif user.email_verified_at is None:
            # Someone signed up with this address and never proved it: the provider has just proved
            # it belongs to the person logging in, so whatever the first comer set is theirs, not
            # the owner's. Drop the password, end every session, reset the profile.
            user.email_verified_at = now()
            user.password_hash = None
            session.execute(delete(UserSession).where(UserSession.user_id == user.id))
            try:
                user.display_name = check_display_name(name or email.split("@")[0])
            except AccountError:
                user.display_name = email.split("@")[0][:100]
            audit.record(session, "account_reclaimed", user_id=user.id, ip=ip,
                         detail="oidc verified an unverified address: password, sessions and name reset")
        end_session(session, raw=old_token)
        raw, _row = create_session(session, user=user, days=days)
        audit.record(session, "login", user_id=user.id, ip=ip, detail="oidc")
    return raw


def log_out(session: Session, *, token: str | None, user_id: int, ip: str | None) -> None:
    with unit_of_work(session):
        end_session(session, raw=token)
        audit.record(session, "logout", user_id=user_id, ip=ip)


def request_reset(session: Session, *, settings: Settings, language: str, email: str) -> None:
    """Mail a password-reset link when an account uses this address (silently nothing otherwise,
    so addresses cannot be enumerated); queued in the outbox, then sent."""
    with unit_of_work(session):
        user = get_user_by_email(session, email=email) if email else None
        if user is None:
            return
        token = issue_token(session, user=user, purpose="reset", hours=settings.email_token_hours)
        mail_id = notifications.send_now(session, to=user.email, kind="account.reset", language=language,
                                         context={"url": f"{settings.public_url}/account/reset/confirm?token={token}"})
    _deliver(session, settings, mail_id)


def confirm_reset(session: Session, *, token: str, password: str, ip: str | None) -> User:
    """Set a new password from an e-mailed link; AccountError (kept in the audit log) when refused."""
    try:
        with unit_of_work(session):
            user = reset_password(session, raw=token, password=password)
            audit.record(session, "password_reset", user_id=user.id, ip=ip)
    except AccountError as exc:
        audit.record_aside(session, "refused", ip=ip, target="reset", detail=str(exc))
        raise
    return user


def my_data(session: Session, *, user_id: int) -> dict:
    """Everything held about the user (account, roles, sessions, audit events, every feature's)."""
    return export_user(session, get_user(session, user_id=user_id))


def delete_account(session: Session, *, user_id: int, password: str, ip: str | None) -> str:
    """Delete the account and anonymise its traces once the owner confirms: with the password, or,
    for an account without one (created through OpenID Connect), by typing its e-mail address.
    AccountError (kept in the audit log) when the confirmation is wrong. Returns the address's key
    (for the caller to forget the rate-limit counters keyed by it)."""
    with unit_of_work(session):
        user = get_user(session, user_id=user_id)
        if user.password_hash is None:
            confirmed = email_key(password.strip()) == user.email_key if password.strip() else False
        else:
            confirmed = authenticate(session, email=user.email, password=password) is not None
        if not confirmed:
            session.rollback()
            audit.record_aside(session, "refused", user_id=user_id, ip=ip, target="account delete",
                               detail="wrong confirmation")
            message = ("Wrong password: the account was not deleted." if user.password_hash is not None
                       else "Type your e-mail address to confirm: the account was not deleted.")
            raise AccountError(t(message), "password")
        key = user.email_key
        delete_user(session, user)
        audit.record(session, "account_deleted", detail="an account was deleted")
    dialect_for(session).flush_erased(session.get_bind())
    return key


def _check_scope(session: Session, *, role: str, scope_kind: str, scope_value: str) -> None:
    if scope_kind == "region":
        if role != "editor" or scope_value not in gazetteer().regions:
            raise AccountError(f"scope_value: {scope_value!r} is not an INSEE region code (editor roles only)",
                               "scope_value")
        return
    actor = get_actor(session, actor_id=int(scope_value)) if scope_value.isdigit() else None
    if actor is None:
        raise AccountError(f"scope_value: no actor with id {scope_value!r}", "scope_value")
    if scope_kind == "cluster" and (role != "editor" or actor.kind != "cluster"):
        raise AccountError("scope_value: a cluster scope names an actor of kind cluster (editor role)", "scope_value")
    if scope_kind == "actor" and role != "member":
        raise AccountError("scope_kind: an actor scope is for the member role", "scope_kind")


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


# --- for other rooms: the audit log, users' names, member roles (their public face) -------------


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

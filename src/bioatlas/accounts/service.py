"""Account operations: sign-up, e-mail verification, login, sessions, password reset, the
account's data and deletion, role grants; and the accounts' face for the other rooms.

The building blocks (checks, errors, tokens, passwords, sessions) are in `credentials`, role
grants in `roles`, what the other rooms read and write (audit log, names, member roles) in
`directory`; this module is the room's interface and holds the units of work of the account
pages and API."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bioatlas.accounts import audit
from bioatlas.accounts.credentials import (
    EMAIL_RE,
    MAX_PASSWORD,
    MIN_PASSWORD,
    AccountError,
    ConflictError,
    LoginRefused,
    NotFoundError,
    authenticate,
    check_display_name,
    check_email,
    check_password,
    consume_token,
    create_session,
    digest,
    email_key,
    end_session,
    get_user_by_email,
    hash_password,
    issue_token,
    lookup_session,
    reset_password,
    signup,
    t,
    verify_email,
)
from bioatlas.accounts.directory import (
    actor_member_ids,
    admin_ids,
    display_names,
    ensure_user,
    grant_member,
    member_actor_ids,
    record_audit,
    record_audit_now,
    user_email,
    verified_user_by_email,
)
from bioatlas.accounts.models import User, UserSession, now
from bioatlas.accounts.personal import delete_user, export_user
from bioatlas.accounts.roles import grant_role, revoke_role
from bioatlas.core.config import Settings
from bioatlas.core.db import make_sessionmaker, unit_of_work
from bioatlas.core.dialect import dialect_for
from bioatlas.core.i18n import LANGUAGES
from bioatlas.core.moments import zone_names
from bioatlas.notifications import service as notifications

__all__ = [  # noqa: RUF022  (grouped by purpose)
    "EMAIL_RE", "MIN_PASSWORD", "MAX_PASSWORD", "t", "AccountError", "LoginRefused", "NotFoundError",
    "ConflictError", "digest", "email_key", "check_email", "check_password", "check_display_name", "hash_password",
    "get_user_by_email", "signup", "issue_token", "consume_token", "verify_email", "authenticate", "reset_password",
    "create_session", "lookup_session", "end_session", "get_user", "register", "confirm_email", "log_in",
    "oidc_log_in", "log_out", "request_reset", "confirm_reset", "my_data", "delete_account", "grant_role",
    "revoke_role", "record_audit", "record_audit_now", "display_names", "user_email", "grant_member",
    "member_actor_ids", "actor_member_ids", "admin_ids", "verified_user_by_email", "ensure_user",
    "set_language", "LANGUAGES", "set_time_zone",
]


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
    is queued in the outbox with the account, then sent. The account keeps the page's `language`
    (its notifications and e-mails are in it). AccountError for a refused field."""
    with unit_of_work(session):
        user = signup(session, email=email, password=password, display_name=display_name)
        if user is None:
            existing = get_user_by_email(session, email=email)
            mail_id = notifications.send_now(session, to=existing.email if existing else email, kind="account.exists",
                                             language=existing.language if existing else language,
                                             context={"url": f"{settings.public_url}/account/reset"})
        else:
            user.language = language if language in LANGUAGES else "fr"
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
           ip: str | None, language: str | None = None) -> str:
    """A new session token for a verified account (the old one, if any, is ended: no session
    fixation); LoginRefused (kept in the audit log) otherwise. `language`: the one this browser
    chose before signing in (its `lang` cookie), which the account then keeps."""
    with unit_of_work(session):
        user = authenticate(session, email=email, password=password)
        if user is None or user.email_verified_at is None:
            session.rollback()
            audit.record_aside(session, "login_failed", user_id=user.id if user else None, ip=ip,
                               detail="unverified address" if user is not None else "bad credentials")
            raise LoginRefused(t("Confirm your address first: open the link we sent you.") if user is not None
                               else t("Wrong e-mail address or password."), "email")
        if language in LANGUAGES:
            user.language = language
        end_session(session, raw=old_token)
        raw, _row = create_session(session, user=user, days=days)
        audit.record(session, "login", user_id=user.id, ip=ip)
    return raw


def set_language(session: Session, *, user_id: int, language: str) -> None:
    """The account's language (its notifications, e-mails, and pages without a `lang` cookie);
    AccountError naming the field `language` for anything but "fr" or "en"."""
    if language not in LANGUAGES:
        raise AccountError(t("Choose the notification language: French or English."), "language")
    with unit_of_work(session):
        get_user(session, user_id=user_id).language = language


def set_time_zone(session: Session, *, user_id: int, time_zone: str) -> None:
    """The zone the account's pages show times in (an IANA name, e.g. "Europe/Paris");
    AccountError naming the field `time_zone` for a name that is not one."""
    if time_zone not in zone_names():
        raise AccountError(t("Choose a time zone from the list."), "time_zone")
    with unit_of_work(session):
        get_user(session, user_id=user_id).time_zone = time_zone


def oidc_log_in(session: Session, *, email: str, name: str | None, old_token: str | None, days: int,
                ip: str | None, language: str | None = None, page_language: str | None = None) -> str:
    """A session for an address the OpenID Connect provider verified: the account is created
    (verified, no password) on first login, or marked verified. `language`: as for `log_in`;
    `page_language`: the page's (`?lang=`, the cookie, else the browser's `Accept-Language`), which
    a new account takes, as a sign-up with a password does (was French unless the cookie said).
    AccountError for an invalid address."""
    email = check_email(email)
    with unit_of_work(session):
        user = get_user_by_email(session, email=email)
        if user is None:
            try:
                name = check_display_name(name or email.split("@")[0])
            except AccountError:
                name = email.split("@")[0][:100]
            user = User(email=email, email_key=email_key(email), display_name=name, password_hash=None,
                        is_admin=False, email_verified_at=now(),
                        language=page_language if page_language in LANGUAGES else "fr")
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
        if language in LANGUAGES:
            user.language = language
        end_session(session, raw=old_token)
        raw, _row = create_session(session, user=user, days=days)
        audit.record(session, "login", user_id=user.id, ip=ip, detail="oidc")
    return raw


def log_out(session: Session, *, token: str | None, user_id: int, ip: str | None) -> None:
    with unit_of_work(session):
        end_session(session, raw=token)
        audit.record(session, "logout", user_id=user_id, ip=ip)


def request_reset(session: Session, *, settings: Settings, email: str) -> None:
    """Mail a password-reset link, in the account's language, when an account uses this address
    (silently nothing otherwise, so addresses cannot be enumerated); queued in the outbox, then sent."""
    with unit_of_work(session):
        user = get_user_by_email(session, email=email) if email else None
        if user is None:
            return
        token = issue_token(session, user=user, purpose="reset", hours=settings.email_token_hours)
        mail_id = notifications.send_now(session, to=user.email, kind="account.reset", language=user.language,
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

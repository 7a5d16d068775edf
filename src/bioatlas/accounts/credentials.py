"""The building blocks of accounts, in the caller's transaction: the checks of an address, a
password and a display name, the errors (`AccountError` and its kinds), sign-up, e-mailed
single-use links, password checks (argon2id) and session tokens.

Secrets never stored in clear: passwords as argon2id hashes, session cookies and e-mailed
links as SHA-256 of a random token. Every e-mailed link is single-use and expires."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta, timezone
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bioatlas.accounts.models import EmailToken, User, UserSession, now
from bioatlas.core.fields import FieldError
from bioatlas.core.text import unsafe_character

EMAIL_RE = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
MIN_PASSWORD = 10
MAX_PASSWORD = 256
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the account does not exist (the same work either way);
    computed at the first login, not when the module is imported."""
    return _hasher.hash("not-a-real-password-used-for-timing")


def t(message: str) -> str:
    """Mark a message for the French catalog; the page translates it when it shows it."""
    return message


class AccountError(ValueError):
    """A refused account operation; `field` names the form field at fault. The message is a
    message id (marked with `t`) unless `refusal` is given: then that FieldError (a message id
    with params) is what the reader sees, in their language, and the message stays the English text."""

    def __init__(self, message: str, field: str | None = None, *, refusal: FieldError | None = None):
        super().__init__(message)
        self.field = field
        self.refusal = refusal

    def as_refusal(self, field: str = "") -> FieldError:
        """The refusal to show the reader: `refusal`, else the message (a message id) naming the field."""
        return self.refusal or FieldError(self.field or field, str(self))


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
    hashed = user.password_hash if user is not None and user.password_hash else _dummy_hash()
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



"""Users, their sessions, single-use e-mail tokens, role grants and the audit log."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bioatlas.core.db import Base


def now() -> datetime:
    return datetime.now(timezone.utc)


class User(Base):
    """A registered person. `email_key` is the lower-cased address (unique); no role lives here
    except `is_admin`, which only the CLI or another admin sets."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the account's language ("fr" or "en"): its notifications and e-mails, and its pages when the
    # browser has no `lang` cookie (set at sign-up, by the `?lang=` switch, on the account page)
    language: Mapped[str] = mapped_column(String(5), default="fr", server_default="fr")
    # the zone its pages show times in (an IANA name; the sector is French: Europe/Paris by default)
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Paris", server_default="Europe/Paris")
    roles: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", foreign_keys="RoleGrant.user_id"
    )


class UserSession(Base):
    """A server-side session: the cookie holds a random token, the table its SHA-256, so a
    stolen database does not yield live cookies and logout really ends the session."""

    __tablename__ = "user_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    user: Mapped[User] = relationship()


class EmailToken(Base):
    """A single-use link sent by e-mail: `verify` (address) or `reset` (password)."""

    __tablename__ = "email_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RoleGrant(Base):
    """A scoped role: `editor` of a region (scope_kind "region", INSEE code) or of a cluster
    (scope_kind "cluster", the cluster's actor id), or `member` of an actor (scope_kind "actor")."""

    __tablename__ = "role_grants"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "scope_kind", "scope_value", name="uq_role_grants_user_role_scope"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    scope_kind: Mapped[str] = mapped_column(String(20))
    scope_value: Mapped[str] = mapped_column(String(40))
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])


class AuditEvent(Base):
    """A security-relevant event: login, failed login, role change, merge, export, refusal…"""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_event_at", "event", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    event: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)


class RateLimitHit(Base):
    """One counted attempt (login, sign-up, proposal) of a rate-limit key, shared by every worker
    process. `key` is a keyed hash of "bucket:ip:…" / "bucket:account:…": no address is stored."""

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_key_at", "key", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

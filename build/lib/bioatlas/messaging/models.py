"""The tables of messaging: threads (with the context of the room that opened them), their
members (read and notification high-water marks, mute), messages, blocks, reports and each
user's messaging settings (read receipts, off by default)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bioatlas.core.db import Base

STATUSES = ("request", "accepted", "declined")
REPORT_STATUSES = ("open", "resolved")


def now() -> datetime:
    return datetime.now(timezone.utc)


class Thread(Base):
    """A conversation. `status`: a `request` (opened by a stranger: only the opener's first
    message, until another member accepts), `accepted`, or `declined`. The context says which
    room opened it ("event" 42, "interest" 7, "case" 3), with a label and a local URL."""

    __tablename__ = "messaging_threads"
    __table_args__ = (Index("ix_messaging_threads_context", "context_kind", "context_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="request")
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    context_kind: Mapped[str | None] = mapped_column(String(40))
    context_id: Mapped[str | None] = mapped_column(String(64))
    context_label: Mapped[str | None] = mapped_column(String(200))
    context_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    last_message_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ThreadMember(Base):
    """A user in a thread. `last_read_at`: the newest message they saw; `last_notified_at`: the
    newest message they were told about (the high-water mark: later messages are told next
    time, none is dropped); `muted`: no notification for this thread."""

    __tablename__ = "messaging_members"
    thread_id: Mapped[int] = mapped_column(ForeignKey("messaging_threads.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    last_read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    muted: Mapped[bool] = mapped_column(Boolean, default=False)


class Message(Base):
    """One message: plain text (escaped on display), at most `service.MAX_BODY` characters.
    `deleted_at`: erased with its author's account (the body then says so)."""

    __tablename__ = "messaging_messages"
    __table_args__ = (Index("ix_messaging_messages_thread_created", "thread_id", "created_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("messaging_threads.id", ondelete="CASCADE"))
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Block(Base):
    """`blocker_id` refuses messages and new threads from `blocked_id`."""

    __tablename__ = "messaging_blocks"
    blocker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    blocked_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Report(Base):
    """A message reported to the administrators, with a copy of its text at the time (admins do
    not read threads: they read what was reported), then resolved with a note."""

    __tablename__ = "messaging_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messaging_messages.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    body_copy: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Setting(Base):
    """A user's messaging settings; no row: the defaults (read receipts off)."""

    __tablename__ = "messaging_settings"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    read_receipts: Mapped[bool] = mapped_column(Boolean, default=False)

"""Events and their B2B meetings: the event (dates, venue, organiser actors, the organisers'
scheduling settings), participants (an account and its actor, a category, representatives,
availability), meeting requests (priority, accept/decline, a slot the organiser fixed), schedule
runs (a background job's result: a draft until an organiser publishes it) and their meetings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bioatlas.accounts.models import now
from bioatlas.core.db import Base

CATEGORIES = ("industry", "academia", "startup", "investor", "patient_association", "public_body", "student")
PRIORITIES = ("must", "like")
REQUEST_STATUSES = ("pending", "accepted", "declined", "cancelled")
RUN_STATUSES = ("queued", "running", "done", "failed")


class Event(Base):
    """`settings`: the organisers' scheduling settings, a JSON document checked by
    `events.settings.clean` (slot minutes, sessions per day with start and end, tables, fairness,
    forbidden slots). The venue is a place on the map (its own coordinates, optionally an atlas
    actor's site). `synthetic`: a demo event, labelled."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    venue_name: Mapped[str] = mapped_column(String(200), default="")
    venue_city: Mapped[str] = mapped_column(String(120), default="")
    venue_lat: Mapped[float | None] = mapped_column(Float)
    venue_lon: Mapped[float | None] = mapped_column(Float)
    venue_actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="SET NULL"))
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class EventOrganiser(Base):
    """An organising actor; the members of that actor organise the event."""

    __tablename__ = "event_organisers"
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True)


class Participant(Base):
    """A registered participant: an account (None for the demo's synthetic participants), the
    actor it represents, its category, how many representatives meet at once, the slots it is
    away (`unavailable`: slot indexes)."""

    __tablename__ = "event_participants"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="SET NULL"))
    display_name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(24))
    representatives: Mapped[int] = mapped_column(Integer, default=1)
    unavailable: Mapped[list] = mapped_column(JSON, default=list)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class MeetingRequest(Base):
    """A one-to-one meeting request; accepted ones are scheduled. `fixed_slot`: the slot an
    organiser placed it in (kept by every re-scheduling)."""

    __tablename__ = "event_meeting_requests"
    __table_args__ = (UniqueConstraint("event_id", "from_id", "to_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    from_id: Mapped[int] = mapped_column(ForeignKey("event_participants.id", ondelete="CASCADE"))
    to_id: Mapped[int] = mapped_column(ForeignKey("event_participants.id", ondelete="CASCADE"))
    priority: Mapped[str] = mapped_column(String(8), default="like")
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    fixed_slot: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ScheduleRun(Base):
    """One scheduling job. `status` of the job (queued, running, done, failed with `error`);
    `outcome` of the solver (optimal, feasible, infeasible, unknown) with its figures and
    `conflicts`; `progress`: the last figures seen while it runs. A done run is a draft until
    `published_at`; publishing one unpublishes the previous (one published schedule per event)."""

    __tablename__ = "event_schedule_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="queued")
    outcome: Mapped[str | None] = mapped_column(String(12))
    requested: Mapped[int] = mapped_column(Integer, default=0)
    placed: Mapped[int] = mapped_column(Integer, default=0)
    total_breaks: Mapped[int | None] = mapped_column(Integer)
    bound: Mapped[int | None] = mapped_column(Integer)
    conflicts: Mapped[list] = mapped_column(JSON, default=list)
    progress: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    time_limit: Mapped[float] = mapped_column(Float, default=60.0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ScheduledMeeting(Base):
    __tablename__ = "event_scheduled_meetings"
    run_id: Mapped[int] = mapped_column(ForeignKey("event_schedule_runs.id", ondelete="CASCADE"), primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("event_meeting_requests.id", ondelete="CASCADE"), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer)
    table_no: Mapped[int] = mapped_column(Integer)

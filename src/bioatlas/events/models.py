"""Events and their B2B meetings: the event (dates, venue, organiser actors, the organisers'
scheduling settings), participants (an account and its actor, a category, representatives,
availability), meeting requests (priority, accept/decline, a slot the organiser fixed), schedule
runs (a background job's result: a draft until an organiser publishes it) and their meetings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from bioatlas.accounts.models import now
from bioatlas.core.db import Base

CATEGORIES = ("industry", "academia", "startup", "investor", "patient_association", "public_body", "student")
PRIORITIES = ("must", "like")
REQUEST_STATUSES = ("pending", "accepted", "declined", "cancelled")
RUN_STATUSES = ("queued", "running", "done", "failed")
REGISTRATION_STATUSES = ("registered", "waiting", "cancelled")
SESSION_KINDS = ("plenary", "round_table", "pitch", "workshop", "talk", "networking")
SPEAKER_ROLES = ("speaker", "moderator", "chair", "panellist", "keynote", "pitcher")
ALL_CATEGORIES = "*"  # the capacity row of the whole event


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
    # registration: `registered` (counted, takes part), `waiting` (the waiting list, in order of
    # `created_at`), `cancelled`; the badge's check-in time (who scanned it: the audit log)
    status: Mapped[str] = mapped_column(String(12), default="registered", server_default="registered", index=True)
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Capacity(Base):
    """A registration limit: of the whole event (`category` "*") or of one category."""

    __tablename__ = "event_capacities"
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(String(24), primary_key=True)
    capacity: Mapped[int] = mapped_column(Integer)


class ProgrammeSession(Base):
    """A session of the programme: a kind (plenary, round table, pitch, workshop, …), a track, a
    room, its start and end (the venue's local time); two sessions of one room never overlap."""

    __tablename__ = "event_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(24))
    track: Mapped[str] = mapped_column(String(120), default="")
    room: Mapped[str] = mapped_column(String(120))
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    description: Mapped[str] = mapped_column(Text, default="")


class Speaker(Base):
    """A speaker of a session: a name, an affiliation, the atlas actor when it is one, the account
    of the person when it is a participant of the event (`user_id`), and for an entry of a pitch
    session the pitch application it stands for (`pitch_application_id`; see `speakers`). A pitch is
    an entry of one session only: the database holds it (a unique index on the linked entries), not
    only the form's check."""

    __tablename__ = "event_speakers"
    __table_args__ = (
        Index("uq_event_speakers_pitch_application_id", "pitch_application_id", unique=True,
              sqlite_where=text("pitch_application_id IS NOT NULL"),
              postgresql_where=text("pitch_application_id IS NOT NULL")),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("event_sessions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    affiliation: Mapped[str] = mapped_column(String(300), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    pitch_application_id: Mapped[int | None] = mapped_column(
        ForeignKey("event_pitch_applications.id", ondelete="CASCADE"))
    # the part the speaker plays in the session (`SPEAKER_ROLES`), shown in the programme
    role: Mapped[str] = mapped_column(String(24), default="speaker", server_default="speaker")


class SessionChoice(Base):
    """A session a participant put in its own agenda."""

    __tablename__ = "event_session_choices"
    participant_id: Mapped[int] = mapped_column(ForeignKey("event_participants.id", ondelete="CASCADE"),
                                                primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("event_sessions.id", ondelete="CASCADE"), primary_key=True)


class Exhibitor(Base):
    """An exhibitor's booth, tied to its atlas actor; `village`: in the innovation village
    (start-ups)."""

    __tablename__ = "event_exhibitors"
    __table_args__ = (UniqueConstraint("event_id", "actor_id", name="uq_event_exhibitors_actor"),
                      UniqueConstraint("event_id", "booth", name="uq_event_exhibitors_booth"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    booth: Mapped[str] = mapped_column(String(20))
    village: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(String(500), default="")
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

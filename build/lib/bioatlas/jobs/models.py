"""`job_runs`: one row per job of the task queue (retries update the same row), written by the
process that enqueues it (queued) and by the worker through huey's signals (running, retrying,
done, failed). The queue's own storage (a SQLite file, Redis, or huey_* tables on PostgreSQL)
holds the pending work; this table is what administrators read."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bioatlas.core.db import Base

STATUSES = ("queued", "running", "retrying", "done", "failed")
# huey's tables when BIOATLAS_JOBS_URL points at the application's PostgreSQL database: created by
# huey itself, outside the models and the migrations
UNMANAGED = {"huey_kv", "huey_schedule", "huey_task", "huey_counter"}
Base.metadata.info.setdefault("unmanaged", set()).update(UNMANAGED)


def now() -> datetime:
    return datetime.now(timezone.utc)


class JobRun(Base):
    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_enqueued_at", "enqueued_at"), Index("ix_job_runs_status", "status"))

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # huey's task id
    task: Mapped[str] = mapped_column(String(120))
    args: Mapped[str] = mapped_column(String(500), default="")  # a summary, secrets masked
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    enqueued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

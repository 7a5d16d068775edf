"""The events room's background task `events.schedule`: one scheduling run (see
`service.run_schedule`)."""

from __future__ import annotations

from bioatlas.events import service
from bioatlas.jobs.service import current_sessions


def schedule(*, run_id: int) -> str:
    return service.run_schedule(current_sessions(), run_id=run_id)

"""The queue's own periodic task: forget finished jobs after 30 days."""

from __future__ import annotations

from bioatlas.core.db import transaction
from bioatlas.jobs.service import current_sessions, prune

KEEP_DAYS = 30


def prune_runs() -> int:
    """Delete finished jobs older than KEEP_DAYS from `job_runs`."""
    with transaction(current_sessions()) as session:
        return prune(session, days=KEEP_DAYS)

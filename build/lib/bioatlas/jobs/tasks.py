"""The queue's own periodic task: forget finished jobs after 30 days, and the successful runs of
periodic tasks (some run every minute) after a day."""

from __future__ import annotations

from bioatlas.core.db import transaction
from bioatlas.jobs.service import current_sessions, current_settings, prune, queue_for

KEEP_DAYS = 30
KEEP_PERIODIC_DAYS = 1


def prune_runs() -> int:
    """Delete old finished jobs from `job_runs`; returns how many."""
    periodic = [name for name, spec in queue_for(current_settings()).specs.items() if spec.schedule]
    with transaction(current_sessions()) as session:
        return prune(session, days=KEEP_DAYS, periodic=periodic, periodic_days=KEEP_PERIODIC_DAYS)

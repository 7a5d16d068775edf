"""The job board's daily task `jobboard.close_expired`: close the offers past their expiry."""

from __future__ import annotations

from bioatlas.jobboard import service
from bioatlas.jobs.service import current_sessions


def close_expired() -> str:
    with current_sessions()() as session:
        return f"{service.close_expired(session)} offers closed"

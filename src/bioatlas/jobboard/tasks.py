"""The job board's daily tasks: `jobboard.close_expired` closes the offers past their expiry,
`jobboard.remind_expiring` tells their authors a week before."""

from __future__ import annotations

from bioatlas.jobboard import service
from bioatlas.jobs.service import current_sessions


def close_expired() -> str:
    with current_sessions()() as session:
        return f"{service.close_expired(session)} offers closed"


def remind_expiring() -> str:
    with current_sessions()() as session:
        return f"{service.remind_expiring(session)} authors reminded"

"""Background task `oneshop.daily`: reminders of untouched requests, escalation, and the
anonymisation of closed cases past the retention period (`service.remind`, `anonymise_closed`)."""

from __future__ import annotations

from bioatlas.core.db import unit_of_work
from bioatlas.jobs.service import current_sessions
from bioatlas.oneshop import service


def daily() -> dict[str, int]:
    with current_sessions()() as session, unit_of_work(session):
        counts = service.remind(session)
        counts["anonymised"] = service.anonymise_closed(session)
    return counts

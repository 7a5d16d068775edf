"""Personal data held by the events room (hook `bioatlas_personal_data`): registrations,
availability, meeting requests."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bioatlas.events import service


def export(session: Session, *, user_id: int) -> list[dict]:
    return service.export_personal(session, user_id=user_id)


def erase(session: Session, *, user_id: int) -> None:
    service.erase_personal(session, user_id=user_id)

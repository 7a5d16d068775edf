"""Personal data held by partner search (hook `bioatlas_personal_data`): the opportunities a
user wrote, their expressions of interest (erased with the account)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bioatlas.opportunities import service


def export(session: Session, *, user_id: int) -> list[dict]:
    return service.export_personal(session, user_id=user_id)


def erase(session: Session, *, user_id: int) -> None:
    service.erase_personal(session, user_id=user_id)

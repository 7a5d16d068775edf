"""Personal data held by the one-stop shop (hook `bioatlas_personal_data`): cases, notes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bioatlas.oneshop import service


def export(session: Session, *, user_id: int) -> list[dict]:
    return service.export_personal(session, user_id=user_id)


def erase(session: Session, *, user_id: int) -> None:
    service.erase_personal(session, user_id=user_id)

"""Personal data held by the capacity room (hook `bioatlas_personal_data`): who last edited or
reviewed a profile, and an e-mail contact route a member typed (it may name them)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bioatlas.capacity import service


def export(session: Session, *, user_id: int) -> list[dict]:
    return service.export_personal(session, user_id=user_id)


def erase(session: Session, *, user_id: int) -> None:
    service.erase_personal(session, user_id=user_id)

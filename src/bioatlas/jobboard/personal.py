"""Personal data held by the job board (hook `bioatlas_personal_data`): the offers a user
published (their author link), the apply e-mail they typed, their saved searches."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bioatlas.jobboard import service


def export(session: Session, *, user_id: int) -> dict:
    return service.export_personal(session, user_id=user_id)


def erase(session: Session, *, user_id: int) -> None:
    service.erase_personal(session, user_id=user_id)

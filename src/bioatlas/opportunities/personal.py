"""Personal data held by partner search (hook `bioatlas_personal_data`): the opportunities a
user wrote, their expressions of interest and saved searches (erased with the account)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.opportunities.alerts import alerts_of
from bioatlas.opportunities.models import Alert, Interest, Opportunity


def export_personal(session: Session, *, user_id: int) -> list[dict]:
    rows: list[dict] = [{"opportunity_id": o.id, "role": "author", "title": o.title_fr or o.title_en,
                         "status": o.status} for o in session.scalars(
        select(Opportunity).where(Opportunity.author_id == user_id).order_by(Opportunity.id))]
    rows += [{"opportunity_id": i.opportunity_id, "role": "expression of interest", "what": i.what, "why": i.why,
              "message": i.message, "status": i.status, "created_at": i.created_at.isoformat() if i.created_at else None}
             for i in session.scalars(select(Interest).where(Interest.user_id == user_id).order_by(Interest.id))]
    rows += [{"role": "saved search", "direction": a.direction, "kind": a.kind, "modalities": a.modalities,
              "regions": a.regions} for a in alerts_of(session, user_id=user_id)]
    return rows


def erase_personal(session: Session, *, user_id: int) -> None:
    """Forget the user (the caller commits): their expressions of interest and saved searches
    go; the opportunities they wrote stay with their actor, unsigned."""
    for a in session.scalars(select(Alert).where(Alert.user_id == user_id)):
        session.delete(a)
    for i in session.scalars(select(Interest).where(Interest.user_id == user_id)):
        session.delete(i)
    for o in session.scalars(select(Opportunity).where(
            (Opportunity.author_id == user_id) | (Opportunity.reviewed_by == user_id))):
        if o.author_id == user_id:
            o.author_id = None
        if o.reviewed_by == user_id:
            o.reviewed_by = None
    for i in session.scalars(select(Interest).where(Interest.answered_by == user_id)):
        i.answered_by = None


export, erase = export_personal, erase_personal

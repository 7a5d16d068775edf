"""Closing a case, retention (closed cases anonymised after the period), personal data."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts
from bioatlas.oneshop.checks import (
    ANONYMISED,
    RETENTION_DAYS,
    NotFound,
    aware,
    field_choice,
    now,
)
from bioatlas.oneshop.models import (
    OUTCOMES,
    Case,
    Document,
    DocumentShare,
    Need,
    Note,
    RoutedRequest,
)


def close_case(session: Session, *, case_id: int, outcome: str, user_id: int | None) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    case.outcome = field_choice({"outcome": outcome}, "outcome", OUTCOMES)
    case.status, case.closed_at = "closed", now()
    accounts.record_audit(session, event="oneshop.closed", user_id=user_id, target=f"oneshop_case:{case_id}",
                          detail=outcome)
    return case


def _anonymise(session: Session, case: Case) -> None:
    case.company_name = case.contact_name = ANONYMISED
    case.email = case.email_key = f"{ANONYMISED}-{case.id}@invalid"
    case.siret, case.description, case.user_id, case.verify_digest = None, "", None, None
    case.anonymised_at = now()
    for need in session.scalars(select(Need).where(Need.case_id == case.id)):
        need.detail = ""
    for r in session.scalars(select(RoutedRequest).where(RoutedRequest.case_id == case.id)):
        r.satisfaction_comment = None
    ids = list(session.scalars(select(RoutedRequest.id).where(RoutedRequest.case_id == case.id)))
    session.execute(delete(Note).where(Note.request_id.in_(ids)))
    docs = select(Document.id).where(Document.case_id == case.id)
    session.execute(delete(DocumentShare).where(DocumentShare.document_id.in_(docs)))
    session.execute(delete(Document).where(Document.case_id == case.id))


def anonymise_closed(session: Session, *, retention_days: int = RETENTION_DAYS, at: datetime | None = None) -> int:
    """Closed cases older than the retention period lose the company's and contact's identity,
    texts, notes and documents; the figures (type, region, jobs, needs, dates) stay."""
    limit = (at or now()) - timedelta(days=retention_days)
    done = 0
    for case in session.scalars(select(Case).where(Case.status == "closed", Case.anonymised_at.is_(None))):
        if case.closed_at is not None and aware(case.closed_at) <= limit:
            _anonymise(session, case)
            done += 1
    return done


def export_personal(session: Session, *, user_id: int) -> list[dict]:
    out = []
    for c in session.scalars(select(Case).where(Case.user_id == user_id)):
        out.append({"case": c.id, "company": c.company_name, "contact": c.contact_name, "email": c.email,
                    "country": c.country, "siret": c.siret, "project_type": c.project_type,
                    "value_chain_steps": c.value_chain_steps.split(),
                    "description": c.description, "status": c.status, "created_at": str(c.created_at),
                    "needs": list(session.scalars(select(Need.need).where(Need.case_id == c.id)))})
    for n in session.scalars(select(Note).where(Note.author_id == user_id)):
        out.append({"note": n.id, "request": n.request_id, "body": n.body, "created_at": str(n.created_at)})
    return out


def erase_personal(session: Session, *, user_id: int) -> None:
    """The user's cases are anonymised (the figures stay); their notes keep their text for the
    partner but lose their author."""
    for c in session.scalars(select(Case).where(Case.user_id == user_id)):
        _anonymise(session, c)
    for n in session.scalars(select(Note).where(Note.author_id == user_id)):
        n.author_id = None
    for r in session.scalars(select(RoutedRequest).where(RoutedRequest.owner_user_id == user_id)):
        r.owner_user_id = None

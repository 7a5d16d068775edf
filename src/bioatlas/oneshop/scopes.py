"""What the policy sees of a case, a routed request and a document (the policy rules read these)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.oneshop.models import (
    Case,
    Document,
    DocumentShare,
    RoutedRequest,
)


@dataclass(frozen=True)
class CaseScope:
    """A case as the policy sees it: the company's account and the partners it was routed to."""

    case_id: int
    owner_user_id: int | None
    partners: frozenset[int]


@dataclass(frozen=True)
class RequestScope:
    """A routed request as the policy sees it: its case's company account and its partner."""

    request_id: int
    case_id: int
    owner_user_id: int | None
    partner_actor_id: int


@dataclass(frozen=True)
class DocumentScope:
    """A document as the policy sees it: its case's company account and the partners it is shared
    with (those still partners of the case: a partner the request was taken from reads it no more)."""

    document_id: int
    case_id: int
    owner_user_id: int | None
    shared_with: frozenset[int]


def case_scope(session: Session, *, case_id: int) -> CaseScope | None:
    case = session.get(Case, case_id)
    if case is None:
        return None
    partners = frozenset(session.scalars(select(RoutedRequest.partner_actor_id).where(RoutedRequest.case_id == case_id)))
    return CaseScope(case.id, case.user_id, partners)


def request_scope(session: Session, *, request_id: int) -> RequestScope | None:
    r = session.get(RoutedRequest, request_id)
    if r is None:
        return None
    case = session.get(Case, r.case_id)
    return RequestScope(r.id, r.case_id, case.user_id if case else None, r.partner_actor_id)


def document_scope(session: Session, *, case_id: int, document_id: int) -> DocumentScope | None:
    doc = session.get(Document, document_id)
    case = session.get(Case, case_id)
    if doc is None or case is None or doc.case_id != case_id:
        return None
    shared = set(session.scalars(select(DocumentShare.actor_id).where(DocumentShare.document_id == document_id)))
    partners = set(session.scalars(select(RoutedRequest.partner_actor_id).where(RoutedRequest.case_id == case_id)))
    return DocumentScope(doc.id, case.id, case.user_id, frozenset(shared & partners))

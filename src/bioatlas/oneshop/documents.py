"""The company's documents: type, size and first bytes checked; shared per partner organisation of
the case (several, one or none: the company's own copy), a sharing the company may change."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts
from bioatlas.core.fields import FieldError
from bioatlas.oneshop.checks import MAX_UPLOAD, SIGNATURES, NotFound
from bioatlas.oneshop.models import Document, DocumentShare, RoutedRequest


def case_partners(session: Session, *, case_id: int) -> set[int]:
    return set(session.scalars(select(RoutedRequest.partner_actor_id).where(RoutedRequest.case_id == case_id)))


def _partners_of(session: Session, case_id: int, actor_ids: Iterable[int]) -> set[int]:
    wanted = set(actor_ids)
    if wanted - case_partners(session, case_id=case_id):
        raise FieldError("shared_with", "not a partner of this case")
    return wanted


def add_document(session: Session, *, case_id: int, filename: str, content_type: str, data: bytes,
                 shared_with: Iterable[int] = ()) -> Document:
    """An upload of the company: PDF, PNG or JPEG of at most MAX_UPLOAD bytes whose content starts
    as its type says (an executable renamed .pdf is refused); shared with the routed partners
    chosen (none: kept to the company)."""
    if len(data) > MAX_UPLOAD:
        raise FieldError("file", "at most {value} MB", 413, params={"value": MAX_UPLOAD // (1024 * 1024)})
    if not data:
        raise FieldError("file", "the file is empty")
    if content_type not in SIGNATURES:
        raise FieldError("file", "allowed types: PDF, PNG, JPEG", 415)
    if not data.startswith(SIGNATURES[content_type]):
        raise FieldError("file", "the content is not a {content_type} file", 415, params={"content_type": content_type})
    name = re.sub(r"[^A-Za-z0-9._\- ]", "_", filename or "document")[-120:] or "document"
    partners = _partners_of(session, case_id, shared_with)
    doc = Document(case_id=case_id, filename=name, content_type=content_type, size=len(data), data=data)
    session.add(doc)
    session.flush()
    session.add_all(DocumentShare(document_id=doc.id, actor_id=a) for a in sorted(partners))
    session.flush()
    return doc


def share_document(session: Session, *, case_id: int, document_id: int, shared_with: Iterable[int],
                   user_id: int | None) -> set[int]:
    """The company changes with which partners of its case a document is shared (an empty set
    withdraws it from all); audited. NotFound when the document is not of this case."""
    doc = session.get(Document, document_id)
    if doc is None or doc.case_id != case_id:
        raise NotFound(f"no document {document_id}")
    partners = _partners_of(session, case_id, shared_with)
    session.execute(delete(DocumentShare).where(DocumentShare.document_id == document_id))
    session.add_all(DocumentShare(document_id=document_id, actor_id=a) for a in sorted(partners))
    session.flush()
    accounts.record_audit(session, event="oneshop.document_shared", user_id=user_id,
                          target=f"oneshop_document:{document_id}", detail={"with": sorted(partners)})
    return partners


def shares(session: Session, *, document_ids: Iterable[int]) -> dict[int, set[int]]:
    """Document id -> the partner actors it is shared with."""
    out: dict[int, set[int]] = {}
    ids = list(document_ids)
    if ids:
        for d, a in session.execute(select(DocumentShare.document_id, DocumentShare.actor_id)
                                    .where(DocumentShare.document_id.in_(ids))):
            out.setdefault(d, set()).add(a)
    return out


def document(session: Session, *, document_id: int) -> Document:
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound(f"no document {document_id}")
    return doc

"""The company's documents: type, size and first bytes checked; shared with one partner or kept."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.oneshop.checks import (
    MAX_UPLOAD,
    SIGNATURES,
    FieldError,
    NotFound,
)
from bioatlas.oneshop.models import (
    Document,
    RoutedRequest,
)


def add_document(session: Session, *, case_id: int, filename: str, content_type: str, data: bytes,
                 shared_with: int | None) -> Document:
    """An upload of the company: PDF, PNG or JPEG of at most MAX_UPLOAD bytes whose content starts
    as its type says (an executable renamed .pdf is refused); shared with one routed partner or
    kept to the company."""
    if len(data) > MAX_UPLOAD:
        raise FieldError("file", f"at most {MAX_UPLOAD // (1024 * 1024)} MB", 413)
    if not data:
        raise FieldError("file", "the file is empty")
    if content_type not in SIGNATURES:
        raise FieldError("file", "allowed types: PDF, PNG, JPEG", 415)
    if not data.startswith(SIGNATURES[content_type]):
        raise FieldError("file", "the content is not a " + content_type + " file", 415)
    name = re.sub(r"[^A-Za-z0-9._\- ]", "_", filename or "document")[-120:] or "document"
    if shared_with is not None:
        partners = set(session.scalars(select(RoutedRequest.partner_actor_id).where(RoutedRequest.case_id == case_id)))
        if shared_with not in partners:
            raise FieldError("shared_with", "not a partner of this case")
    doc = Document(case_id=case_id, shared_with=shared_with, filename=name, content_type=content_type,
                   size=len(data), data=data)
    session.add(doc)
    session.flush()
    return doc


def document(session: Session, *, document_id: int) -> Document:
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound(f"no document {document_id}")
    return doc

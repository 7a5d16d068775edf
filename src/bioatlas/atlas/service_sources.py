"""Sources (where records come from: a registry's edition, a file, a member's edit): found by key
or id, created or updated. Re-exported by `atlas.service`, the atlas's public interface."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.atlas import writer
from bioatlas.atlas.models import Source
from bioatlas.atlas.records import SourceRecord


def get_or_create_source(session: Session, *, record: SourceRecord) -> Source:
    """The source with this key, created or its descriptive fields updated."""
    return writer.get_or_create_source(session, record)


def find_source(session: Session, *, key: str) -> Source | None:
    return session.scalar(select(Source).where(Source.key == key))


def find_sources(session: Session, *, key_prefix: str | None = None, ids: Iterable[int] | None = None) -> list[Source]:
    """Sources whose key starts with `key_prefix` (the editions of one registry) and/or whose id
    is in `ids`, by id."""
    stmt = select(Source)
    if key_prefix is not None:
        stmt = stmt.where(Source.key.startswith(key_prefix, autoescape=True))
    if ids is not None:
        stmt = stmt.where(Source.id.in_(sorted({int(i) for i in ids})))
    return list(session.scalars(stmt.order_by(Source.id)))

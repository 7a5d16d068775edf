"""Search index tables: one folded, stemmed text document per actor, and the vocabulary of
indexed terms (for typo correction).

The backend-specific full-text structures live outside the models, created by migration 0008:
SQLite's FTS5 table `search_fts` (external content = search_documents, kept in step by triggers)
and PostgreSQL's GIN expression index on the weighted tsvector and trigram index on the terms.
They are listed in `UNMANAGED` so the models-vs-schema comparison leaves them out.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bioatlas.core.db import Base

FTS_TABLE = "search_fts"
UNMANAGED = {
    FTS_TABLE, f"{FTS_TABLE}_data", f"{FTS_TABLE}_idx", f"{FTS_TABLE}_docsize", f"{FTS_TABLE}_config",
    "ix_search_documents_tsv", "ix_search_terms_trgm",
}
Base.metadata.info.setdefault("unmanaged", set()).update(UNMANAGED)


class SearchDocument(Base):
    """Indexed text of an actor: `names` (name, acronyms, aliases) weighs more than `body`
    (descriptions, kind, capabilities and their synonyms, GMP, communes, départements, regions).
    Both hold folded words followed by their French and English stems."""

    __tablename__ = "search_documents"
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True)
    names: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")


class SearchTerm(Base):
    """A folded word seen in some document (never removed: a stale term only costs a candidate)."""

    __tablename__ = "search_terms"
    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    prefix2: Mapped[str] = mapped_column(String(2), index=True)
    length: Mapped[int] = mapped_column(Integer)

from bioatlas.search.semantic.models import ActorEmbedding  # noqa: E402,F401  (semantic search's table joins the metadata)

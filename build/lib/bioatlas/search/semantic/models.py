"""One embedding per actor: the model that made it, the hash of the text it encodes (so an
unchanged text is never re-encoded) and the vector as little-endian float16 bytes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from bioatlas.core.db import Base


class ActorEmbedding(Base):
    __tablename__ = "actor_embeddings"
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True)
    model: Mapped[str] = mapped_column(String(120))
    text_hash: Mapped[str] = mapped_column(String(64))
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    # when the vector was written: the in-memory index reads only rows newer than its last look
    embedded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

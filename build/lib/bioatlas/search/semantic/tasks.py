"""The search room's background task `search.embed`: the work of `bioatlas search embed` (encode
the actors lacking a current vector), queued by the vector listener after large commits."""

from __future__ import annotations

from bioatlas.jobs.service import current_sessions
from bioatlas.search.semantic.store import embed_pending


def embed(*, everything: bool = False, force: bool = False) -> dict[str, int]:
    """Encode pending vectors in committed batches (an interrupted run resumes where it stopped)."""
    stats = embed_pending(current_sessions(), everything=everything, force=force)
    return {"encoded": stats.encoded, "unchanged": stats.unchanged}

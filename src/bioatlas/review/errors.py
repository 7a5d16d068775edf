"""The review engine's refusals: `ReviewError` names the field; `ConflictOfInterest` carries
the conflicts found; `NotAssigned` when the reviewer has no seat."""

from __future__ import annotations

from collections.abc import Sequence

from bioatlas.review.conflicts import Conflict

class ReviewError(ValueError):
    """Refused input or state; `field` names what is wrong."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class ConflictOfInterest(ReviewError):
    def __init__(self, conflicts: Sequence[Conflict]):
        super().__init__("conflict of interest: " + "; ".join(f"{c.reason} ({c.detail})" for c in conflicts))
        self.conflicts = list(conflicts)


class NotAssigned(ReviewError):
    pass

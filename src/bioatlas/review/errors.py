"""The review engine's refusals: `ReviewError` names the field; `ConflictOfInterest` carries
the conflicts found; `NotAssigned` when the reviewer has no seat."""

from __future__ import annotations

from collections.abc import Sequence

from bioatlas.core.fields import FieldError
from bioatlas.review.conflicts import Conflict


class ReviewError(FieldError):
    """Refused input or state: a `core.fields.FieldError` naming the field (`ReviewError(field,
    message id, params={...})`), so the calls and events pages show it in the reader's language;
    `str()` is the English "field: message" the API answers."""


class ConflictOfInterest(ReviewError):
    """The conflicts found (the pages refuse with `conflicts_refusal`); `str()` the English reasons."""

    def __init__(self, conflicts: Sequence[Conflict]):
        super().__init__("reviewer", "conflict of interest: {reasons}",
                         params={"reasons": "; ".join(f"{c.reason} ({c.detail})" for c in conflicts)})
        self.conflicts = list(conflicts)

    def __str__(self) -> str:
        return self.message


class NotAssigned(ReviewError):
    pass

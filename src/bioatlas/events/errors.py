"""The events room's errors: a field named with what is wrong (`FieldError`, the one of
`core.fields`), something missing (`NotFound`), a state that refuses the action (`Conflict`)."""

from __future__ import annotations

from bioatlas.core.fields import FieldError

__all__ = ["FieldError", "NotFound", "Conflict"]


class NotFound(LookupError):
    pass


class Conflict(FieldError):
    """A state that refuses the action (409): a `FieldError` whose `field` may be empty (the
    action itself is refused), `Conflict(field, message id, params={...})`, so the pages show
    it in the reader's language; `str()` is the English message (after "field: " when named)."""

    def __init__(self, field: str, message: str, *, params: dict | None = None) -> None:
        super().__init__(field, message, 409, params=params)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message

"""The events room's errors: a field named with what is wrong (`FieldError`, the one of
`core.fields`), something missing (`NotFound`), a state that refuses the action (`Conflict`)."""

from __future__ import annotations

from bioatlas.core.fields import FieldError

__all__ = ["FieldError", "NotFound", "Conflict"]


class NotFound(LookupError):
    pass


class Conflict(ValueError):
    pass

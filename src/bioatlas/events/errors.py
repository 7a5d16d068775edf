"""The events room's errors: a field named with what is wrong (`FieldError`, from the settings'
checks), something missing (`NotFound`), a state that refuses the action (`Conflict`)."""

from __future__ import annotations

from bioatlas.events.settings import FieldError

__all__ = ["FieldError", "NotFound", "Conflict"]


class NotFound(LookupError):
    pass


class Conflict(ValueError):
    pass

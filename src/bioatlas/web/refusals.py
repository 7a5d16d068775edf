"""A page's answer to a refused field: `Refused(err)` is the HTTPException of a `FieldError`.
Its `detail` stays the English "field: message" (what the JSON API answers), and it carries the
refusal so the HTML error page shows it in the reader's language (`core.fields.refusal_text`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import HTTPException

from bioatlas.core.fields import FieldError, refusal_view


class Refused(HTTPException):
    """`labels(t)`, when given, names the form's fields for the reader (the error page then shows
    the refused field by its label)."""

    def __init__(self, err: FieldError, *, status: int | None = None, detail: Any = None,
                 labels: Callable[[Any], Mapping[str, str]] | None = None) -> None:
        super().__init__(status or err.status, detail=str(err) if detail is None else detail)
        self.refusal = err
        self.labels = labels


def form_refusal(t: Callable[[str], str], err: FieldError, form_labels: Mapping[str, str]) -> dict[str, str]:
    """What a form page shows of `err` (`core.fields.refusal_view`), the refused field named by
    its label from `form_labels` ({field: msgid}) in the reader's language."""
    return refusal_view(t, err, labels={name: t(label) for name, label in form_labels.items()})


def not_found(field: str, msgid: str, *, detail: str, **params: Any) -> Refused:
    """The 404 of an object a URL names (`field`, its path parameter, e.g. "offer_id"): the API
    keeps `detail` (English, e.g. "no job offer with id 5") and adds `field` and `message`; a page
    shows `msgid` (e.g. "No job offer with this number.") in the reader's language, in the layout."""
    return Refused(FieldError(field, msgid, 404, params=params), detail=detail)

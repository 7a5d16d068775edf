"""A page's answer to a refused field: `Refused(err)` is the HTTPException of a `FieldError`.
Its `detail` stays the English "field: message" (what the JSON API answers), and it carries the
refusal so the HTML error page shows it in the reader's language (`core.fields.refusal_text`)
and the JSON answer adds `field` and `message` in that language (`answer_fields`); FastAPI's own
422s (a value refused before the handler) get theirs from `validation_fields`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import HTTPException

from bioatlas.core.fields import FieldError, refusal_text, refusal_view


class Refused(HTTPException):
    """`labels(t)`, when given, names the form's fields for the reader (the error page then shows
    the refused field by its label)."""

    def __init__(self, err: FieldError, *, status: int | None = None, detail: Any = None,
                 labels: Callable[[Any], Mapping[str, str]] | None = None) -> None:
        if detail is None:  # "field: message", or the message alone when the action itself is refused
            detail = str(err) if err.field else err.message
        super().__init__(status or err.status, detail=detail)
        self.refusal = err
        self.labels = labels


def form_refusal(t: Callable[[str], str], err: FieldError, form_labels: Mapping[str, str]) -> dict[str, str]:
    """What a form page shows of `err` (`core.fields.refusal_view`), the refused field named by
    its label from `form_labels` ({field: msgid}) in the reader's language."""
    return refusal_view(t, err, labels={name: t(label) for name, label in form_labels.items()})


def not_found(field: str, msgid: str, *, detail: str | None = None, **params: Any) -> Refused:
    """The 404 of an object a URL names (`field`, its path parameter, e.g. "offer_id"): the API
    keeps `detail` (English, e.g. "no job offer with id 5"; the English message when not given)
    and adds `field` and `message`; a page shows `msgid` (e.g. "No job offer with this number.")
    in the reader's language, in the layout."""
    err = FieldError(field, msgid, 404, params=params)
    return Refused(err, detail=err.message if detail is None else detail)


# the server's own refusals (app.py's handlers): their English message the JSON `detail`, a page
# and the JSON `message` in the reader's language
BUSY = FieldError("", "the database is busy (a long import is writing): try again in a few seconds", 503)
UNENCODABLE = FieldError("", "the request holds text that is not valid Unicode (a lone surrogate): nothing was stored")
INTERNAL = FieldError("", "internal error", 500)


def server_refusal(err: FieldError, headers: dict[str, str] | None = None) -> Refused:
    """One of the server's refusals above as the exception `app.py`'s handler answers (`headers`
    such as `Retry-After` on the page and the JSON answer alike)."""
    exc = Refused(err, detail=err.message)
    exc.headers = headers
    return exc


def answer_fields(t: Callable[..., str], exc: Exception) -> dict[str, str]:
    """What a JSON refusal adds beside its `detail` (kept as it was: English): the refused `field`
    (when the refusal names one) and its `message` in the reader's language (translator `t`), for
    every status whose exception carries its refusal (`Refused`: 401, 403, 404, 409, 422, 429…)."""
    refusal = getattr(exc, "refusal", None)
    if not isinstance(refusal, FieldError):
        return {}
    out = {"message": refusal_text(t, refusal)}
    if refusal.field:
        out["field"] = refusal.field
    return out


# pydantic's error types (a body, query or path value FastAPI refused before the handler) as
# message ids, with their params read from the error's `ctx`; another type keeps pydantic's English
VALIDATION: dict[str, tuple[str, dict[str, str]]] = {
    "missing": ("required", {}),
    "string_too_long": ("at most {max} characters", {"max": "max_length"}),
    "string_too_short": ("at least {min} characters", {"min": "min_length"}),
    "too_long": ("at most {max} values", {"max": "max_length"}),
    "too_short": ("at least {min} values", {"min": "min_length"}),
    "string_pattern_mismatch": ("not in the expected form ({pattern})", {"pattern": "pattern"}),
    "int_parsing": ("a whole number", {}), "int_type": ("a whole number", {}), "int_from_float": ("a whole number", {}),
    "float_parsing": ("expected a number", {}), "float_type": ("expected a number", {}),
    "decimal_parsing": ("expected a number", {}), "decimal_type": ("expected a number", {}),
    "bool_parsing": ("expected true or false", {}), "bool_type": ("expected true or false", {}),
    "greater_than_equal": ("at least {min}", {"min": "ge"}), "greater_than": ("more than {min}", {"min": "gt"}),
    "less_than_equal": ("at most {max}", {"max": "le"}), "less_than": ("less than {max}", {"max": "lt"}),
    "enum": ("expected one of {allowed}", {"allowed": "expected"}),
    "literal_error": ("expected one of {allowed}", {"allowed": "expected"}),
    "date_parsing": ("expected a date YYYY-MM-DD", {}), "date_type": ("expected a date YYYY-MM-DD", {}),
    "date_from_datetime_parsing": ("expected a date YYYY-MM-DD", {}),
    "datetime_parsing": ("expected a date and time (YYYY-MM-DDTHH:MM)", {}),
    "datetime_type": ("expected a date and time (YYYY-MM-DDTHH:MM)", {}),
    "datetime_from_date_parsing": ("expected a date and time (YYYY-MM-DDTHH:MM)", {}),
    "string_type": ("expected text", {}), "list_type": ("expected a list", {}),
    "dict_type": ("expected an object", {}), "model_type": ("expected an object", {}),
    "model_attributes_type": ("expected an object", {}), "json_invalid": ("the body is not valid JSON", {}),
    "url_parsing": ("expected an http(s) address such as https://example.fr", {}),
    "url_scheme": ("expected an http(s) address such as https://example.fr", {}),
    "url_type": ("expected an http(s) address such as https://example.fr", {}),
    "extra_forbidden": ("unknown field", {}),
}


def validation_refusals(errors: list[dict[str, Any]]) -> list[FieldError]:
    """FastAPI's refused values (`RequestValidationError.errors()`) as refusals naming their field
    ("name", "lines.0.scale", or the place: "body"), each a message id when its type is known."""
    out = []
    for e in errors:
        field = ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0])
        msgid, names = VALIDATION.get(e.get("type", ""), (None, {}))
        ctx = e.get("ctx") or {}
        if msgid is None or any(key not in ctx for key in names.values()):
            out.append(FieldError(field, e["msg"], 422))
        else:
            params = {name: ctx[key] for name, key in names.items()}
            if "allowed" in params:  # pydantic's "'a', 'b' or 'c'": its "or" is English
                params["allowed"] = str(params["allowed"]).replace(" or ", ", ")
            out.append(FieldError(field, msgid, 422, params=params))
    return out


def validation_fields(t: Callable[..., str], errors: list[dict[str, Any]]) -> dict[str, str]:
    """A 422's `field` (the first refused) and `message` (every refused field with its reason, in
    the reader's language), beside FastAPI's `detail` list."""
    refusals = validation_refusals(errors)
    if not refusals:
        return {}
    return {"field": refusals[0].field, "message": "; ".join(refusal_text(t, r, with_field=True) for r in refusals)}

"""What the calls API's routers share: the answers' descriptions, the roles, and reading a JSON
body (each refusal `{"detail": {"field", "message"}}` naming the field)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import Body, Depends, HTTPException, Query

from bioatlas.accounts.policy import Principal, require
from bioatlas.calls import service
from bioatlas.calls.web import safe
from bioatlas.core.fields import FieldError
from bioatlas.web.problems import Problem
from bioatlas.web.refusals import Refused, not_found

PREFIX = "/api/v1/calls"
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "not logged in"},
    403: {"model": Problem, "description": "not allowed (a reviewer's conflict of interest names its reasons)"},
    404: {"model": Problem, "description": "no such call, application or project (or not visible to you)"},
    409: {"model": Problem, "description": "not in a state that allows it (deadline passed, already decided…)"},
    422: {"model": Problem, "description": "a field is refused (named in `detail.field`)"}}
Json = Annotated[dict[str, Any], Body()]
Lang = Annotated[Literal["fr", "en"], Query()]
Applicant = Annotated[Principal, Depends(require("application.edit"))]
Reader = Annotated[Principal, Depends(require("application.read"))]
Reviewer = Annotated[Principal, Depends(require("review.score"))]
ProjectManager = Annotated[Principal, Depends(require("project.manage"))]


def bad(field: str, message: str, **params: Any) -> HTTPException:
    """A refused value of a JSON body: `message` a message id with its `params`; `detail` the
    English "field: message" as before, the answer's `message` in the reader's language."""
    err = FieldError(field, message, 422, params=params)
    return Refused(err, detail={"field": field, "message": str(err)})


def string(body: dict, name: str, limit: int = 10000, *, default: str = "") -> str:
    value = body.get(name, default)
    if value is None:
        value = default
    if not isinstance(value, str):
        raise bad(name, "expected a string")
    if len(value) > limit:
        raise bad(name, "at most {max} characters", max=limit)
    safe(name, value)
    return value.strip()


def integer(body: dict, name: str, *, required: bool = True) -> int | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 2**31 - 1:
        raise bad(name, "expected a positive whole number")
    return value


def of_call(session, call, application_id: int, t, get) -> service.Application:
    """The application (through `get`, which authorises it), 404 unless it belongs to the call."""
    app = get(application_id)
    if app.call_id != call.id:
        raise not_found("application_id", "No application with this number.")
    return app


def _when(body: dict, name: str, tz: ZoneInfo) -> datetime:
    raw = string(body, name, 40)
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise bad(name, "expected a date and time (ISO 8601, e.g. 2027-03-01T12:00+01:00)") from None
    return value if value.tzinfo else value.replace(tzinfo=tz)


def definitions_of(body: dict) -> dict[str, Any]:
    """A call's definitions from a JSON body, typed (the service checks the rest and names the
    field): times in ISO 8601, without an offset read in the call's `timezone`."""
    tz_name = string(body, "timezone", 40) or "Europe/Paris"
    try:
        tz = ZoneInfo(tz_name)
    except (ValueError, KeyError):
        raise bad("timezone", "unknown time zone {tz!r}", tz=tz_name) from None
    for name, kind in (("eligibility", dict), ("form", dict), ("criteria", list)):
        if not isinstance(body.get(name, kind()), kind):
            raise bad(name, "expected an object" if kind is dict else "expected a list")
    for name in ("blind", "show_others"):
        if not isinstance(body.get(name, False), bool):
            raise bad(name, "expected true or false")
    threshold = body.get("overall_threshold")
    if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, (int, float))):
        raise bad("overall_threshold", "expected a number")
    return {"kind": string(body, "kind", 20), "title_fr": string(body, "title_fr", 300),
            "title_en": string(body, "title_en", 300), "text_fr": string(body, "text_fr"),
            "text_en": string(body, "text_en"), "region": string(body, "region", 3) or None,
            "opens_at": _when(body, "opens_at", tz), "closes_at": _when(body, "closes_at", tz),
            "timezone_name": tz_name, "eligibility": body.get("eligibility") or {},
            "form": body.get("form") or {"fields": []}, "criteria": body.get("criteria") or [],
            "blind": body.get("blind", True), "show_others": body.get("show_others", False),
            "reviewers_per_item": integer(body, "reviewers_per_item", required=False) or 3,
            "overall_threshold": threshold}

"""The one-stop shop's shared checks: limits, the field errors naming what to fix, and the small
readers of form values every use case shares."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.orm import Session

from bioatlas.core.fields import FieldError, plain_text
from bioatlas.oneshop.models import RoutedRequest

MAX_TEXT = 4000
MAX_UPLOAD = 10 * 1024 * 1024
REMIND_AFTER_DAYS = 5
ESCALATE_AFTER_REMINDERS = 2
RETENTION_DAYS = 3 * 365
ANONYMISED = "anonymised"
# allowed uploads: declared type -> the file's first bytes must start with one of these
SIGNATURES = {"application/pdf": (b"%PDF-",), "image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",)}


def now() -> datetime:
    return datetime.now(timezone.utc)


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class NotFound(LookupError):
    pass


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def field_text(values: Mapping[str, Any], name: str, limit: int, *, required: bool = False) -> str:
    return plain_text(name, str(values.get(name) or ""), limit, required=required, markup=True,
                      too_long_status=413 if limit >= MAX_TEXT else 422)


def field_choice(values: Mapping[str, Any], name: str, allowed: Sequence[str], *, required: bool = True) -> str:
    value = str(values.get(name) or "").strip()
    if not value and not required:
        return ""
    if value not in allowed:
        raise FieldError(name, "one of {choices}", params={"choices": ", ".join(allowed)})
    return value


def field_int(values: Mapping[str, Any], name: str, low: int, high: int) -> int | None:
    raw = str(values.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise FieldError(name, "a whole number") from None
    if not low <= value <= high:
        raise FieldError(name, "between {low} and {high}", params={"low": low, "high": high})
    return value


def size_of(jobs: int) -> str:
    return "micro" if jobs < 10 else "small" if jobs < 50 else "medium" if jobs < 250 else "large"


def get_request(session: Session, request_id: int) -> RoutedRequest:
    r = session.get(RoutedRequest, request_id)
    if r is None:
        raise NotFound(f"no request {request_id}")
    return r

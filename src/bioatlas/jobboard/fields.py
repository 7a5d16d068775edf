"""What a job offer may hold, checked field by field: `clean(raw, today=...)` returns the
values to store or raises `FieldError` naming the first refused field. Checks that need the
database (the ROME code exists, the site belongs to the actor) are the service's."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

from bioatlas.core.fields import FieldError, a_date, plain_text

CONTRACTS = ("cdi", "cdd", "interim", "apprenticeship", "internship", "thesis", "postdoc")
EXPERIENCE = ("any", "beginner", "2_years", "5_years")
EDUCATION = ("any", "cap_bep", "bac", "bac2", "bac3", "bac5", "doctorate")
DEFAULT_DAYS = 60  # the default of the `jobboard_offer_days` setting
MAX_DAYS = 365
MAX_SALARY = 1_000_000
ROME_CODE = re.compile(r"^[A-N][0-9]{4}$")
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def _text(raw: Mapping[str, Any], name: str, *, max_len: int, required: bool = False, min_len: int = 0) -> str:
    return plain_text(name, raw.get(name), max_len, required=required, min_chars=min_len)


def _choice(raw: Mapping[str, Any], name: str, choices: tuple[str, ...], default: str | None = None) -> str:
    value = raw.get(name) or default
    if value not in choices:
        raise FieldError(name, "must be one of {choices}", params={"choices": ', '.join(choices)})
    return str(value)


def _int(raw: Mapping[str, Any], name: str, *, low: int, high: int) -> int | None:
    value = raw.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise FieldError(name, "must be a whole number")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise FieldError(name, "must be a whole number") from None
    if not low <= number <= high:
        raise FieldError(name, "must be between {low} and {high}", params={"low": low, "high": high})
    return number


def _date(raw: Mapping[str, Any], name: str) -> date | None:
    return a_date(name, raw.get(name))


def _bool(raw: Mapping[str, Any], name: str) -> bool:
    value = raw.get(name)
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in ("1", "true", "on", "yes")


def apply_url(value: str) -> str:
    """An apply link: http(s) with a host, or mailto with an address."""
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc:
        return value
    if parts.scheme == "mailto" and EMAIL.match(parts.path):
        return value
    raise FieldError("apply_url", "must be an http(s) or mailto link")


def clean(raw: Mapping[str, Any], *, today: date, default_days: int = DEFAULT_DAYS) -> dict[str, Any]:
    """The offer's values (without the database checks), or FieldError; an offer without an
    expiry closes `default_days` after today (the `jobboard_offer_days` setting)."""
    if not isinstance(raw, Mapping):
        raise FieldError("offer", "must be an object")
    out: dict[str, Any] = {
        "title": _text(raw, "title", max_len=200, required=True, min_len=3),
        "rome_code": _text(raw, "rome_code", max_len=5, required=True).upper(),
        "appellation_code": _text(raw, "appellation_code", max_len=12) or None,
        "contract": _choice(raw, "contract", CONTRACTS),
        "experience": _choice(raw, "experience", EXPERIENCE, "any"),
        "education": _choice(raw, "education", EDUCATION, "any"),
        "gmp_environment": _bool(raw, "gmp_environment"),
        "remote_share": _int(raw, "remote_share", low=0, high=100) or 0,
        "salary_min": _int(raw, "salary_min", low=0, high=MAX_SALARY),
        "salary_max": _int(raw, "salary_max", low=0, high=MAX_SALARY),
        "start_date": _date(raw, "start_date"),
        "description_fr": _text(raw, "description_fr", max_len=10_000),
        "description_en": _text(raw, "description_en", max_len=10_000),
        "apply_email": _text(raw, "apply_email", max_len=254) or None,
        "expires_on": _date(raw, "expires_on") or today + timedelta(days=default_days),
    }
    if not ROME_CODE.match(out["rome_code"]):
        raise FieldError("rome_code", "must be a ROME code: a letter A-N and four digits (e.g. H2301)")
    skills = raw.get("skills") or []
    if isinstance(skills, str):
        skills = [s for s in (x.strip() for x in skills.split(",")) if s]
    if not isinstance(skills, list) or len(skills) > 30:
        raise FieldError("skills", "must be a list of at most 30 skills")
    out["skills"] = [_text({"skills": s}, "skills", max_len=100) for s in skills]
    if out["salary_min"] is not None and out["salary_max"] is not None and out["salary_min"] > out["salary_max"]:
        raise FieldError("salary_max", "the maximum salary is below the minimum")
    if out["expires_on"] < today:
        raise FieldError("expires_on", "is in the past")
    if out["expires_on"] > today + timedelta(days=MAX_DAYS):
        raise FieldError("expires_on", "must be within {max} days", params={"max": MAX_DAYS})
    link = _text(raw, "apply_url", max_len=1000)
    out["apply_url"] = apply_url(link) if link else None
    if out["apply_email"] and not EMAIL.match(out["apply_email"]):
        raise FieldError("apply_email", "is not an e-mail address")
    if not out["apply_url"] and not out["apply_email"]:
        raise FieldError("apply_url", "give an apply link or an e-mail address")
    if not out["description_fr"] and not out["description_en"]:
        raise FieldError("description_fr", "a description in French or English is required")
    return out


class NotFound(LookupError):
    pass


class Conflict(FieldError):
    """A refused action on an offer in its present state: a FieldError answered 409
    (`Conflict(field, message id, params={...})`, the field empty when the action itself is refused),
    shown in the reader's language on pages; str() stays the English message (the API's detail)."""

    def __init__(self, field: str, message: str, *, params: Mapping[str, Any] | None = None) -> None:
        super().__init__(field, message, 409, params=params)
        self.args = (self.message,)

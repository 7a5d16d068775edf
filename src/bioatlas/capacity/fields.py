"""Validation of a capacity profile as members send it (form or JSON): every field checked,
every code checked against the atlas's taxonomies, the first fault named by its field.

The clean document (stored as `draft`, later `published`):
    summary_fr, summary_en   plain text (no markup), at most SUMMARY_MAX characters each
    lines                    1..MAX_LINES service lines, each
        step                 a value-chain code (taxonomy value_chain)
        modalities           modality codes (taxonomy modalities), at least one
        expression_systems   expression-system codes (may be empty)
        scale_min_l, scale_max_l   bioreactor scale range in litres (both or neither; min <= max)
        gmp                  GMP grade: none | gmp_clinical | gmp_commercial (taxonomy gmp_status)
        batch_types          batch-type codes (taxonomy batch_types)
    certifications           certification codes (taxonomy certifications)
    available_from, available_to   ISO dates (the window must not be over), or
    on_request               true: availability on request (no dates)
    contact_kind, contact_value    "email" (an address), "url" or "form" (an https page)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from bioatlas.atlas.service import Taxonomy
from bioatlas.core.fields import FieldError, a_date, flag, plain_text

SUMMARY_MAX = 2000
CONTACT_MAX = 300
MAX_LINES = 20
MAX_CODES = 30
MAX_LITRES = 1_000_000.0
GMP_GRADES = ("none", "gmp_clinical", "gmp_commercial")  # in this order: a higher grade serves a lower one
CONTACT_KINDS = ("form", "email", "url")
LINE_LISTS = {"modalities": "modalities", "expression_systems": "expression_systems", "batch_types": "batch_types"}
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[A-Za-z]{2,}$")
URL = re.compile(r"^https://[^\s<>\"']+$")


def code_list(field: str, value: object, taxonomy: Taxonomy, *, required: bool = False) -> list[str]:
    """Codes of a taxonomy (a list, or one comma-separated string); an unknown code is refused by name."""
    if value is None or value == "":
        items: list = []
    elif isinstance(value, str):
        items = [v for v in value.split(",")]
    elif isinstance(value, list):
        items = value
    else:
        raise FieldError(field, "expected a list of codes")
    if len(items) > MAX_CODES:
        raise FieldError(field, "at most {max} codes", params={"max": MAX_CODES})
    out: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise FieldError(field, "expected a list of codes")
        code = item.strip()
        if not code:
            continue
        if code not in taxonomy.terms:
            raise FieldError(field, "unknown code {code!r} (taxonomy {name})", params={"code": code[:40], "name": taxonomy.name})
        if code not in out:
            out.append(code)
    if required and not out:
        raise FieldError(field, "at least one code is required")
    return out


def litres(field: str, value: object) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise FieldError(field, "expected a number of litres")
    try:
        number = float(str(value).replace(",", ".").strip()) if isinstance(value, str) else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise FieldError(field, "expected a number of litres") from None
    if not (0 <= number <= MAX_LITRES) or number != number:
        raise FieldError(field, "expected litres between 0 and {max:,.0f}", params={"max": MAX_LITRES})
    return number


def _line(i: int, raw: object, taxonomies: Mapping[str, Taxonomy]) -> dict[str, Any]:
    where = f"lines[{i}]"
    if not isinstance(raw, Mapping):
        raise FieldError(where, "expected an object")
    step = raw.get("step")
    if not isinstance(step, str) or not step.strip():
        raise FieldError(f"{where}.step", "required")
    if step.strip() not in taxonomies["value_chain"].terms:
        raise FieldError(f"{where}.step", "unknown code {step!r} (taxonomy value_chain)", params={"step": step.strip()[:40]})
    line: dict[str, Any] = {"step": step.strip()}
    for key, tax in LINE_LISTS.items():
        line[key] = code_list(f"{where}.{key}", raw.get(key), taxonomies[tax], required=key == "modalities")
    low, high = litres(f"{where}.scale_min_l", raw.get("scale_min_l")), litres(f"{where}.scale_max_l", raw.get("scale_max_l"))
    if (low is None) != (high is None):
        raise FieldError(f"{where}.scale_max_l" if high is None else f"{where}.scale_min_l",
                         "give both ends of the scale range, or neither")
    if low is not None and high is not None and low > high:
        raise FieldError(f"{where}.scale_min_l", "the minimum ({low:g} L) is above the maximum ({high:g} L)", params={"low": low, "high": high})
    line["scale_min_l"], line["scale_max_l"] = low, high
    gmp = raw.get("gmp") or "none"
    if gmp not in GMP_GRADES:
        raise FieldError(f"{where}.gmp", "expected one of {choices}", params={"choices": ', '.join(GMP_GRADES)})
    line["gmp"] = gmp
    return line


def clean(raw: object, taxonomies: Mapping[str, Taxonomy], *, today: date) -> dict[str, Any]:
    """The validated document, or FieldError naming the first faulty field."""
    if not isinstance(raw, Mapping):
        raise FieldError("profile", "expected an object")
    unknown = sorted(set(raw) - {"summary_fr", "summary_en", "lines", "certifications", "available_from",
                                 "available_to", "on_request", "contact_kind", "contact_value"})
    if unknown:
        raise FieldError(str(unknown[0])[:60], "unknown field")
    out: dict[str, Any] = {
        "summary_fr": plain_text("summary_fr", raw.get("summary_fr"), SUMMARY_MAX),
        "summary_en": plain_text("summary_en", raw.get("summary_en"), SUMMARY_MAX),
    }
    lines = raw.get("lines")
    if not isinstance(lines, list) or not lines:
        raise FieldError("lines", "at least one service line is required")
    if len(lines) > MAX_LINES:
        raise FieldError("lines", "at most {max} service lines", params={"max": MAX_LINES})
    out["lines"] = [_line(i, line, taxonomies) for i, line in enumerate(lines)]
    out["certifications"] = code_list("certifications", raw.get("certifications"), taxonomies["certifications"])
    start, end = a_date("available_from", raw.get("available_from")), a_date("available_to", raw.get("available_to"))
    on_request = flag("on_request", raw.get("on_request"))
    if on_request and (start or end):
        raise FieldError("on_request", "either a window (from–to) or on request, not both")
    if not on_request:
        if start is None or end is None:
            raise FieldError("available_to" if start else "available_from",
                             "give the availability window (from and to), or tick “on request”")
        if end < start:
            raise FieldError("available_to", "the window ends before it starts")
        if end < today:
            raise FieldError("available_to", "the window is over (ended {end})", params={"end": end.isoformat()})
    out["available_from"] = start.isoformat() if start else None
    out["available_to"] = end.isoformat() if end else None
    out["on_request"] = on_request
    kind = raw.get("contact_kind")
    if kind not in CONTACT_KINDS:
        raise FieldError("contact_kind", "expected one of {choices}", params={"choices": ', '.join(CONTACT_KINDS)})
    value = plain_text("contact_value", raw.get("contact_value"), CONTACT_MAX, required=True)
    if kind == "email" and not EMAIL.match(value):
        raise FieldError("contact_value", "expected an e-mail address")
    if kind in ("url", "form") and not URL.match(value):
        raise FieldError("contact_value", "expected an https:// address")
    out["contact_kind"], out["contact_value"] = kind, value
    return out

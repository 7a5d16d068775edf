"""The HTML form of a profile <-> the document `capacity.fields.clean` checks.

Service lines are numbered rows (`line-0-step`, `line-0-modalities`, …); a row left entirely
empty is skipped, so the form can offer a few blank rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.datastructures import FormData

LINE_KEYS = ("step", "modalities", "expression_systems", "scale_min_l", "scale_max_l", "gmp", "batch_types")
LIST_KEYS = ("modalities", "expression_systems", "batch_types")
BLANK_ROWS = 2
MAX_ROWS = 20


def _str(form: FormData, key: str) -> str:
    value = form.get(key)
    return value if isinstance(value, str) else ""


def raw_from_form(form: FormData) -> dict[str, Any]:
    """The profile as typed (unchecked: `fields.clean` checks it)."""
    lines: list[dict[str, Any]] = []
    for i in range(MAX_ROWS + BLANK_ROWS):
        row: dict[str, Any] = {}
        for key in LINE_KEYS:
            name = f"line-{i}-{key}"
            if key in LIST_KEYS:
                row[key] = [v for v in form.getlist(name) if isinstance(v, str) and v]
            else:
                row[key] = _str(form, name)
        if any(v for k, v in row.items() if k != "gmp"):
            lines.append(row)
    return {
        "summary_fr": _str(form, "summary_fr"), "summary_en": _str(form, "summary_en"), "lines": lines,
        "certifications": [v for v in form.getlist("certifications") if isinstance(v, str) and v],
        "available_from": _str(form, "available_from"), "available_to": _str(form, "available_to"),
        "on_request": _str(form, "on_request"),
        "contact_kind": _str(form, "contact_kind"), "contact_value": _str(form, "contact_value"),
    }


def rows_for(doc: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The rows the form shows: the document's lines, then blank ones."""
    lines = list((doc or {}).get("lines") or [])
    blank = {"step": "", "modalities": [], "expression_systems": [], "scale_min_l": "", "scale_max_l": "",
             "gmp": "none", "batch_types": []}
    return [{**blank, **line} for line in lines[:MAX_ROWS]] + [dict(blank) for _ in range(BLANK_ROWS)]

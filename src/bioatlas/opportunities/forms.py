"""The opportunity form's fields → the raw document `fields.clean` checks (the same shape as
the JSON API's body)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

TEXTS = ("direction", "kind", "title_fr", "title_en", "description_fr", "description_en", "call_ref", "deadline",
         "expires_on", "countries")
LISTS = ("modalities", "steps", "expression_systems", "regions", "partner_kinds")
CAPACITY = ("scale_min_l", "scale_max_l", "gmp", "quantity", "window_from", "window_to")


def _one(form: FormData, name: str) -> Any:
    value = form.get(name)
    return value if isinstance(value, str) else None


def raw_from_form(form: FormData) -> dict[str, Any]:
    raw: dict[str, Any] = {name: _one(form, name) for name in TEXTS}
    for name in LISTS:
        raw[name] = [v for v in form.getlist(name) if isinstance(v, str)]
    capacity: dict[str, Any] = {name: _one(form, f"capacity_{name}") for name in CAPACITY}
    capacity["batch_types"] = [v for v in form.getlist("capacity_batch_types") if isinstance(v, str)]
    if any(v for v in capacity.values()) and not (capacity.get("gmp") == "none" and sum(bool(v) for v in capacity.values()) == 1):
        raw["capacity"] = capacity
    raw["confidential"] = _one(form, "confidential")
    return raw


def form_from(doc: dict[str, Any] | None) -> dict[str, Any]:
    """Values to refill the form (a saved opportunity's or the refused input)."""
    doc = dict(doc or {})
    cap = doc.get("capacity") or {}
    for name in CAPACITY:
        value = cap.get(name)
        doc[f"capacity_{name}"] = "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))
    doc["capacity_batch_types"] = cap.get("batch_types") or []
    if isinstance(doc.get("countries"), list):
        doc["countries"] = ",".join(doc["countries"])
    for name in ("deadline", "expires_on"):
        if doc.get(name) is not None and not isinstance(doc[name], str):
            doc[name] = doc[name].isoformat()
    return doc

"""Validation of an opportunity as members send it (form or JSON): every field checked, every
code checked against the atlas's taxonomies, the first fault named by its field.

The clean document:
    direction                offer | request
    kind                     technology | capacity | rd_partner | business
    title_fr, title_en       plain text, at most TITLE_MAX characters (at least one of them)
    description_fr, description_en   plain text, at most DESCRIPTION_MAX characters
    modalities, steps, expression_systems   taxonomy codes (modalities, value_chain, expression_systems)
    capacity                 (capacity offers/requests; optional otherwise) an object:
        scale_min_l, scale_max_l   litres (both or neither; min <= max)
        gmp                  none | gmp_clinical | gmp_commercial (the grade offered, or the minimum asked)
        batch_types          taxonomy batch_types
        quantity             number of batches (1..1000) or none
        window_from, window_to   ISO dates: when (both or neither; not over; from <= to)
    regions                  INSEE region codes (the scope; empty: anywhere)
    countries                ISO 3166 alpha-2 codes (EU partner searches)
    partner_kinds            the partner sought (requests) or the audience (offers): academia and/or
                             industry; empty: any (the "type of partner sought" of EEN profiles)
    call_ref                 the funding call (required for rd_partner)
    deadline, expires_on     ISO dates, not in the past; expiry at most MAX_DAYS ahead
    confidential             true: the organisation's name hidden until it accepts a contact
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from bioatlas.atlas.service import Taxonomy
from bioatlas.core.fields import FieldError, Moment, a_date, flag, plain_text

DIRECTIONS = ("offer", "request")
KINDS = ("technology", "capacity", "rd_partner", "business")
GMP_GRADES = ("none", "gmp_clinical", "gmp_commercial")  # a higher grade serves a lower one
PARTNER_KINDS = ("academia", "industry")  # matching.group of an actor's kind
OUTCOMES = ("subcontracting", "licence", "research_collaboration", "eu_proposal", "none")
TITLE_MAX, DESCRIPTION_MAX, CALL_MAX, MAX_CODES = 200, 8000, 120, 30
MAX_LITRES, MAX_DAYS, MAX_QUANTITY = 1_000_000.0, 366, 1000
FIELDS = ("direction", "kind", "title_fr", "title_en", "description_fr", "description_en", "modalities", "steps",
          "expression_systems", "capacity", "regions", "countries", "partner_kinds", "call_ref", "deadline",
          "expires_on", "confidential")
CAPACITY_FIELDS = ("scale_min_l", "scale_max_l", "gmp", "batch_types", "quantity", "window_from", "window_to")
TAXONOMY_OF = {"modalities": "modalities", "steps": "value_chain", "expression_systems": "expression_systems"}
COUNTRY = re.compile(r"^[A-Z]{2}$")


def _items(field: str, value: object) -> list[str]:
    if value is None or value == "":
        return []
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise FieldError(field, "expected a list of codes")
    if len(items) > MAX_CODES:
        raise FieldError(field, "at most {max} codes", params={"max": MAX_CODES})
    return list(dict.fromkeys(i.strip() for i in items if i.strip()))


def codes(field: str, value: object, taxonomy: Taxonomy) -> list[str]:
    out = _items(field, value)
    for code in out:
        if code not in taxonomy.terms:
            raise FieldError(field, "unknown code {code!r} (taxonomy {name})", params={"code": code[:40], "name": taxonomy.name})
    return out


def region_codes(field: str, value: object, regions: Mapping[str, str]) -> list[str]:
    out = _items(field, value)
    for code in out:
        if code not in regions:
            raise FieldError(field, "unknown region {code!r} (INSEE region code)", params={"code": code[:40]})
    return out


def number(field: str, value: object, high: float) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise FieldError(field, "expected a number")
    try:
        n = float(value.replace(",", ".").strip()) if isinstance(value, str) else float(value)
    except ValueError:
        raise FieldError(field, "expected a number") from None
    if n != n or not 0 <= n <= high:
        raise FieldError(field, "expected a number between 0 and {high:,.0f}", params={"high": high})
    return n


def choice(field: str, value: object, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise FieldError(field, "expected one of {allowed}", params={"allowed": ', '.join(allowed)})
    return str(value)


def _capacity(raw: object, taxonomies: Mapping[str, Taxonomy], *, today: date, required: bool) -> dict | None:
    if raw is None or raw == {} or raw == "":
        if required:
            raise FieldError("capacity", "a capacity offer or request states its scale, GMP grade or window")
        return None
    if not isinstance(raw, Mapping):
        raise FieldError("capacity", "expected an object")
    unknown = sorted(set(raw) - set(CAPACITY_FIELDS))
    if unknown:
        raise FieldError(f"capacity.{str(unknown[0])[:40]}", "unknown field")
    low = number("capacity.scale_min_l", raw.get("scale_min_l"), MAX_LITRES)
    high = number("capacity.scale_max_l", raw.get("scale_max_l"), MAX_LITRES)
    if (low is None) != (high is None):
        raise FieldError("capacity.scale_max_l" if high is None else "capacity.scale_min_l",
                         "give both ends of the scale range, or neither")
    if low is not None and high is not None and low > high:
        raise FieldError("capacity.scale_min_l", "the minimum ({low:g} L) is above the maximum ({high:g} L)", params={"low": low, "high": high})
    quantity = number("capacity.quantity", raw.get("quantity"), MAX_QUANTITY)
    start, end = a_date("capacity.window_from", raw.get("window_from")), a_date("capacity.window_to", raw.get("window_to"))
    if (start is None) != (end is None):
        raise FieldError("capacity.window_to" if end is None else "capacity.window_from",
                         "give both ends of the window, or neither")
    if start is not None and end is not None:
        if end < start:
            raise FieldError("capacity.window_to", "the window ends before it starts")
        if end < today:
            raise FieldError("capacity.window_to", "the window is in the past (ended {end})", params={"end": end.isoformat()})
    return {"scale_min_l": low, "scale_max_l": high,
            "gmp": choice("capacity.gmp", raw.get("gmp") or "none", GMP_GRADES),
            "batch_types": codes("capacity.batch_types", raw.get("batch_types"), taxonomies["batch_types"]),
            "quantity": int(quantity) if quantity is not None else None,
            "window_from": start.isoformat() if start else None, "window_to": end.isoformat() if end else None}


def clean(raw: object, taxonomies: Mapping[str, Taxonomy], *, regions: Mapping[str, str], today: date) -> dict[str, Any]:
    """The validated document, or FieldError naming the first faulty field. `regions`: the
    gazetteer's {INSEE code: name}."""
    if not isinstance(raw, Mapping):
        raise FieldError("opportunity", "expected an object")
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise FieldError(str(unknown[0])[:60], "unknown field")
    out: dict[str, Any] = {"direction": choice("direction", raw.get("direction"), DIRECTIONS),
                           "kind": choice("kind", raw.get("kind"), KINDS)}
    out["title_fr"] = plain_text("title_fr", raw.get("title_fr"), TITLE_MAX)
    out["title_en"] = plain_text("title_en", raw.get("title_en"), TITLE_MAX)
    if not out["title_fr"] and not out["title_en"]:
        raise FieldError("title_fr", "a title is required (in French or English)")
    out["description_fr"] = plain_text("description_fr", raw.get("description_fr"), DESCRIPTION_MAX)
    out["description_en"] = plain_text("description_en", raw.get("description_en"), DESCRIPTION_MAX)
    for key, tax in TAXONOMY_OF.items():
        out[key] = codes(key, raw.get(key), taxonomies[tax])
    out["capacity"] = _capacity(raw.get("capacity"), taxonomies, today=today, required=out["kind"] == "capacity")
    out["regions"] = region_codes("regions", raw.get("regions"), regions)
    out["countries"] = [c.upper() for c in _items("countries", raw.get("countries"))]
    for code in out["countries"]:
        if not COUNTRY.match(code):
            raise FieldError("countries", "unknown country {code!r} (ISO 3166 alpha-2 code, e.g. DE)", params={"code": code[:10]})
    out["partner_kinds"] = sorted({choice("partner_kinds", v, PARTNER_KINDS) for v in _items("partner_kinds", raw.get("partner_kinds"))})
    out["call_ref"] = plain_text("call_ref", raw.get("call_ref"), CALL_MAX, required=out["kind"] == "rd_partner") or None
    for key in ("deadline", "expires_on"):
        when = a_date(key, raw.get(key))
        if when is not None and when < today:
            raise FieldError(key, "the date is in the past ({when})", params={"when": Moment(when.isoformat(), when)})
        if key == "expires_on" and when is not None and when > today + timedelta(days=MAX_DAYS):
            raise FieldError(key, "at most {max} days ahead (renew it later)", params={"max": MAX_DAYS})
        out[key] = when
    out["confidential"] = flag("confidential", raw.get("confidential"))
    return out


def quality(doc: Mapping[str, Any]) -> list[tuple[str, bool]]:
    """The quality rules an editor checks, shown to the author before submitting: (rule, met).
    Submitting needs them all."""
    description = len(doc.get("description_fr") or "") + len(doc.get("description_en") or "")
    return [
        ("a description of at least 80 characters", description >= 80),
        ("at least one modality or value-chain step", bool(doc.get("modalities") or doc.get("steps"))),
        ("an English title (for European partners)", bool(doc.get("title_en"))),
        ("an expiry date", doc.get("expires_on") is not None),
    ]

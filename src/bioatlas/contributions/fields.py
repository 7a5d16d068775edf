"""Validation of contributed fields: only known fields, taxonomy codes, bounded plain text.

Anything else (a role, a `verified` flag, an actor id, HTML or a script) is refused with a
message naming the field, before anything is written."""

from __future__ import annotations

from urllib.parse import urlsplit

from bioatlas.atlas.service import CAPABILITY_FACETS, GeocodeError, Taxonomy, gazetteer
from bioatlas.core.fields import FieldError, plain_text

TEXT_FIELDS = ("name", "description_fr", "description_en")
CODE_FIELDS = {"kind": "kinds", "gmp": "gmp_status"}
EDIT_FIELDS = (*TEXT_FIELDS, *CODE_FIELDS, "scale_litres", "website", *CAPABILITY_FACETS)
NEW_ACTOR_FIELDS = (*EDIT_FIELDS, "postcode")


def _codes(field: str, value: object, taxonomy: Taxonomy) -> list[str]:
    values = value if isinstance(value, list) else [v for v in str(value or "").split(",")]
    codes = []
    for v in values:
        if not isinstance(v, str):
            raise FieldError(field, "expected codes")
        v = v.strip()
        if not v:
            continue
        code = taxonomy.resolve(v) if v not in taxonomy.terms else v
        if code is None:
            raise FieldError(field, "unknown value {v!r} (see /api/v1/taxonomies)", params={"v": v[:60]})
        codes.append(code)
    return sorted(set(codes))


def clean(raw: dict, taxonomies: dict[str, Taxonomy], *, max_chars: int, new_actor: bool = False) -> dict:
    """The accepted fields of a contribution, normalised; empty values are dropped."""
    allowed = NEW_ACTOR_FIELDS if new_actor else EDIT_FIELDS
    unknown = sorted(k for k in raw if k not in allowed)
    if unknown:
        raise FieldError(unknown[0], "this field cannot be set here (accepted: {allowed})", params={"allowed": ', '.join(allowed)})
    out: dict = {}
    for field, value in raw.items():
        if value in (None, "", []):
            continue
        if field in TEXT_FIELDS:
            text = plain_text(field, value, 500 if field == "name" else max_chars)
            if text:
                out[field] = text
        elif field in CODE_FIELDS:
            codes = _codes(field, value, taxonomies[CODE_FIELDS[field]])
            if len(codes) != 1:
                raise FieldError(field, "expected one value")
            out[field] = codes[0]
        elif field in CAPABILITY_FACETS:
            out[field] = _codes(field, value, taxonomies[field])
        elif field == "scale_litres":
            try:
                number = float(str(value).replace(",", "."))
            except ValueError:
                raise FieldError(field, "not a number: {value!r}", params={"value": str(value)[:40]}) from None
            if not (0 < number <= 10_000_000):
                raise FieldError(field, "expected litres between 0 and 10,000,000")
            out[field] = number
        elif field == "website":
            url = plain_text(field, value, 500)
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname or "." not in parts.hostname:
                raise FieldError(field, "expected an http(s) address such as https://example.fr")
            out[field] = url
        elif field == "postcode":
            code = plain_text(field, value, 10)
            try:
                gazetteer().geocode(postcode=code)
            except GeocodeError as exc:
                if exc.reason != "ambiguous" or not exc.candidates:
                    raise exc.as_field(field) from None
            out[field] = code
    if new_actor and not out.get("name"):
        raise FieldError("name", "the name of the new actor is required")
    if not out:
        raise FieldError("fields", "nothing to change: fill at least one field")
    return out


def website_domain(url: str) -> str | None:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.") or None


def email_matches_site(email: str, websites: list[str]) -> bool:
    """The address's domain is the website's domain (or a sub-domain of it)."""
    domain = email.rsplit("@", 1)[-1].lower()
    for url in websites:
        site = website_domain(url)
        if site and "." in site and (domain == site or domain.endswith("." + site)):
            return True
    return False

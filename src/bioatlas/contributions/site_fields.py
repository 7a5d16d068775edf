"""Validation of a proposed site (a corrected address, a new site): the fields a person types,
placed by the offline gazetteer (`atlas/geocode.py`), refused with a message naming the field.

A proposal's payload holds the fields as shown (role, address, postcode, commune, country,
latitude, longitude) and, under keys starting with "_", what the gazetteer resolved (INSEE
code, département, region, precision), the site it corrects (`_site_id`, `_was`)."""

from __future__ import annotations

import math
import re

from bioatlas.atlas.service import GeocodeError, Place, SiteRecord, Taxonomy, gazetteer
from bioatlas.core.countries import country_codes
from bioatlas.core.fields import FieldError, plain_text
from bioatlas.core.text import fold

SITE_FIELDS = ("role", "address", "postcode", "commune", "country", "latitude", "longitude")
PLACE_FIELDS = ("postcode", "commune")
INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$", re.IGNORECASE)
COUNTRY = re.compile(r"^[A-Z]{2}$")
FRANCE_KM = 30.0  # coordinates farther than this from every French commune centre are not in France


def display_of(site) -> dict:
    """A site row's fields as the form and the moderation page show them."""
    return {"role": site.role, "address": site.address, "postcode": site.postcode, "commune": site.commune_name,
            "country": site.country or "FR", "latitude": site.latitude, "longitude": site.longitude}


def merged(current: dict | None, given: dict) -> dict:
    """The proposed site: the current one's fields with the given ones over them. When the place
    (postcode, commune) changes and the coordinates do not, the old coordinates are dropped: the
    site is placed at its new commune."""
    unknown = sorted(k for k in given if k not in SITE_FIELDS)
    if unknown:
        raise FieldError(unknown[0], "this field cannot be set here (accepted: {choices})", params={"choices": ', '.join(SITE_FIELDS)})
    if current is None:
        return dict(given)
    out = {**current, **given}
    moved = any(_norm(out.get(k)) != _norm(current.get(k)) for k in PLACE_FIELDS)
    same_point = all(_norm(out.get(k)) == _norm(current.get(k)) for k in ("latitude", "longitude"))
    if moved and same_point:
        out["latitude"] = out["longitude"] = None
    return out


def _norm(value: object) -> str:
    return "" if value is None else str(value).strip()


def _number(field: str, value: object, bound: float) -> float | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise FieldError(field, "expected a number in degrees")
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        raise FieldError(field, "not a number: {value!r}", params={"value": str(value)[:40]}) from None
    if not math.isfinite(number) or abs(number) > bound:
        raise FieldError(field, "expected degrees between -{bound:g} and {bound:g}", params={"bound": bound})
    return number


def clean_site(raw: dict, taxonomies: dict[str, Taxonomy]) -> dict:
    """The payload of a proposed site (see the module), or FieldError naming the field."""
    for field in raw:
        if field not in SITE_FIELDS:
            raise FieldError(field, "this field cannot be set here (accepted: {choices})", params={"choices": ', '.join(SITE_FIELDS)})
    text = {f: (plain_text(f, raw[f], limit) if raw.get(f) not in (None, "") else "")
            for f, limit in (("role", 60), ("address", 300), ("postcode", 10), ("commune", 200), ("country", 2))}
    roles = taxonomies["site_roles"]
    role = text["role"] or "hq"
    code = role if role in roles.terms else roles.resolve(role)
    if code is None:
        raise FieldError("role", "unknown site role {role!r} (see /api/v1/taxonomies)", params={"role": role[:60]})
    country = (text["country"] or "FR").upper()
    if not COUNTRY.match(country):
        raise FieldError("country", "expected a two-letter country code such as FR")
    if country not in country_codes():
        raise FieldError("country", "unknown country code {country!r} (ISO 3166-1 alpha-2, e.g. FR, DE)", params={"country": country})
    latitude, longitude = _number("latitude", raw.get("latitude"), 90), _number("longitude", raw.get("longitude"), 180)
    if (latitude is None) != (longitude is None):
        raise FieldError("longitude" if longitude is None else "latitude", "give both latitude and longitude, or neither")
    out = {"role": code, "address": text["address"] or None, "postcode": text["postcode"] or None,
           "commune": text["commune"] or None, "country": country, "latitude": latitude, "longitude": longitude}
    if country != "FR":
        if not (out["commune"] or latitude is not None):
            raise FieldError("commune", "give the town or the coordinates of a site abroad")
        return {**out, "_insee": None, "_departement": None, "_region": None,
                "_precision": "address" if latitude is not None else None}
    place = _place(text["postcode"], text["commune"])
    if latitude is not None and longitude is not None:
        if gazetteer().nearest(latitude, longitude, max_km=FRANCE_KM) is None:
            raise FieldError("latitude", "({latitude:g}, {longitude:g}) is outside France; give the coordinates of the site, or none to place it at its commune", params={"latitude": latitude, "longitude": longitude})
        precision = "address"
    else:
        latitude, longitude, precision = place.latitude, place.longitude, "commune"
    return {**out, "postcode": out["postcode"] or place.postcode, "commune": place.name, "latitude": latitude,
            "longitude": longitude, "_insee": place.insee, "_departement": place.departement,
            "_region": place.region, "_precision": precision if latitude is not None else None}


def _place(postcode: str, commune: str) -> Place:
    """The commune a French site is in, from its postcode and/or commune (name or INSEE code)."""
    geo = gazetteer()
    if not postcode and not commune:
        raise FieldError("postcode", "give the postcode or the commune of the site")
    if commune and INSEE.match(commune):
        try:
            place = geo.geocode(insee=commune.upper())
        except GeocodeError as exc:
            raise exc.as_field("commune") from None
        codes = sorted({p.postcode for p in geo.by_insee.get(place.insee, [])})
        if postcode and postcode.replace(" ", "") not in codes:
            raise FieldError("postcode", "{postcode!r} is not a postcode of {name} ({codes})", params={"postcode": postcode, "name": place.name, "codes": ', '.join(codes)})
        return place
    try:
        return geo.geocode(postcode=postcode or None, commune=commune or None)
    except GeocodeError as exc:
        if exc.reason == "ambiguous":
            raise FieldError("commune", "{exc}; name the commune", params={"exc": exc}) from None
        city = geo.city_of(exc.candidates) if postcode and commune and exc.candidates else None
        if city and fold(city) == fold(commune) and len({p.insee for p in exc.candidates}) == 1:
            return exc.candidates[0]  # "Lyon" under 69007: its 7th arrondissement
        if postcode and commune and "not found under postcode" in exc.msgid:
            raise FieldError("postcode", "the postcode does not match the commune: {exc}", params={"exc": exc}) from None
        raise exc.as_field("postcode" if postcode else "commune") from None


def record_of(payload: dict) -> SiteRecord:
    """The atlas record of a proposed site (its payload)."""
    return SiteRecord(role=payload["role"], address=payload.get("address"), postcode=payload.get("postcode"),
                      commune_insee=payload.get("_insee"), commune_name=payload.get("commune"),
                      departement=payload.get("_departement"), region=payload.get("_region"),
                      country=payload.get("country") or "FR", latitude=payload.get("latitude"),
                      longitude=payload.get("longitude"), precision=payload.get("_precision"))

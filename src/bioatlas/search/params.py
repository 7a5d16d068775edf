"""Search parameters beyond the atlas's view filter (`atlas.filters`): geo (bounding box, radius around a commune),
scale range, cursor. Bad values raise ParamError naming the parameter (→ 422)."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from dataclasses import dataclass

from sqlalchemy import and_, exists, or_
from sqlalchemy.sql import ColumnElement

# reads atlas tables: search is the atlas's read model
from bioatlas.atlas.models import Actor, Site
from bioatlas.atlas.service import FilterError, GeocodeError, Place, gazetteer

MAX_RADIUS_KM = 300.0
DEFAULT_RADIUS_KM = 20.0
KM_PER_DEGREE = 111.195
# scale facet: code -> [min, max) litres
SCALES: dict[str, tuple[float, float | None]] = {
    "lt10": (0.0, 10.0), "10-200": (10.0, 200.0), "200-2000": (200.0, 2000.0), "gte2000": (2000.0, None),
}
SCALE_LABELS = {"lt10": "< 10 L", "10-200": "10–200 L", "200-2000": "200–2000 L", "gte2000": "≥ 2000 L"}


class ParamError(FilterError):
    pass


@dataclass(frozen=True)
class Geo:
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north
    near: tuple[float, float] | None = None  # latitude, longitude of the commune centre
    near_label: str = ""
    radius_km: float = 0.0

    def window(self) -> tuple[float, float, float]:
        """(half-height in degrees of latitude, half-width in degrees of longitude, cos(latitude))
        of the radius around `near`: the box then the equirectangular distance both paths test."""
        lat = self.near[0] if self.near else 0.0
        dlat = self.radius_km / KM_PER_DEGREE
        return dlat, dlat / max(0.01, math.cos(math.radians(lat))), math.cos(math.radians(lat))

    def conditions(self) -> list[ColumnElement[bool]]:
        parts = []
        if self.bbox:
            w, s, e, n = self.bbox
            parts += [Site.longitude.between(w, e), Site.latitude.between(s, n)]
        if self.near:
            lat, lon = self.near
            dlat, dlon, k = self.window()
            parts += [
                Site.latitude.between(lat - dlat, lat + dlat), Site.longitude.between(lon - dlon, lon + dlon),
                # equirectangular distance, exact enough within a few hundred km
                ((Site.latitude - lat) * (Site.latitude - lat) + (Site.longitude - lon) * k * (Site.longitude - lon) * k)
                <= dlat * dlat,
            ]
        if not parts:
            return []
        return [exists().where(Site.actor_id == Actor.id, *parts)]


def parse_geo(bbox: str | None, near: str | None, radius_km: float | None) -> Geo:
    box = None
    if bbox:
        try:
            values = [float(v) for v in bbox.split(",")]
        except ValueError:
            raise ParamError("bbox", "expected four numbers west,south,east,north") from None
        if len(values) != 4 or not all(math.isfinite(v) for v in values):
            raise ParamError("bbox", "expected four numbers west,south,east,north")
        w, s, e, n = values
        if not (-180 <= w < e <= 180) or not (-90 <= s < n <= 90):
            raise ParamError("bbox", "west < east within ±180 and south < north within ±90 are required")
        box = (w, s, e, n)
    point, label = None, ""
    if near:
        near = near.strip()[:100]
        try:
            is_code = re.fullmatch(r"\d{5}|2[AB]\d{3}", near.upper())
            place = gazetteer().geocode(insee=near) if is_code else gazetteer().geocode(commune=near)
        except GeocodeError as exc:
            city = gazetteer().city_of(exc.candidates) if exc.reason == "ambiguous" else None
            if city is None:
                raise ParamError("near", exc.msgid, params=exc.params) from None
            place = _centre(city, exc.candidates)
        if place.latitude is None:
            raise ParamError("near", "commune {commune!r} has no coordinates", params={"commune": near})
        point, label = (place.latitude, place.longitude), f"{place.name} ({place.insee})"
    if radius_km is not None and not (0 < radius_km <= MAX_RADIUS_KM):
        raise ParamError("radius_km", "between 0 and {max} km", params={"max": f"{MAX_RADIUS_KM:g}"})
    return Geo(bbox=box, near=point, near_label=label, radius_km=radius_km or DEFAULT_RADIUS_KM)


def _centre(city: str, arrondissements: list[Place]) -> Place:
    """Paris, Lyon or Marseille as one place: the centre of its arrondissements."""
    located = [p for p in arrondissements if p.latitude is not None]
    lat = sum(p.latitude for p in located) / len(located) if located else None
    lon = sum(p.longitude for p in located) / len(located) if located else None
    first = arrondissements[0]
    return Place(first.departement, city, "", lat, lon, first.departement, first.region)


def parse_scale(values: list[str]) -> tuple[str, ...]:
    raw = [v.strip() for item in values for v in item.split(",") if v.strip()]
    bad = [v for v in raw if v not in SCALES]
    if bad:
        raise ParamError("scale", "unknown value {value!r}; expected one of {expected}",
                         params={"value": bad[0], "expected": ", ".join(SCALES)})
    return tuple(dict.fromkeys(raw))


def scale_condition(codes: tuple[str, ...]) -> list[ColumnElement[bool]]:
    if not codes:
        return []
    ranges = []
    for code in codes:
        low, high = SCALES[code]
        ranges.append(and_(Actor.scale_litres >= low, Actor.scale_litres < high) if high else Actor.scale_litres >= low)
    return [or_(*ranges)]


def signature(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:12]


def encode_cursor(position: int, sig: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"p": position, "s": sig}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, sig: str) -> int:
    if not cursor:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor[:200] + "=" * (-len(cursor[:200]) % 4)))
        position = int(data["p"])
        ok = data["s"] == sig and 0 <= position <= 100_000
    except (ValueError, KeyError, TypeError):
        raise ParamError("cursor", "not a cursor returned by this search") from None
    if not ok:
        raise ParamError("cursor", "this cursor belongs to another search (query or filters changed)")
    return position

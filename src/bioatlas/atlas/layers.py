"""Map layers: located items any feature publishes through the plug-in hook `bioatlas_map_layers`
(`core.plugins.MapLayer`), listed by the map page and served as GeoJSON by
`GET /api/v1/map/layers[/{name}]`.

This module is the consumer side: the registry (`layers()`, read from the plug-in manager on
each call, so a plug-in registered later is seen), the description of a layer in one language,
the parsing of a request (bounding box as the clusters endpoint checks it, the layer's own
filters, each error naming its query parameter) and the GeoJSON of the points. The policy check
of a layer's `action` is the handler's (it knows the principal)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import islice

from sqlalchemy.orm import Session

from bioatlas.atlas.clusters import ViewportError, parse_bbox
from bioatlas.core.fields import FieldError
from bioatlas.core.plugins import MapLayer, MapPoint, by_name

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
PRECISIONS = ("exact", "commune")
RESERVED = {"bbox", "lang"}  # query parameters of the endpoint itself: no layer filter may take them
MAX_VALUES = 50  # values of one filter in one request


class LayerError(FieldError):
    """A request a layer cannot answer: `LayerError(parameter, message id, params={...})`, a
    `core.fields.FieldError` (str() "parameter: message" in English; the API's answer adds the
    message in the reader's language)."""


@dataclass(frozen=True)
class LayerQuery:
    bbox: tuple[float, float, float, float]
    filters: dict[str, list[str]]


def _check(layer: MapLayer) -> MapLayer:
    """A layer that breaks the contract is a programming error, raised at once."""
    if not NAME.match(layer.name):
        raise ValueError(f"map layer {layer.name!r}: a name is lower-case letters, digits, '-' or '_'")
    if not COLOUR.match(layer.color):
        raise ValueError(f"map layer {layer.name!r}: colour {layer.color!r} is not #rrggbb")
    if layer.limit < 1:
        raise ValueError(f"map layer {layer.name!r}: limit must be positive")
    names = [f.name for f in layer.filters_spec]
    if len(set(names)) != len(names) or RESERVED & set(names):
        raise ValueError(f"map layer {layer.name!r}: filter names must be distinct and not {sorted(RESERVED)}")
    return layer


def layers() -> dict[str, MapLayer]:
    """Every feature's layers by name, in feature order (atlas first, then by feature name)."""
    return {name: _check(layer) for name, layer in by_name("bioatlas_map_layers").items()}


def get(name: str) -> MapLayer | None:
    return layers().get(name)


def _in(labels: Mapping[str, str], lang: str) -> str:
    return labels.get(lang) or labels.get("en") or next(iter(labels.values()), "")


def describe(layer: MapLayer, *, lang: str) -> dict:
    """A layer as the map page needs it: label, source, filters and colour in one language."""
    return {
        "name": layer.name,
        "label": _in(layer.label, lang),
        "source": _in(layer.source, lang),
        "color": layer.color,
        "limit": layer.limit,
        "private": layer.action != "public.read",
        "url": f"/api/v1/map/layers/{layer.name}",
        "filters": [
            {
                "name": f.name,
                "label": _in(f.label, lang),
                "options": [{"value": value, "label": _in(labels, lang)} for value, labels in f.options],
            }
            for f in layer.filters_spec
        ],
    }


def describe_all(*, lang: str, readable: Callable[[str], bool]) -> list[dict]:
    """The layers the reader may see (`readable(action)`), described in `lang`."""
    return [describe(layer, lang=lang) for layer in layers().values() if readable(layer.action)]


def parse_query(layer: MapLayer, params: Iterable[tuple[str, str]]) -> LayerQuery:
    """The bounding box and the layer's filters from the query parameters (repeated or
    comma-separated values; OR inside a filter, AND across filters). An unknown parameter, a
    value outside a filter's options or a bad box raises LayerError naming the parameter."""
    specs = {f.name: f for f in layer.filters_spec}
    bbox_raw: str | None = None
    chosen: dict[str, list[str]] = {}
    for key, raw in params:
        if key == "bbox":
            if bbox_raw is not None:
                raise LayerError("bbox", "given twice")
            bbox_raw = raw
            continue
        if key == "lang":
            continue
        spec = specs.get(key)
        if spec is None:
            known = ", ".join(sorted(specs)) or "none"
            raise LayerError(key, "unknown filter of layer {layer!r} (its filters: {known})",
                             params={"layer": layer.name, "known": known})
        allowed = [value for value, _ in spec.options]
        for value in (v.strip() for v in raw.split(",")):
            if not value:
                continue
            if value not in allowed:
                raise LayerError(key, "{value!r} is not one of {allowed}",
                                 params={"value": value[:60], "allowed": ", ".join(allowed)})
            values = chosen.setdefault(key, [])
            if value not in values:
                values.append(value)
            if len(values) > MAX_VALUES:
                raise LayerError(key, "at most {max} values", params={"max": MAX_VALUES})
    try:
        bbox = parse_bbox(bbox_raw)
    except ViewportError as exc:
        raise LayerError(exc.field, exc.msgid, params=exc.params) from None
    return LayerQuery(bbox=bbox, filters=chosen)


def _feature(point: MapPoint) -> dict:
    if point.precision not in PRECISIONS:
        raise ValueError(f"map point {point.id!r}: precision {point.precision!r} is not one of {PRECISIONS}")
    return {
        "type": "Feature",
        "id": point.id,
        "geometry": {"type": "Point", "coordinates": [round(point.lon, 6), round(point.lat, 6)]},
        "properties": {
            "id": point.id,
            "title": point.title,
            "url": point.url,
            "lines": [str(line) for line in point.lines],
            "precision": point.precision,
        },
    }


def points_geojson(session: Session, layer: MapLayer, query: LayerQuery, *, lang: str) -> dict:
    """The layer's points in the box as a GeoJSON FeatureCollection, with the foreign members
    `layer`, `count` and `truncated` (true when the layer had more than its `limit` points there:
    zoom in to see them all)."""
    found = list(islice(
        layer.points(session, bbox=query.bbox, filters=query.filters, lang=lang, limit=layer.limit + 1),
        layer.limit + 1,
    ))
    truncated = len(found) > layer.limit
    features = [_feature(p) for p in found[: layer.limit]]
    return {
        "type": "FeatureCollection",
        "layer": layer.name,
        "count": len(features),
        "truncated": truncated,
        "features": features,
    }

"""The regional factsheet's static parts: the map of the region's actors as server-side SVG (the
shipped region boundaries of `web/static/geo/regions.geojson` and the actors' site coordinates —
no tiles, so the same markup prints, and WeasyPrint renders it in the PDF) and the PDF itself.

The SVG is built from numbers and fixed strings only; the one piece of text from the data (an
actor's name, in a <title>) is escaped.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup, escape

from bioatlas.observatory.regions import Point
from bioatlas.web import STATIC_DIR

REGIONS_GEOJSON = STATIC_DIR / "geo" / "regions.geojson"
FACTSHEET_CSS = STATIC_DIR / "css" / "observatory.css"
WIDTH = 520
MAX_HEIGHT = 460
PAD = 12
# top-level kind -> dot colour. Presentation attributes, not CSS: WeasyPrint does not apply the
# page's stylesheet inside an inline SVG (and attributes are not inline styles for the CSP).
KIND_COLOURS = {
    "company": "#2c7fb8", "cdmo": "#d95f02", "integrator": "#d95f02", "tech_platform": "#7570b3",
    "research_unit": "#1b9e77", "university": "#66a61e", "hospital": "#e7298a",
    "cluster": "#a6761d", "public_agency": "#a6761d",
}
OTHER_COLOUR = "#7a7a7a"


@lru_cache(maxsize=1)
def _boundaries() -> dict[str, list[list[tuple[float, float]]]]:
    """Region code -> its outer and inner rings as (lon, lat) lists."""
    data = json.loads(REGIONS_GEOJSON.read_text(encoding="utf-8"))
    out: dict[str, list[list[tuple[float, float]]]] = {}
    for feature in data["features"]:
        geom = feature["geometry"]
        polygons = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        out[str(feature["properties"]["code"])] = [[(x, y) for x, y in ring] for poly in polygons for ring in poly]
    return out


def has_boundary(code: str) -> bool:
    return code in _boundaries()


def region_map_svg(code: str, points: list[Point], *, label: str) -> Markup | None:
    """The region's outline and one dot per located site of its actors; None when no boundary is
    shipped for the region (overseas regions)."""
    rings = _boundaries().get(code)
    if not rings:
        return None
    lons = [x for ring in rings for x, _ in ring]
    lats = [y for ring in rings for _, y in ring]
    min_lon, max_lon, min_lat, max_lat = min(lons), max(lons), min(lats), max(lats)
    k = math.cos(math.radians((min_lat + max_lat) / 2))  # equirectangular, true scale at mid-latitude
    span_x, span_y = (max_lon - min_lon) * k or 1e-6, (max_lat - min_lat) or 1e-6
    scale = min((WIDTH - 2 * PAD) / span_x, (MAX_HEIGHT - 2 * PAD) / span_y)
    height = round(span_y * scale + 2 * PAD)

    def xy(lon: float, lat: float) -> str:
        return f"{PAD + (lon - min_lon) * k * scale:.1f},{PAD + (max_lat - lat) * scale:.1f}"

    path = " ".join("M" + " L".join(xy(x, y) for x, y in ring) + " Z" for ring in rings)
    dots = []
    for p in sorted(points, key=lambda p: p.kind):
        if not (min_lon <= p.longitude <= max_lon and min_lat <= p.latitude <= max_lat):
            continue  # a site geocoded outside the drawn outline is left out rather than drawn off the map
        x, y = xy(p.longitude, p.latitude).split(",")
        colour = KIND_COLOURS.get(p.kind, OTHER_COLOUR)
        dots.append(f'<circle cx="{x}" cy="{y}" r="5" fill="{colour}" fill-opacity="0.85" stroke="#ffffff" '
                    f'stroke-width="0.6"><title>{escape(p.name)}</title></circle>')
    return Markup(
        f'<svg class="region-map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-label="{escape(label)}">'
        f'<path d="{path}" fill="#eef3f7" stroke="#3b5368" stroke-width="1.2" fill-rule="evenodd"/>' + "".join(dots) + "</svg>"
    )


def legend(points: list[Point]) -> list[tuple[str, str, int]]:
    """(colour, top-level kind, number of dots) for the kinds drawn."""
    counts: dict[str, int] = {}
    for p in points:
        counts[p.kind] = counts.get(p.kind, 0) + 1
    return [(KIND_COLOURS.get(kind, OTHER_COLOUR), kind, n) for kind, n in sorted(counts.items(), key=lambda kv: -kv[1])]


def _no_remote(url: str, *args, **kwargs):
    """WeasyPrint URL fetcher: the factsheet is self-contained, nothing is fetched."""
    raise ValueError(f"the factsheet PDF fetches no external resource (asked for {url[:80]})")


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot load its system libraries (Pango): the PDF cannot be made on this machine."""


def render_pdf(html: str) -> bytes:
    try:  # imported here: Pango is loaded only when a PDF is asked for
        from weasyprint import CSS, HTML
    except OSError as exc:  # Pango missing: a clear answer, not a server error
        raise PdfUnavailable(
            "PDF rendering needs the Pango libraries: run `bash scripts/install-system-deps.sh` "
            f"(or `make test`, which runs it); the HTML factsheet works without them ({exc})"
        ) from exc

    return HTML(string=html, url_fetcher=_no_remote).write_pdf(stylesheets=[CSS(filename=str(FACTSHEET_CSS))])


def css_path() -> Path:
    return FACTSHEET_CSS

"""Derive the geodata shipped in the package from ../shared/data/geo (run once, output committed).

Inputs (see docs/data-sources.md for sources and licences):
  laposte_hexasmal.csv                    La Poste, base officielle des codes postaux
  regions-avec-outre-mer.geojson          IGN Admin Express via france-geojson
  departements-avec-outre-mer.geojson     idem
  regions/departements-version-simplifiee idem (basemap drawn offline)
Outputs:
  src/bioatlas/atlas/geodata/communes.csv.gz   insee;name;postcode;label;lat;lon (one row per commune x postcode)
  src/bioatlas/atlas/geodata/departements.csv  code,name,region
  src/bioatlas/atlas/geodata/regions.csv       code,name
  src/bioatlas/web/static/geo/*.geojson        simplified boundaries for the offline basemap
The département → region table is computed by locating one commune of each département in
the region polygons (ray casting), so it follows the boundary files rather than a hand list.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def dept_of(insee: str) -> str:
    return insee[:3] if insee.startswith("97") else insee[:2]


def _in_ring(x: float, y: float, ring: list) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _in_geometry(x: float, y: float, geom: dict) -> bool:
    polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    for poly in polys:
        if _in_ring(x, y, poly[0]) and not any(_in_ring(x, y, hole) for hole in poly[1:]):
            return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data" / "geo")
    args = parser.parse_args()
    src = args.shared
    out = ROOT / "src" / "bioatlas" / "atlas" / "geodata"
    static = ROOT / "src" / "bioatlas" / "web" / "static" / "geo"
    out.mkdir(parents=True, exist_ok=True)
    static.mkdir(parents=True, exist_ok=True)

    seen: set[tuple[str, str]] = set()
    communes: list[tuple[str, str, str, str, str, str]] = []
    with (src / "laposte_hexasmal.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter=";"):
            key = (row["Code_commune_INSEE"], row["Code_postal"])
            if key in seen:
                continue
            seen.add(key)
            lat, _, lon = (row["coordonnees_gps"] or "").partition(",")
            communes.append((key[0], row["Nom_commune"], key[1], row["Libellé_d_acheminement"], lat.strip(), lon.strip()))
    communes.sort()
    with gzip.open(out / "communes.csv.gz", "wt", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["insee", "name", "postcode", "label", "lat", "lon"])
        writer.writerows(communes)

    regions = json.loads((src / "regions-avec-outre-mer.geojson").read_text(encoding="utf-8"))["features"]
    depts = json.loads((src / "departements-avec-outre-mer.geojson").read_text(encoding="utf-8"))["features"]
    with (out / "regions.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["code", "name"])
        for feat in sorted(regions, key=lambda f: f["properties"]["code"]):
            writer.writerow([feat["properties"]["code"], feat["properties"]["nom"]])
    points: dict[str, list[tuple[float, float]]] = {}
    for insee, _n, _p, _l, lat, lon in communes:
        if lat and lon:
            points.setdefault(dept_of(insee), []).append((float(lon), float(lat)))
    rows = []
    for feat in sorted(depts, key=lambda f: f["properties"]["code"]):
        code = feat["properties"]["code"]
        region = ""
        for x, y in points.get(code, [])[:25]:
            hits = [r["properties"]["code"] for r in regions if _in_geometry(x, y, r["geometry"])]
            if hits:
                region = hits[0]
                break
        if not region:
            raise SystemExit(f"no region found for département {code}")
        rows.append([code, feat["properties"]["nom"], region])
    with (out / "departements.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["code", "name", "region"])
        writer.writerows(rows)
    for name in ("regions-version-simplifiee.geojson", "departements-version-simplifiee.geojson"):
        shutil.copyfile(src / name, static / name.replace("-version-simplifiee", ""))
    print(f"{len(communes)} commune/postcode rows, {len(rows)} départements, {len(regions)} regions")


if __name__ == "__main__":
    main()

"""IREP (Géorisques), the register of industrial establishments reporting pollutant emissions.

Only parsing lives here: `read(path, geo)` turns the official CSV export into one `IrepSite` per
row (an actor record, or the row's rejection, plus its warnings). Nothing here touches the
database. Licence of the data: Licence Ouverte (Ministère de la Transition écologique, DGPR).

Coordinates are in Lambert II étendu (EPSG:27572) and reprojected to WGS84 with pyproj. A point
that falls outside France after reprojection, or more than `MAX_KM_FROM_COMMUNE` from the centre
of the row's commune, is not placed: the site is kept with its address and commune, without
coordinates, and the row gets a warning naming the coordinate column (the overseas rows of the
2015 file carry coordinates in other systems under the same columns).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from bioatlas.atlas.service import ActorRecord, Gazetteer, GeocodeError, SiteRecord
from bioatlas.core.errors import FileError
from bioatlas.core.identifiers import siret_valid
from bioatlas.core.reports import RowError
from bioatlas.sources.csv_rows import read_rows
from bioatlas.sources.places import locate

if TYPE_CHECKING:
    from pyproj import Geod, Transformer

LICENCE = "Licence Ouverte"
COLUMNS = (
    "Identifiant", "Nom_Etablissement", "Numero_SIRET", "Adresse", "Code_Postal", "Commune",
    "Coordonnees_X", "Coordonnees_Y", "Code_APE",
)
KIND = "company"
SITE_ROLE = "production"
MAX_KM_FROM_COMMUNE = 20.0
# WGS84 boxes (west, south, east, north) of metropolitan France and the overseas départements.
FRANCE_BOXES = (
    (-5.6, 41.3, 9.7, 51.2),  # metropolitan France and Corsica
    (-61.9, 15.8, -60.9, 16.6),  # Guadeloupe
    (-61.3, 14.3, -60.7, 14.9),  # Martinique
    (-54.7, 2.0, -51.5, 5.9),  # Guyane
    (55.2, -21.5, 55.9, -20.8),  # La Réunion
    (44.9, -13.1, 45.4, -12.5),  # Mayotte
)
_NAF = re.compile(r"^(\d{2})\.?(\d{2})([A-Z])$")


class IrepFileError(FileError):
    """An IREP file (or `--naf` option) that stops the import: nothing is written."""


@dataclass
class IrepSite:
    line: int
    irep_id: str
    naf_code: str | None = None
    record: ActorRecord | None = None
    error: RowError | None = None
    warnings: list[RowError] = field(default_factory=list)
    located: bool = False


def naf_code(value: str) -> str | None:
    """'2110Z' or '21.10Z' -> '21.10Z'; None when it is not a NAF rév. 2 sub-class."""
    m = _NAF.match(value.strip().upper())
    return f"{m.group(1)}.{m.group(2)}{m.group(3)}" if m else None


def naf_filter(values: list[str] | None) -> set[str] | None:
    """The `--naf` option: comma-separated or repeated codes, each checked."""
    if not values:
        return None
    codes: set[str] = set()
    for value in values:
        for part in value.split(","):
            if not part.strip():
                continue
            code = naf_code(part)
            if code is None:
                raise IrepFileError(None, "expected NAF codes such as 21.10Z,21.20Z", field="--naf", value=part.strip())
            codes.add(code)
    return codes or None


def address(value: str) -> str | None:
    """Line breaks and repeated spaces of the file's addresses become one line."""
    parts = [" ".join(p.split()) for p in re.split(r"[\r\n]+", value)]
    return ", ".join(p for p in parts if p) or None


@lru_cache(maxsize=1)
def _to_wgs84() -> Transformer:
    from pyproj import Transformer  # PROJ: loaded when an IREP file is read, not at every start

    return Transformer.from_crs("EPSG:27572", "EPSG:4326", always_xy=True)


def to_wgs84(x: float, y: float) -> tuple[float, float]:
    """Lambert II étendu (metres) -> (latitude, longitude) in degrees."""
    lon, lat = _to_wgs84().transform(x, y)
    return lat, lon


@lru_cache(maxsize=1)
def _geod() -> Geod:
    from pyproj import Geod  # see _to_wgs84

    return Geod(ellps="WGS84")


def km_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return _geod().inv(lon1, lat1, lon2, lat2)[2] / 1000


def in_france(latitude: float, longitude: float) -> bool:
    return any(w <= longitude <= e and s <= latitude <= n for w, s, e, n in FRANCE_BOXES)


def read(path: Path, geo: Gazetteer, *, naf: set[str] | None = None) -> Iterator[IrepSite]:
    """One `IrepSite` per row kept by the NAF filter (all rows when `naf` is None)."""
    name = Path(path).name
    for line, row in read_rows(path, wanted=COLUMNS, delimiter=",", error=IrepFileError):
        code = naf_code(row["Code_APE"]) if row["Code_APE"] else None
        if naf is not None and code not in naf:
            continue
        yield parse_row(line, row, geo, file=name)


def parse_row(line: int, row: dict[str, str], geo: Gazetteer, *, file: str) -> IrepSite:
    site = IrepSite(line=line, irep_id=row["Identifiant"])

    def reject(column: str | None, value: str | None, reason: str) -> IrepSite:
        site.error = RowError(line, column, value, reason, file=file)
        return site

    def warn(column: str, value: str, reason: str) -> None:
        site.warnings.append(RowError(line, column, value, reason, file=file))

    if not row["Identifiant"]:
        return reject("Identifiant", None, "no IREP identifier")
    if not row["Nom_Etablissement"]:
        return reject("Nom_Etablissement", row["Identifiant"], "no establishment name")
    siret = row["Numero_SIRET"].replace(" ", "")
    if siret and not (siret.isdigit() and len(siret) == 14):
        return reject("Numero_SIRET", row["Numero_SIRET"], "a SIRET has 14 digits")
    if siret and not siret_valid(siret):
        return reject("Numero_SIRET", siret, "not a valid SIRET (check digit fails)")
    if row["Code_APE"]:
        site.naf_code = naf_code(row["Code_APE"])
        if site.naf_code is None:
            return reject("Code_APE", row["Code_APE"], "not a NAF code (expected e.g. 2110Z)")
    rec = SiteRecord(role=SITE_ROLE, address=address(row["Adresse"]))
    place = None
    postcode = row["Code_Postal"].replace(" ", "")
    try:
        place = locate(geo, postcode=postcode, commune=row["Commune"])
    except GeocodeError as exc:
        warn("Code_Postal", f"{postcode} {row['Commune']}".strip(), f"place not in the gazetteer ({exc}); site kept without commune code")
        rec.postcode = postcode or None
        rec.commune_name = row["Commune"] or None
    if place is not None:
        rec.postcode, rec.commune_insee, rec.commune_name = postcode, place.insee, place.name
        rec.departement, rec.region = place.departement, place.region
    try:
        x, y = float(row["Coordonnees_X"]), float(row["Coordonnees_Y"])
    except ValueError:
        warn("Coordonnees_X", f"{row['Coordonnees_X']} {row['Coordonnees_Y']}".strip(), "coordinates are not numbers; site kept without coordinates")
    else:
        lat, lon = to_wgs84(x, y)
        shown = f"{row['Coordonnees_X']} {row['Coordonnees_Y']}"
        if not in_france(lat, lon):
            warn("Coordonnees_X", shown, f"Lambert II étendu point falls outside France ({lat:.3f}, {lon:.3f}); site kept without coordinates")
        elif place is not None and place.latitude is not None and place.longitude is not None and (
            (d := km_between(lat, lon, place.latitude, place.longitude)) > MAX_KM_FROM_COMMUNE
        ):
            warn("Coordonnees_X", shown, f"point lies {d:.0f} km from {place.name} ({place.insee}); site kept without coordinates")
        else:
            rec.latitude, rec.longitude = round(lat, 6), round(lon, 6)
            rec.precision = "address"  # the register's own coordinates of the establishment
            site.located = True
    identifiers = {"irep": [row["Identifiant"]]}
    if siret:
        identifiers["siret"] = [siret]
        identifiers["siren"] = [siret[:9]]
    site.record = ActorRecord(
        name=" ".join(row["Nom_Etablissement"].split()), kind=KIND, identifiers=identifiers,
        naf_code=site.naf_code, sites=[rec],
    )
    return site

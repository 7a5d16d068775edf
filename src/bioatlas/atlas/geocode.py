"""Offline geocoding on the La Poste communes file shipped with the package.

postcode and/or commune name (or INSEE code) -> commune, coordinates, département, region.
Unknown or ambiguous places raise `GeocodeError` with the candidates; nothing is guessed.
Data: La Poste "base officielle des codes postaux" (Licence Ouverte), IGN Admin Express
(département and region codes); see docs/data-sources.md.
"""

from __future__ import annotations

import csv
import gzip
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bioatlas.core.fields import FieldError
from bioatlas.core.text import fold

GEODATA = Path(__file__).with_name("geodata")
_ABBREV = {"saint": "st", "sainte": "ste"}


class GeocodeError(FieldError):
    """A place that cannot be located without guessing. `reason` is 'unknown' or 'ambiguous'.
    A refusal naming `place` whose message is a message id with `params` (a page shows it in
    the reader's language, `core.fields.refusal_text`); `str()` is the English message alone."""

    def __init__(self, reason: str, message: str, candidates: list["Place"] | None = None, *,
                 params: dict | None = None):
        super().__init__("place", message, params=params)
        self.reason = reason
        self.candidates = candidates or []

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Place:
    insee: str
    name: str
    postcode: str
    latitude: float | None
    longitude: float | None
    departement: str
    region: str

    def as_dict(self) -> dict:
        return {
            "insee": self.insee,
            "name": self.name,
            "postcode": self.postcode,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "departement": self.departement,
            "region": self.region,
        }


def departement_of(insee: str) -> str:
    return insee[:3] if insee.startswith("97") else insee[:2]


def _name_key(value: str) -> str:
    words = fold(value).split()
    return " ".join(_ABBREV.get(w, w) for w in words)


def display_name(raw: str) -> str:
    """'ST OUEN SUR SEINE' -> 'St Ouen sur Seine' (the file is upper-case without accents)."""
    small = {"sur", "sous", "de", "du", "des", "la", "le", "les", "en", "et", "l", "d", "aux", "au"}
    words = raw.lower().split()
    return " ".join(w if (i and w in small) else w.capitalize() for i, w in enumerate(words))


def _distinct(places: list[Place]) -> list[Place]:
    """`places` one per commune (INSEE code), in their order."""
    return list({p.insee: p for p in places}.values())


def _sample(communes: list[Place]) -> dict:
    """The params of an ambiguity's message: how many communes, and the first eight named."""
    sample = ", ".join(f"{p.name} ({p.insee})" for p in communes[:8])
    return {"count": len(communes), "sample": sample + ("…" if len(communes) > 8 else "")}


class Gazetteer:
    def __init__(self) -> None:
        self.by_insee: dict[str, list[Place]] = {}
        self.by_postcode: dict[str, list[Place]] = {}
        self.by_name: dict[str, list[Place]] = {}
        self._grid: dict[tuple[int, int], list[Place]] = {}
        self.departements: dict[str, tuple[str, str]] = {}  # code -> (name, region)
        self.regions: dict[str, str] = {}
        self._compound: dict[str, list[Place]] | None = None  # first word -> communes of two-word names
        with (GEODATA / "departements.csv").open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                self.departements[row["code"]] = (row["name"], row["region"])
        with (GEODATA / "regions.csv").open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                self.regions[row["code"]] = row["name"]
        with gzip.open(GEODATA / "communes.csv.gz", "rt", encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh, delimiter=";"):
                dept = departement_of(row["insee"])
                region = self.departements.get(dept, ("", ""))[1]
                lat = float(row["lat"]) if row["lat"] else None
                lon = float(row["lon"]) if row["lon"] else None
                place = Place(row["insee"], display_name(row["name"]), row["postcode"], lat, lon, dept, region)
                self.by_insee.setdefault(place.insee, []).append(place)
                self.by_postcode.setdefault(place.postcode, []).append(place)
                for key in {_name_key(row["name"]), _name_key(row["label"])}:
                    self.by_name.setdefault(key, []).append(place)
                if lat is not None and lon is not None:
                    self._grid.setdefault((math.floor(lat * 10), math.floor(lon * 10)), []).append(place)

    # -- forward -----------------------------------------------------------------------
    def geocode(self, *, postcode: str | None = None, commune: str | None = None, insee: str | None = None) -> Place:
        postcode = (postcode or "").strip().replace(" ", "")
        commune = (commune or "").strip()
        insee = (insee or "").strip().upper()
        if insee:
            places = self.by_insee.get(insee.zfill(5) if insee.isdigit() else insee)
            if not places:
                raise GeocodeError("unknown", "unknown INSEE commune code {insee!r}", params={"insee": insee})
            if postcode:
                places = [p for p in places if p.postcode == postcode] or places
            return places[0]
        if postcode and postcode.isdigit() and len(postcode) == 4:
            postcode = "0" + postcode  # Excel drops the leading zero of 01000…09999
        if postcode and (not postcode.isdigit() or len(postcode) != 5):
            raise GeocodeError("unknown", "postcode {postcode!r} is not a 5-digit French postcode",
                               params={"postcode": postcode})
        if postcode:
            places = self.by_postcode.get(postcode, [])
            if not places:
                raise GeocodeError("unknown", "unknown postcode {postcode!r}", params={"postcode": postcode})
            if commune:
                key = _name_key(commune)
                named = [p for p in places if key in (_name_key(p.name),) or p in self.by_name.get(key, [])]
                if not named:
                    names = ", ".join(sorted({p.name for p in places}))
                    raise GeocodeError(
                        "unknown", "commune {commune!r} not found under postcode {postcode} (communes: {names})",
                        places, params={"commune": commune, "postcode": postcode, "names": names},
                    )
                places = named
            found = _distinct(places)
            if len(found) > 1 and commune:
                raise GeocodeError("ambiguous", "postcode {postcode} / {commune!r} matches {count} communes: {sample}",
                                   found, params={"postcode": postcode, "commune": commune, **_sample(found)})
            if len(found) > 1:
                raise GeocodeError("ambiguous", "postcode {postcode} matches {count} communes: {sample}",
                                   found, params={"postcode": postcode, **_sample(found)})
            return found[0]
        if commune:
            places = self.by_name.get(_name_key(commune), [])
            if not places:
                raise GeocodeError("unknown", "unknown commune {commune!r}", params={"commune": commune})
            found = _distinct(places)
            if len(found) > 1:
                raise GeocodeError("ambiguous", "commune {commune!r} matches {count} communes: {sample}",
                                   found, params={"commune": commune, **_sample(found)})
            return found[0]
        raise GeocodeError("unknown", "no postcode, commune or INSEE code given")


    # -- a name typed in free text ----------------------------------------------------
    def communes_called(self, name: str) -> list[Place]:
        """The distinct communes a name typed by a person may mean: those of that name, and those
        whose name is that word and one more (Evry: Evry 89 and Evry-Courcouronnes 91). The
        arrondissements of Paris, Lyon and Marseille stay apart: see `city_of`."""
        key = _name_key(name)
        if not key:
            return []
        found = {p.insee: p for p in self.by_name.get(key, [])}
        if " " not in key:
            if self._compound is None:
                self._compound = {}
                for k, places in self.by_name.items():
                    first, _, rest = k.partition(" ")
                    if rest and " " not in rest:
                        self._compound.setdefault(first, []).extend(places)
            for p in self._compound.get(key, []):
                found.setdefault(p.insee, p)
        return list(found.values())

    @staticmethod
    def city_of(places: list[Place]) -> str | None:
        """The city whose numbered arrondissements these places all are ('Lyon 01' ... -> 'Lyon'), else None."""
        cities = {p.name.rsplit(" ", 1)[0] for p in places if p.name.rsplit(" ", 1)[-1].isdigit()}
        if len(cities) != 1 or not all(p.name.rsplit(" ", 1)[-1].isdigit() for p in places):
            return None
        return cities.pop()

    # -- reverse -----------------------------------------------------------------------
    def nearest(self, latitude: float, longitude: float, max_km: float = 30.0) -> Place | None:
        """Closest commune centre to a point, within max_km; None when the point is not in France."""
        ci, cj = math.floor(latitude * 10), math.floor(longitude * 10)
        best: tuple[float, Place] | None = None
        for radius in range(0, 4):
            for di in range(-radius, radius + 1):
                for dj in range(-radius, radius + 1):
                    if max(abs(di), abs(dj)) != radius:
                        continue
                    for place in self._grid.get((ci + di, cj + dj), ()):
                        d = _km(latitude, longitude, place.latitude, place.longitude)
                        if best is None or d < best[0]:
                            best = (d, place)
            if best is not None and best[0] <= radius * 5.5:
                break
        if best is None or best[0] > max_km:
            return None
        return best[1]

    def departement_name(self, code: str | None) -> str:
        return self.departements.get(code or "", ("", ""))[0] or (code or "")

    def region_name(self, code: str | None) -> str:
        return self.regions.get(code or "", code or "")


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p = math.pi / 180
    a = 0.5 - math.cos((lat2 - lat1) * p) / 2 + math.cos(lat1 * p) * math.cos(lat2 * p) * (1 - math.cos((lon2 - lon1) * p)) / 2
    return 12742 * math.asin(math.sqrt(a))


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    return Gazetteer()

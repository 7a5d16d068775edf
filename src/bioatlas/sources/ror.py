"""ROR (Research Organization Registry) records, schema v1 and v2, as read from a data dump.

Only parsing lives here: `parse(record) -> RorOrg`, and `to_actor_record(org)` for the atlas.
Licence of the data: CC0 1.0 (https://ror.org).
"""

from __future__ import annotations

import gzip
import io
import itertools
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from bioatlas.atlas.service import ActorRecord, SiteRecord
from bioatlas.core.errors import FileError

LICENCE = "CC0 1.0"
# ROR type -> atlas kind, in priority order when a record has several types.
TYPE_TO_KIND = (
    ("healthcare", "hospital"),
    ("education", "university"),
    ("facility", "research_unit"),
    ("company", "company"),
    ("government", "public_agency"),
    ("nonprofit", "foundation"),
    ("funder", "foundation"),
    ("archive", "other"),
    ("other", "other"),
)
EXTERNAL_SCHEMES = {"wikidata": "wikidata", "isni": "isni", "grid": "grid", "fundref": "fundref"}


@dataclass
class RorOrg:
    id: str
    name: str
    status: str
    types: list[str]
    labels: list[tuple[str, str | None]] = field(default_factory=list)  # (value, lang)
    aliases: list[str] = field(default_factory=list)
    acronyms: list[str] = field(default_factory=list)
    country: str | None = None  # of the first location
    countries: list[str] = field(default_factory=list)  # of every location
    city: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    website: str | None = None
    external: dict[str, list[str]] = field(default_factory=dict)
    parents: list[str] = field(default_factory=list)


def parse(rec: dict) -> RorOrg:
    """One ROR record of either schema."""
    if "names" in rec:
        return _parse_v2(rec)
    return _parse_v1(rec)


def _parse_v2(rec: dict) -> RorOrg:
    display = next((n["value"] for n in rec["names"] if "ror_display" in n.get("types", [])), rec["names"][0]["value"])
    org = RorOrg(id=rec["id"], name=display, status=rec.get("status", "active"), types=[t.lower() for t in rec.get("types", [])])
    for n in rec["names"]:
        types = n.get("types", [])
        if "acronym" in types:
            org.acronyms.append(n["value"])
        elif "alias" in types:
            org.aliases.append(n["value"])
        elif "label" in types and n["value"] != display:
            org.labels.append((n["value"], n.get("lang")))
        elif "label" in types:
            org.labels.insert(0, (n["value"], n.get("lang")))
    if rec.get("locations"):
        g = rec["locations"][0].get("geonames_details", {})
        org.country, org.city, org.latitude, org.longitude = g.get("country_code"), g.get("name"), g.get("lat"), g.get("lng")
    org.countries = [c for c in (loc.get("geonames_details", {}).get("country_code") for loc in rec.get("locations", [])) if c]
    org.website = next((link["value"] for link in rec.get("links", []) if link.get("type") == "website"), None)
    for ext in rec.get("external_ids", []):
        scheme = EXTERNAL_SCHEMES.get(ext.get("type", "").lower())
        if scheme:
            org.external[scheme] = [v for v in ext.get("all", []) if v]
    org.parents = [r["id"] for r in rec.get("relationships", []) if r.get("type", "").lower() == "parent"]
    return org


def _parse_v1(rec: dict) -> RorOrg:
    org = RorOrg(id=rec["id"], name=rec["name"], status=rec.get("status", "active"), types=[t.lower() for t in rec.get("types", [])])
    org.labels = [(lab["label"], lab.get("iso639")) for lab in rec.get("labels", [])]
    org.aliases = list(rec.get("aliases", []))
    org.acronyms = list(rec.get("acronyms", []))
    org.country = (rec.get("country") or {}).get("country_code")
    org.countries = [org.country] if org.country else []
    if rec.get("addresses"):
        a = rec["addresses"][0]
        org.city, org.latitude, org.longitude = a.get("city"), a.get("lat"), a.get("lng")
    org.website = next(iter(rec.get("links") or []), None)
    for key, ext in (rec.get("external_ids") or {}).items():
        scheme = EXTERNAL_SCHEMES.get(key.lower())
        if scheme:
            values = ext.get("all") or []
            org.external[scheme] = [values] if isinstance(values, str) else [v for v in values if v]
    org.parents = [r["id"] for r in rec.get("relationships", []) if r.get("type", "").lower() == "parent"]
    return org


class RorFileError(FileError):
    """A dump that cannot be read; the message names the file (and the record when known)."""


def read_dump(path: Path) -> Iterator[dict]:
    """Records of a ROR dump: a .zip as published (the schema v2 JSON inside is preferred), a JSON
    array, or JSON Lines; optionally gzipped. Truncated or foreign files raise RorFileError."""
    path = Path(path)
    try:
        if path.suffix == ".zip":
            yield from _read_zip(path)
            return
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as fh:
            yield from _read_stream(fh, path)
    except FileNotFoundError as exc:  # the operator's words, not Python's (was "unreadable ROR dump (FileNotFoundError…)")
        raise RorFileError(path, f"cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise RorFileError(path, f"unreadable ROR dump: not UTF-8 (byte {exc.object[exc.start]:#04x}); "
                                 "use the JSON file ROR publishes") from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise RorFileError(path, f"unreadable ROR dump ({exc.__class__.__name__}: {exc})") from None


def _read_zip(path: Path) -> Iterator[dict]:
    with zipfile.ZipFile(path) as zf:
        names = [n for n in zf.namelist() if n.endswith(".json")]
        if not names:
            raise RorFileError(path, "no .json file in the archive")
        chosen = next((n for n in names if "v2" in n), names[0])
        with zf.open(chosen) as raw:
            yield from _read_stream(io.TextIOWrapper(raw, encoding="utf-8"), path)


def _read_stream(fh, path: Path) -> Iterator[dict]:
    first = fh.read(1)
    while first and first.isspace():
        first = fh.read(1)
    if not first:  # was read as a dump of no record, exit 0
        raise RorFileError(path, "empty file: no ROR record")
    if first == "[":
        try:
            records = json.loads(first + fh.read())
        except json.JSONDecodeError as exc:
            raise RorFileError(path, f"not valid JSON ({exc.msg})", line=exc.lineno) from None
        for n, rec in enumerate(records, 1):
            yield _checked(rec, path, n)
        return
    for n, line in enumerate(itertools.chain([first + fh.readline()], fh), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RorFileError(path, f"not valid JSON ({exc.msg})", line=n) from None
        yield _checked(rec, path, n)


def _checked(rec: object, path: Path, n: int) -> dict:
    if not isinstance(rec, dict) or not str(rec.get("id", "")).startswith("https://ror.org/"):
        raise RorFileError(path, f"record {n}: not a ROR record (no https://ror.org/ id)")
    return rec


def kind_of(org: RorOrg) -> str:
    for ror_type, kind in TYPE_TO_KIND:
        if ror_type in org.types:
            return kind
    return "other"


def to_actor_record(org: RorOrg, *, locate=None) -> ActorRecord:
    """An ActorRecord for the atlas; `locate(lat, lon)` returns a geocode Place for French points."""
    french = next((v for v, lang in org.labels if lang == "fr"), None)
    name = french or org.name
    names: list[tuple[str, str, str | None]] = []
    if name != org.name:
        names.append(("label_en" if _is_english(org, org.name) else "alias", org.name, None))
    for value, lang in org.labels:
        if value != name:
            names.append(("label_en" if lang == "en" else ("label_fr" if lang == "fr" else "alias"), value, lang))
    names += [("acronym", a, None) for a in org.acronyms]
    names += [("alias", a, None) for a in org.aliases if a != name]
    identifiers = {"ror": [org.id]}
    for scheme, values in org.external.items():
        identifiers[scheme] = values
    if org.website:
        identifiers["website"] = [org.website]
    sites = []
    if org.latitude is not None and org.longitude is not None:
        place = locate(org.latitude, org.longitude) if (locate and org.country == "FR") else None
        sites.append(
            SiteRecord(
                role="hq",
                commune_insee=place.insee if place else None,
                commune_name=place.name if place else org.city,
                postcode=None,
                departement=place.departement if place else None,
                region=place.region if place else None,
                country=org.country or "FR",
                latitude=org.latitude,
                longitude=org.longitude,
                precision="city_registry",  # ROR gives a city's coordinates, not the organisation's
            )
        )
    return ActorRecord(
        name=name,
        kind=kind_of(org),
        status="active" if org.status == "active" else org.status,
        names=names,
        identifiers=identifiers,
        sites=sites,
    )


def _is_english(org: RorOrg, value: str) -> bool:
    return any(v == value and lang == "en" for v, lang in org.labels)

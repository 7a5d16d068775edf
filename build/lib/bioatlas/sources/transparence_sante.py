"""Transparence-Santé, the register of health-product companies declaring links with health
professionals (the `entreprises` file of the base, model before 2022).

Only parsing lives here: `read(path, geo)` turns the official CSV export into one `TsCompany` per
row (an actor record, or the row's rejection, plus its warnings). Nothing here touches the
database. The file has no SIREN and no NAF: a company is known by its identifier in the register
(scheme `transparence_sante`); names are never matched here (linking across sources is the
resolver's job). Licence: "Other (Attribution)" on data.gouv.fr, reuse with attribution.

French rows are placed at their commune through the gazetteer (postcode and city, the city's
CEDEX suffix dropped); a French postcode unknown to the gazetteer keeps the site with its address
and no commune, and the row gets a warning. Foreign rows are kept with their country and address
and no French geocoding. The sector code (`[MED]`, `[DMDIV]`…) is kept as a capability of the
facet `health_sectors` (its own taxonomy), a fact the sector scope can read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bioatlas.atlas.service import ActorRecord, Gazetteer, GeocodeError, SiteRecord
from bioatlas.core.errors import FileError
from bioatlas.core.reports import RowError
from bioatlas.sources.csv_rows import read_rows
from bioatlas.sources.places import locate

LICENCE = "Licence Ouverte / attribution (data.gouv.fr: Other (Attribution))"
COLUMNS = (
    "identifiant", "pays_code", "secteur_activite_code", "denomination_sociale",
    "adresse_1", "adresse_2", "adresse_3", "adresse_4", "code_postal", "ville",
)
KIND = "company"
SECTOR_FACET = "health_sectors"
_BRACKETED = re.compile(r"^\[([A-Z]{1,8})\]$")
_CEDEX = re.compile(r"\s+cedex(\s*\d+)?\s*$", re.IGNORECASE)


class TsFileError(FileError):
    """A Transparence-Santé file that stops the import: nothing is written."""


@dataclass
class TsCompany:
    line: int
    ts_id: str
    country: str | None = None
    sector: str | None = None
    record: ActorRecord | None = None
    error: RowError | None = None
    warnings: list[RowError] = field(default_factory=list)


def bracketed(value: str) -> str | None:
    """'[FR]' -> 'FR'; None when the cell is not a bracketed code."""
    m = _BRACKETED.match(value.strip().upper())
    return m.group(1) if m else None


def city(value: str) -> str:
    """'SEVRES CEDEX' -> 'SEVRES' (the gazetteer knows communes, not CEDEX routing labels)."""
    return _CEDEX.sub("", " ".join(value.split()))


def read(path: Path, geo: Gazetteer, *, sectors: set[str]) -> Iterator[TsCompany]:
    """One `TsCompany` per row; `sectors` are the codes of the `health_sectors` taxonomy."""
    name = Path(path).name
    for line, row in read_rows(path, wanted=COLUMNS, delimiter=",", error=TsFileError):
        yield parse_row(line, row, geo, sectors=sectors, file=name)


def parse_row(line: int, row: dict[str, str], geo: Gazetteer, *, sectors: set[str], file: str) -> TsCompany:
    company = TsCompany(line=line, ts_id=row["identifiant"])

    def reject(column: str | None, value: str | None, reason: str) -> TsCompany:
        company.error = RowError(line, column, value, reason, file=file)
        return company

    if not row["identifiant"]:
        return reject("identifiant", None, "no Transparence-Santé identifier")
    name = " ".join(row["denomination_sociale"].split())
    if not name:
        return reject("denomination_sociale", row["identifiant"], "no company name")
    company.country = bracketed(row["pays_code"])
    if company.country is None or len(company.country) != 2:
        return reject("pays_code", row["pays_code"], "expected a bracketed ISO country code such as [FR]")
    sector = bracketed(row["secteur_activite_code"]) if row["secteur_activite_code"] else None
    if row["secteur_activite_code"] and sector not in sectors:
        return reject("secteur_activite_code", row["secteur_activite_code"],
                      f"unknown sector code (known: {', '.join(sorted(sectors))})")
    company.sector = sector
    lines = [" ".join(row[c].split()) for c in ("adresse_1", "adresse_2", "adresse_3", "adresse_4")]
    site = SiteRecord(role="hq", address=", ".join(v for v in lines if v) or None, country=company.country)
    postcode = row["code_postal"].replace(" ", "")
    town = city(row["ville"])
    if company.country == "FR":
        try:
            place = locate(geo, postcode=postcode, commune=town)
        except GeocodeError as first:
            try:  # a CEDEX postcode or a city written differently: the postcode alone, if it names one commune
                place = geo.geocode(postcode=postcode)
            except GeocodeError:
                place = None
                company.warnings.append(RowError(
                    line, "code_postal", f"{postcode} {row['ville']}".strip(),
                    f"place not in the gazetteer ({first}); site kept without commune", file=file))
        site.postcode = postcode or None
        if place is not None:
            site.commune_insee, site.commune_name = place.insee, place.name
            site.departement, site.region = place.departement, place.region
            site.latitude, site.longitude = place.latitude, place.longitude
            site.precision = "commune"  # the address is kept, the point is the commune's centre
        else:
            site.commune_name = town or None
    else:
        site.postcode = postcode or None
        site.commune_name = town or None
    company.record = ActorRecord(
        name=name, kind=KIND, identifiers={"transparence_sante": [row["identifiant"]]}, sites=[site],
        capabilities={SECTOR_FACET: [sector] if sector else []},
    )
    return company

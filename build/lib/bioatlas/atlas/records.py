"""Plain records handed to the writer by importers, the demo loader and (later) connectors.

A field left as None means "this source says nothing about it" and leaves the atlas as it is;
an empty list means "this source says there is none" and clears what that source said before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class SourceRecord:
    key: str
    title: str
    kind: str = "file"
    url: str | None = None
    licence: str | None = None
    published: date | None = None


# How precise a site's position is (sites.precision): "address" (a street address geocoded, or
# coordinates given by the registry for the site itself), "commune" (the commune's centre from the
# gazetteer), "city_registry" (a city named by a registry such as ROR, placed at its town hall);
# a site without coordinates has none.
PRECISIONS = ("address", "commune", "city_registry")
APPROXIMATE = ("commune", "city_registry")


@dataclass
class SiteRecord:
    """`precision`: one of PRECISIONS; left None, it is derived (`site_precision`)."""

    role: str = "hq"
    address: str | None = None
    postcode: str | None = None
    commune_insee: str | None = None
    commune_name: str | None = None
    departement: str | None = None
    region: str | None = None
    country: str = "FR"
    latitude: float | None = None
    longitude: float | None = None
    precision: str | None = None

    def __post_init__(self) -> None:
        if self.precision is not None and self.precision not in PRECISIONS:
            raise ValueError(f"precision {self.precision!r} is not one of {PRECISIONS}")


def site_precision(site) -> str | None:
    """The precision a site (record or row) is stored with: None without coordinates, the one it
    states, else "address" when it has a street address and "commune" when it has none."""
    if site.latitude is None or site.longitude is None:
        return None
    if site.precision:
        return site.precision
    return "address" if (site.address or "").strip() else "commune"


@dataclass
class ActorRecord:
    name: str
    kind: str | None = None
    actor_id: int | None = None
    status: str | None = None
    names: list[tuple[str, str, str | None]] | None = None  # (type, value, lang)
    identifiers: dict[str, list[str]] = field(default_factory=dict)
    description_fr: str | None = None
    description_en: str | None = None
    scale_litres: float | None = None
    gmp: str | None = None
    naf_code: str | None = None
    headcount_band: str | None = None
    headcount_year: int | None = None
    sites: list[SiteRecord] | None = None
    capabilities: dict[str, list[str]] = field(default_factory=dict)  # taxonomy name -> codes
    relations: list[tuple[str, int]] | None = None  # (relation type, target actor id)
    source: SourceRecord | None = None

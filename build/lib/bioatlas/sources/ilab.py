"""i-Lab, the national competition for innovative technology start-ups (laureates 1999-2025,
Ministère de l'Enseignement supérieur et de la Recherche): parsing only.

`read(path)` yields one `Laureate` per row, or a `RowError` for a row that cannot be one (a
SIREN or SIRET failing its check digit, a SIRET of another SIREN, a malformed year). A row without
a SIREN is a project with no company yet: it is read (`Laureate.siren` None) and the loader counts
it apart. Columns naming people (`Genre`, `Nom du lauréat`, `Prénom du candidat`, `Idref`,
`Email`) are never read. UTF-8 with or without a BOM. Licence: Licence Ouverte / Open Licence 2.0.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bioatlas.core.text import redact_contacts
from bioatlas.core.reports import RowError
from bioatlas.sources.csv_rows import read_rows
from bioatlas.core.identifiers import siren_valid, siret_valid

LICENCE = "Licence Ouverte / Open Licence 2.0"
SIREN, SIRET, YEAR, ID = "N° SIREN", "N° SIRET", "Année de concours", "Identifiant"
UNIT = "Id de l'unité de recherche liée au projet"
COLUMNS = (
    ID, YEAR, "Type de candidature", "Domaine technologique", "Id région", "Région", "Moto", "Résumé", "Projet",
    SIRET, SIREN, "Libellé entreprise", "Site web entreprise", UNIT,
)
PERSONAL = ("Genre", "Nom du lauréat", "Prénom du candidat", "Idref", "Email")


@dataclass
class Laureate:
    line: int
    laureate_id: str | None
    year: int
    application: str | None  # "en émergence" | "création-développement"
    domain: str | None
    region: str | None  # INSEE region code, "11"
    region_name: str | None
    title: str | None  # "Moto": the project's title
    summary: str | None
    project: str | None
    siren: str | None
    siret: str | None
    company: str | None
    website: str | None
    research_unit: str | None  # RNSR id


def parse_row(line: int, row: dict[str, str], *, file: str) -> Laureate | RowError:
    siren = row[SIREN].replace(" ", "")
    if siren and not siren_valid(siren):
        return RowError(line, SIREN, row[SIREN], "not a valid SIREN (9 digits, Luhn check digit)", file=file)
    siret = row[SIRET].replace(" ", "")
    if siret and not siret_valid(siret):
        return RowError(line, SIRET, row[SIRET], "not a valid SIRET (14 digits, Luhn check digit)", file=file)
    if siret and siren and not siret.startswith(siren):
        return RowError(line, SIRET, row[SIRET], f"SIRET of another company than SIREN {siren}", file=file)
    if siret and not siren:
        siren = siret[:9]
    year = row[YEAR]
    if not (year.isdigit() and 1999 <= int(year) <= 2100):
        return RowError(line, YEAR, year or None, "not a competition year (1999 or later)", file=file)
    region = row["Id région"]
    return Laureate(
        line=line, laureate_id=row[ID] or None, year=int(year), application=row["Type de candidature"] or None,
        domain=row["Domaine technologique"] or None,
        region=region[1:] if region.startswith("R") and region[1:].isdigit() else None,
        region_name=row["Région"] or None, title=redact_contacts(row["Moto"]) or None,
        summary=redact_contacts(row["Résumé"]) or None,
        project=row["Projet"] or None, siren=siren or None, siret=siret or None,
        company=row["Libellé entreprise"] or None, website=row["Site web entreprise"] or None,
        research_unit=row[UNIT].upper() or None,
    )


def read(path: Path) -> Iterator[Laureate | RowError]:
    """Every row of an i-Lab export, parsed (FileError for a wrong layout or encoding)."""
    file = Path(path).name
    for line, row in read_rows(Path(path), wanted=COLUMNS, delimiter=";"):
        yield parse_row(line, row, file=file)

"""RNSR, the national register of public research structures ("Structures de recherche publiques
actives", Ministère de l'Enseignement supérieur et de la Recherche): parsing only.

`read(path)` yields one `RnsrStructure` per row, or a `RowError` for a row that cannot be one
(no national number, a malformed one, no name). The three head-of-unit columns
(`nom_du_responsable`, `prenom_du_responsable`, `titre_du_responsable`) are personal data and are
never read. Licence: Licence Ouverte / Open Licence 2.0.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bioatlas.core.reports import RowError
from bioatlas.sources.csv_rows import read_rows
from bioatlas.core.identifiers import siret_valid

LICENCE = "Licence Ouverte / Open Licence 2.0"
ID = "numero_national_de_structure"
COLUMNS = (
    ID, "libelle", "sigle", "annee_de_creation", "type_de_structure", "site_web", "adresse", "code_postal",
    "commune", "label_numero", "tutelles", "sigles_des_tutelles", "code_de_nature_de_tutelle", "uai_des_tutelles",
    "siret_des_tutelles", "code_de_type_de_tutelle", "numero_de_structure_enfant", "numero_de_structure_parent",
    "code_domaine_scientifique", "domaine_scientifique", "code_panel_erc", "panel_erc",
)
PERSONAL = ("nom_du_responsable", "prenom_du_responsable", "titre_du_responsable")
RNSR_ID = re.compile(r"^\d{9}[A-Z]$")
# type of structure -> atlas kind (anything else: research_unit)
STRUCTURE_KINDS = {"Société privée": "company", "Fondations de coopération scientifique": "foundation"}
# nature of a supervising body -> atlas kind
SUPERVISOR_KINDS = {
    "UNIV": "university", "UNIV_ETR": "university", "EPST": "public_agency", "EPIC": "public_agency",
    "EPA": "public_agency", "OP_PUB_ETR": "public_agency", "MEDIC": "hospital", "FONDATION": "foundation",
    "PRIVE": "company", "AUT_ETAB": "university", "AUT_OP_FR": "other", "SITE": "other",
}


@dataclass
class Supervisor:
    siret: str | None
    name: str
    acronym: str | None
    uai: str | None
    nature: str | None
    role: str  # TUTE (supervising) | PART (participating)

    @property
    def kind(self) -> str:
        return SUPERVISOR_KINDS.get(self.nature or "", "other")


@dataclass
class RnsrStructure:
    line: int
    id: str
    name: str
    kind: str
    structure_type: str
    acronym: str | None = None
    year: int | None = None
    website: str | None = None
    address: str | None = None
    postcode: str | None = None
    commune: str | None = None
    labels: list[str] = field(default_factory=list)  # "UMR 6183", …
    supervisors: list[Supervisor] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    domains: list[tuple[str, str | None]] = field(default_factory=list)  # (code, label)
    panels: list[tuple[str, str | None]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";")] if value else []


def _pairs(codes: str, labels: str) -> list[tuple[str, str | None]]:
    names = _split(labels)
    return [(c, names[i] if i < len(names) and names[i] else None) for i, c in enumerate(_split(codes)) if c]


def parse_row(line: int, row: dict[str, str], *, file: str) -> RnsrStructure | RowError:
    rid = row[ID].upper()
    if not rid:
        return RowError(line, ID, None, "no RNSR national number: the row cannot be identified", file=file)
    if not RNSR_ID.match(rid):
        return RowError(line, ID, row[ID], "not an RNSR national number (9 digits and a letter)", file=file)
    if not row["libelle"]:
        return RowError(line, "libelle", rid, "no name", file=file)
    s = RnsrStructure(
        line=line, id=rid, name=row["libelle"], kind=STRUCTURE_KINDS.get(row["type_de_structure"], "research_unit"),
        structure_type=row["type_de_structure"], acronym=row["sigle"] or None, website=row["site_web"] or None,
        address=row["adresse"] or None, postcode=row["code_postal"] or None, commune=row["commune"] or None,
    )
    year = row["annee_de_creation"]
    if year:
        if year.isdigit() and 1500 <= int(year) <= 2100:
            s.year = int(year)
        else:
            s.warnings.append(f"{file}, line {line}, column 'annee_de_creation' ({year!r}): not a year, ignored")
    s.labels = sorted({v for v in _split(row["label_numero"]) if v})
    names, acronyms, natures = _split(row["tutelles"]), _split(row["sigles_des_tutelles"]), _split(row["code_de_nature_de_tutelle"])
    uais, sirets, roles = _split(row["uai_des_tutelles"]), _split(row["siret_des_tutelles"]), _split(row["code_de_type_de_tutelle"])
    for i, name in enumerate(names):
        if not name:
            continue
        siret = sirets[i] if i < len(sirets) else ""
        if siret and not siret_valid(siret):
            s.warnings.append(f"{file}, line {line}, column 'siret_des_tutelles' ({siret!r}): not a valid SIRET "
                              f"(14 digits, Luhn check digit); supervising body {name!r} not linked")
            continue
        if not siret:
            s.warnings.append(f"{file}, line {line}, column 'siret_des_tutelles': no SIRET for supervising body "
                              f"{name!r}; not linked")
            continue
        s.supervisors.append(Supervisor(
            siret=siret, name=name, acronym=(acronyms[i] if i < len(acronyms) else "") or None,
            uai=(uais[i] if i < len(uais) else "") or None, nature=(natures[i] if i < len(natures) else "") or None,
            role=(roles[i] if i < len(roles) else "") or "TUTE",
        ))
    s.parents = [p.upper() for p in _split(row["numero_de_structure_parent"]) if p]
    s.children = [c.upper() for c in _split(row["numero_de_structure_enfant"]) if c]
    s.domains = _pairs(row["code_domaine_scientifique"], row["domaine_scientifique"])
    s.panels = _pairs(row["code_panel_erc"], row["panel_erc"])
    return s


def read(path: Path) -> Iterator[RnsrStructure | RowError]:
    """Every row of an RNSR export, parsed (FileError for a wrong layout or encoding)."""
    file = Path(path).name
    for line, row in read_rows(Path(path), wanted=COLUMNS, delimiter=";"):
        yield parse_row(line, row, file=file)

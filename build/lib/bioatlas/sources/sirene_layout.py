"""Sirene file layouts and reference data: official column lists, NAF codes, headcount bands,
street types, the filter of an import and the establishment record. Used by sirene_reader.py and
sirene.py."""

from __future__ import annotations

import csv
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from pathlib import Path

from bioatlas.atlas.service import SHIPPED_DIR, Gazetteer, check_naf, gazetteer
from bioatlas.core.errors import FileError

DATA_DIR = Path(__file__).parent
NAF_FILE = DATA_DIR / "sirene_naf.csv"
HEADCOUNT_FILE = SHIPPED_DIR / "headcount_bands.csv"  # also the atlas taxonomy of headcount bands
STREET_TYPES_FILE = DATA_DIR / "sirene_voies.csv"

TITLE = "INSEE – base Sirene des entreprises et de leurs établissements (StockEtablissement)"
LICENCE = "Licence Ouverte / Open Licence 2.0"
URL = "https://www.data.gouv.fr/datasets/base-sirene-des-entreprises-et-de-leurs-etablissements-siren-siret/"
SCHEME = "siret"
SOURCE_KEY_PREFIX = "sirene:StockEtablissement:"

# The official layout of StockEtablissement (INSEE, "dessin de fichier" of the stock files), in
# file order. The last column (NAF 2025) appeared in 2025; files before 2023 lack the
# "dernierNumeroVoie", "identifiantAdresse" and Lambert columns. None of those is read here.
ETABLISSEMENT_COLUMNS = (
    "siren", "nic", "siret", "statutDiffusionEtablissement", "dateCreationEtablissement",
    "trancheEffectifsEtablissement", "anneeEffectifsEtablissement", "activitePrincipaleRegistreMetiersEtablissement",
    "dateDernierTraitementEtablissement", "etablissementSiege", "nombrePeriodesEtablissement",
    "complementAdresseEtablissement", "numeroVoieEtablissement", "indiceRepetitionEtablissement",
    "dernierNumeroVoieEtablissement", "indiceRepetitionDernierNumeroVoieEtablissement", "typeVoieEtablissement",
    "libelleVoieEtablissement", "codePostalEtablissement", "libelleCommuneEtablissement",
    "libelleCommuneEtrangerEtablissement", "distributionSpecialeEtablissement", "codeCommuneEtablissement",
    "codeCedexEtablissement", "libelleCedexEtablissement", "codePaysEtrangerEtablissement",
    "libellePaysEtrangerEtablissement", "identifiantAdresseEtablissement", "coordonneeLambertAbscisseEtablissement",
    "coordonneeLambertOrdonneeEtablissement", "complementAdresse2Etablissement", "numeroVoie2Etablissement",
    "indiceRepetition2Etablissement", "typeVoie2Etablissement", "libelleVoie2Etablissement",
    "codePostal2Etablissement", "libelleCommune2Etablissement", "libelleCommuneEtranger2Etablissement",
    "distributionSpeciale2Etablissement", "codeCommune2Etablissement", "codeCedex2Etablissement",
    "libelleCedex2Etablissement", "codePaysEtranger2Etablissement", "libellePaysEtranger2Etablissement",
    "dateDebut", "etatAdministratifEtablissement", "enseigne1Etablissement", "enseigne2Etablissement",
    "enseigne3Etablissement", "denominationUsuelleEtablissement", "activitePrincipaleEtablissement",
    "nomenclatureActivitePrincipaleEtablissement", "caractereEmployeurEtablissement",
    "activitePrincipaleNAF25Etablissement",
)
# The official layout of StockUniteLegale, in file order (the NAF 2025 column appeared in 2025).
UNITE_LEGALE_COLUMNS = (
    "siren", "statutDiffusionUniteLegale", "unitePurgeeUniteLegale", "dateCreationUniteLegale", "sigleUniteLegale",
    "sexeUniteLegale", "prenom1UniteLegale", "prenom2UniteLegale", "prenom3UniteLegale", "prenom4UniteLegale",
    "prenomUsuelUniteLegale", "pseudonymeUniteLegale", "identifiantAssociationUniteLegale",
    "trancheEffectifsUniteLegale", "anneeEffectifsUniteLegale", "dateDernierTraitementUniteLegale",
    "nombrePeriodesUniteLegale", "categorieEntreprise", "anneeCategorieEntreprise", "dateDebut",
    "etatAdministratifUniteLegale", "nomUniteLegale", "nomUsageUniteLegale", "denominationUniteLegale",
    "denominationUsuelle1UniteLegale", "denominationUsuelle2UniteLegale", "denominationUsuelle3UniteLegale",
    "categorieJuridiqueUniteLegale", "activitePrincipaleUniteLegale", "nomenclatureActivitePrincipaleUniteLegale",
    "nicSiegeUniteLegale", "economieSocialeSolidaireUniteLegale", "societeMissionUniteLegale",
    "caractereEmployeurUniteLegale", "activitePrincipaleNAF25UniteLegale",
)

# Columns read, and the Establishment field each one fills (in this order).
_ETAB_READ = (
    ("siren", "siren"), ("nic", "nic"), ("siret", "siret"), ("statutDiffusionEtablissement", "diffusion"),
    ("dateCreationEtablissement", "created"), ("trancheEffectifsEtablissement", "headcount_code"),
    ("anneeEffectifsEtablissement", "headcount_year"), ("etablissementSiege", "siege"),
    ("complementAdresseEtablissement", "address_complement"), ("numeroVoieEtablissement", "street_number"),
    ("indiceRepetitionEtablissement", "street_number_suffix"), ("typeVoieEtablissement", "street_type"),
    ("libelleVoieEtablissement", "street_name"), ("codePostalEtablissement", "postcode"),
    ("libelleCommuneEtablissement", "commune_label"), ("distributionSpecialeEtablissement", "special_distribution"),
    ("codeCommuneEtablissement", "commune_code"), ("codeCedexEtablissement", "cedex_code"),
    ("libelleCedexEtablissement", "cedex_label"), ("libelleCommuneEtrangerEtablissement", "foreign_commune"),
    ("codePaysEtrangerEtablissement", "foreign_country_code"), ("libellePaysEtrangerEtablissement", "foreign_country"),
    ("etatAdministratifEtablissement", "state"), ("enseigne1Etablissement", "enseigne1"),
    ("enseigne2Etablissement", "enseigne2"), ("enseigne3Etablissement", "enseigne3"),
    ("denominationUsuelleEtablissement", "usual_name"), ("activitePrincipaleEtablissement", "naf"),
    ("nomenclatureActivitePrincipaleEtablissement", "naf_nomenclature"),
)
_UL_READ = (
    ("denominationUniteLegale", "legal_name"), ("sigleUniteLegale", "acronym"), ("categorieEntreprise", "category"),
    ("categorieJuridiqueUniteLegale", "legal_form"), ("etatAdministratifUniteLegale", "legal_state"),
    ("nomUniteLegale", "person_name"), ("nomUsageUniteLegale", "person_usage_name"),
    ("prenomUsuelUniteLegale", "person_first_name"), ("denominationUsuelle1UniteLegale", "legal_usual_name"),
)
ETABLISSEMENT_REQUIRED = tuple(col for col, _ in _ETAB_READ)
UNITE_LEGALE_REQUIRED = ("siren", *(col for col, _ in _UL_READ))

CATEGORY_TO_KIND = {"PME": "sme", "ETI": "midcap", "GE": "large_group"}
STREET_NUMBER_SUFFIXES = {"B": "BIS", "T": "TER", "Q": "QUATER", "C": "QUINQUIES"}
NOT_PUBLISHED = "[ND]"  # value of a field withheld under partial diffusion

REASON_ABROAD = "establishment abroad (no French commune)"
REASON_NO_COMMUNE = "no commune code"
REASON_NOT_PUBLISHED = "commune code not published (partial diffusion)"
REASON_UNKNOWN_COMMUNE = "commune code not in the gazetteer"
REASON_BAD_SIRET = "SIRET is not 14 digits"

class SireneError(FileError):
    """A file that cannot be read as a Sirene stock file (`path` names it), or an invalid option
    (`path` None). Raised before anything is written (or, for a read error met later, with the
    transaction rolled back)."""


class Rejected(ValueError):
    """One establishment that cannot become an actor without guessing."""

    def __init__(self, reason: str, value: str | None = None):
        super().__init__(f"{reason}: {value}" if value else reason)
        self.reason = reason
        self.value = value


# -- reference data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NafCode:
    code: str
    label_fr: str
    label_en: str
    reason: str


@dataclass(frozen=True)
class HeadcountBand:
    code: str
    label_fr: str
    label_en: str
    min: int | None
    max: int | None  # None: no upper bound

    def label(self, lang: str = "fr") -> str:
        return self.label_en if lang == "en" else self.label_fr


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def naf_codes() -> dict[str, NafCode]:
    """The default NAF selection (health industry), from sirene_naf.csv."""
    return {r["code"]: NafCode(r["code"], r["label_fr"], r["label_en"], r["reason"]) for r in _read_csv(NAF_FILE)}


def default_naf() -> tuple[str, ...]:
    return tuple(naf_codes())


@lru_cache(maxsize=1)
def headcount_bands() -> dict[str, HeadcountBand]:
    """INSEE headcount bands ("tranches d'effectif salarié"), from sirene_headcount.csv."""
    def num(value: str) -> int | None:
        return int(value) if value.strip() else None

    return {
        r["code"]: HeadcountBand(r["code"], r["label_fr"], r["label_en"], num(r["min"]), num(r["max"]))
        for r in _read_csv(HEADCOUNT_FILE)
    }


def decode_headcount(code: str | None) -> HeadcountBand | None:
    """'12' -> 20 to 49 employees; None for an empty or unknown code."""
    return headcount_bands().get((code or "").strip()) if code else None


@lru_cache(maxsize=1)
def street_types() -> dict[str, str]:
    """INSEE street-type abbreviations (AV, BD, CHE…) -> words, from sirene_voies.csv."""
    return {r["code"]: r["label"] for r in _read_csv(STREET_TYPES_FILE)}


def normalise_naf(value: str) -> str:
    """'2110z', '21.10Z' -> '21.10Z' (the NAF rév. 2 form used in the file)."""
    try:
        return check_naf(value)
    except ValueError:
        raise SireneError(None, "expected a NAF rév. 2 code such as 21.20Z", field="--naf", value=value) from None


# -- filter --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SireneFilter:
    """Which establishments to keep. Empty naf: the default health-industry list. Regions and
    départements combine like the atlas' facets: a site must be in one of the regions AND in one
    of the départements when both are given."""

    naf: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    departements: tuple[str, ...] = ()
    include_closed: bool = False

    def resolved(self, geo: Gazetteer | None = None) -> SireneFilter:
        """The same filter with NAF codes normalised and geography codes checked."""
        geo = geo or gazetteer()
        naf = tuple(dict.fromkeys(normalise_naf(c) for c in self.naf)) or default_naf()
        regions = tuple(dict.fromkeys(r.strip() for r in self.regions))
        bad = [r for r in regions if r not in geo.regions]
        if bad:
            raise SireneError(None, "unknown region code (INSEE codes such as 11, 84, 93)", field="--region", value=bad[0])
        depts = tuple(dict.fromkeys(d.strip().upper() for d in self.departements))
        bad = [d for d in depts if d not in geo.departements]
        if bad:
            raise SireneError(None, "unknown département code (such as 01, 2A, 75, 974)", field="--departement", value=bad[0])
        return replace(self, naf=naf, regions=regions, departements=depts)

    def allowed_departements(self, geo: Gazetteer | None = None) -> tuple[str, ...] | None:
        """The départements a kept establishment may be in; None when geography is not filtered."""
        if not self.regions and not self.departements:
            return None
        geo = geo or gazetteer()
        allowed = set(geo.departements)
        if self.regions:
            allowed &= {code for code, (_, region) in geo.departements.items() if region in self.regions}
        if self.departements:
            allowed &= set(self.departements)
        return tuple(sorted(allowed))


# -- one establishment ---------------------------------------------------------------------------


@dataclass(slots=True)
class Establishment:
    """One row of StockEtablissement (joined with its legal unit when given). Empty values and
    values withheld by partial diffusion ("[ND]") are None."""

    siren: str | None
    nic: str | None
    siret: str | None
    diffusion: str | None
    created: str | None
    headcount_code: str | None
    headcount_year: str | None
    siege: str | None
    address_complement: str | None
    street_number: str | None
    street_number_suffix: str | None
    street_type: str | None
    street_name: str | None
    postcode: str | None
    commune_label: str | None
    special_distribution: str | None
    commune_code: str | None
    cedex_code: str | None
    cedex_label: str | None
    foreign_commune: str | None
    foreign_country_code: str | None
    foreign_country: str | None
    state: str | None
    enseigne1: str | None
    enseigne2: str | None
    enseigne3: str | None
    usual_name: str | None
    naf: str | None
    naf_nomenclature: str | None
    legal_name: str | None = None
    acronym: str | None = None
    category: str | None = None
    legal_form: str | None = None
    legal_state: str | None = None
    person_name: str | None = None
    person_usage_name: str | None = None
    person_first_name: str | None = None
    legal_usual_name: str | None = None

    @property
    def active(self) -> bool:
        return self.state == "A"

    @property
    def is_siege(self) -> bool:
        return (self.siege or "").lower() in ("true", "1", "t", "o", "oui")

    @property
    def headcount(self) -> HeadcountBand | None:
        return decode_headcount(self.headcount_code)

    @property
    def kind(self) -> str:
        """Public-law bodies (legal category 7xxx: State, local authorities, public institutions
        such as universities or research bodies) are public agencies; associations and foundations
        (92xx, 93xx) are foundations / non-profits; companies take their size category."""
        legal = (self.legal_form or "").strip()
        if legal.startswith("7"):
            return "public_agency"
        if legal[:2] in ("92", "93"):
            return "foundation"
        return CATEGORY_TO_KIND.get((self.category or "").upper(), "company")

    @property
    def person(self) -> str | None:
        """The name of an individual entrepreneur (legal units of natural persons have no denomination)."""
        surname = self.person_usage_name or self.person_name
        if not surname:
            return None
        return f"{self.person_first_name} {surname}" if self.person_first_name else surname

    @property
    def name(self) -> str:
        return (
            self.enseigne1 or self.usual_name or self.legal_name or self.legal_usual_name or self.person
            or f"ÉTABLISSEMENT {self.siret}"
        )

    @property
    def address(self) -> str | None:
        """The address line as the register states it: complement, number, street, special distribution."""
        number = self.street_number or ""
        if number and self.street_number_suffix:
            number += " " + STREET_NUMBER_SUFFIXES.get(self.street_number_suffix.upper(), self.street_number_suffix)
        street_type = street_types().get((self.street_type or "").upper(), self.street_type) if self.street_type else None
        street = " ".join(p for p in (number, street_type, self.street_name) if p)
        return ", ".join(p for p in (self.address_complement, street, self.special_distribution) if p) or None


_ETAB_FIELDS = tuple(f.name for f in fields(Establishment))
assert _ETAB_FIELDS == tuple(a for _, a in _ETAB_READ) + tuple(a for _, a in _UL_READ)

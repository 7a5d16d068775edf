"""Read job offers in France Travail's offer JSON format (the "Offres d'emploi v2" API: an
object with a `resultats` list, or the list itself) into the job board's values, row by row.

`read(path)` raises `FormatError` when the file is not that format at all (not JSON, no list of
offers: nothing is imported); each offer that cannot be taken is a `RowError` naming its field
as France Travail spells it (`romeCode`, `typeContrat`, `lieuTravail`…). The mapping:

- `id` → external id (a re-import refreshes the offer, never duplicates it);
- `intitule`, `description` → title, French description (plain text: markup refuses the row);
- `romeCode` → ROME code (checked against the loaded ROME by the service), `appellationlibelle`
  → the appellation of that occupation with the same label, when there is one;
- `typeContrat` CDI → cdi, CDD and SAI (seasonal) → cdd, MIS → interim; `natureContrat` naming
  apprenticeship or professionalisation → apprenticeship; other contracts (LIB, FRA…) refused;
- `experienceExige` D → beginner, S → any, E → 2_years;
- `salaire.libelle` "Annuel de A Euros à B Euros" / "Mensuel de A Euros [à B Euros] sur N mois"
  → a yearly range (monthly × N, 12 when not said); anything else: no salary;
- `lieuTravail` latitude/longitude/libelle → the place (an offer without coordinates is refused:
  the board places every offer); `entreprise.nom` → employer name (matched to an atlas actor by
  exact name by the service);
- `contact.urlPostulation`, else `origineOffre.urlOrigine` → apply link; `contact.courriel` →
  apply e-mail;
- expiry: the import date + the board's default duration: an offer stays open while the feed
  keeps listing it (re-imports push the expiry), and closes by itself otherwise."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bioatlas.core.reports import RowError

MAX_BYTES = 200 * 1024 * 1024
CONTRACTS = {"CDI": "cdi", "CDD": "cdd", "SAI": "cdd", "MIS": "interim"}
EXPERIENCE = {"D": "beginner", "S": "any", "E": "2_years"}
NUMBER = r"([0-9][0-9\s]*(?:[.,][0-9]+)?)"
SALARY = re.compile(rf"^(Annuel|Mensuel|Horaire) de {NUMBER} Euros(?: à {NUMBER} Euros)?(?: sur ([0-9.,]+) mois)?",
                    re.IGNORECASE)


class FormatError(ValueError):
    """The file is not France Travail offer JSON: nothing is imported."""


class _Refused(Exception):
    def __init__(self, error: RowError):
        super().__init__(error.reason)
        self.error = error


@dataclass
class Parsed:
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (index from 1, values)
    rejections: list[RowError] = field(default_factory=list)
    read: int = 0


def _number(text: str | None) -> float | None:
    if not text:
        return None
    return float(text.replace(" ", "").replace("\u00a0", "").replace(",", "."))


def yearly_salary(label: str | None) -> tuple[int | None, int | None]:
    """A yearly gross range from France Travail's salary label; (None, None) when it says no amount."""
    m = SALARY.match((label or "").strip())
    if not m or m.group(1).lower() == "horaire":
        return None, None
    low, high = _number(m.group(2)), _number(m.group(3))
    factor = 1.0 if m.group(1).lower() == "annuel" else (_number(m.group(4)) or 12.0)
    return (round(low * factor) if low is not None else None, round(high * factor) if high is not None else None)


def _row(index: int, offer: Any) -> dict[str, Any]:
    """The values of one offer, or RowError naming the field."""
    def refuse(name: str, reason: str, value: Any = None) -> _Refused:
        return _Refused(RowError(line=index, column=name, value=None if value is None else str(value)[:100],
                                 reason=reason))
    if not isinstance(offer, dict):
        raise refuse("offer", "not an object")
    ext = offer.get("id")
    if not isinstance(ext, str) or not ext.strip() or len(ext) > 60:
        raise refuse("id", "missing or not an offer id", ext)
    nature = str(offer.get("natureContrat") or "").lower()
    contract = "apprenticeship" if ("apprentissage" in nature or "professionnalisation" in nature) else \
        CONTRACTS.get(str(offer.get("typeContrat") or ""))
    if contract is None:
        raise refuse("typeContrat", "not a contract of the job board (CDI, CDD, MIS, SAI, apprenticeship)",
                     offer.get("typeContrat"))
    place = offer.get("lieuTravail")
    if not isinstance(place, dict) or place.get("latitude") is None or place.get("longitude") is None:
        raise refuse("lieuTravail", "no coordinates: the board places every offer on the map")
    try:
        lat, lon = float(place["latitude"]), float(place["longitude"])
    except (TypeError, ValueError):
        raise refuse("lieuTravail", "coordinates are not numbers", place.get("latitude")) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise refuse("lieuTravail", "coordinates out of range", f"{lat},{lon}")
    employer = offer.get("entreprise") if isinstance(offer.get("entreprise"), dict) else {}
    contact = offer.get("contact") if isinstance(offer.get("contact"), dict) else {}
    origin = offer.get("origineOffre") if isinstance(offer.get("origineOffre"), dict) else {}
    salary = offer.get("salaire") if isinstance(offer.get("salaire"), dict) else {}
    low, high = yearly_salary(salary.get("libelle"))
    libelle = str(place.get("libelle") or "")
    departement = libelle.split(" - ")[0].strip() if " - " in libelle else None
    return {
        "external_id": ext.strip(),
        "raw": {"title": offer.get("intitule"), "rome_code": offer.get("romeCode"), "contract": contract,
                "experience": EXPERIENCE.get(str(offer.get("experienceExige") or ""), "any"),
                "description_fr": offer.get("description") or "", "salary_min": low, "salary_max": high,
                "apply_url": contact.get("urlPostulation") or origin.get("urlOrigine") or None,
                "apply_email": contact.get("courriel") or None,
                "skills": [c.get("libelle") for c in offer.get("competences") or []
                           if isinstance(c, dict) and isinstance(c.get("libelle"), str)][:30]},
        "appellation_label": offer.get("appellationlibelle"),
        "employer_name": str(employer.get("nom") or "").strip()[:300] or "Employeur non communiqué",
        "place": {"latitude": lat, "longitude": lon,
                  "commune_name": (libelle.split(" - ", 1)[1] if " - " in libelle else libelle)[:200] or None,
                  "departement": departement if departement and len(departement) <= 3 else None},
    }


def read(path: Path | str) -> Parsed:
    path = Path(path)
    if not path.is_file():
        raise FormatError(f"{path}: no such file")
    if path.stat().st_size > MAX_BYTES:
        raise FormatError(f"{path}: larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        data = json.loads(path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormatError(f"{path}: not JSON ({exc})") from None
    return parse(data)


def parse(data: Any) -> Parsed:
    offers = data.get("resultats") if isinstance(data, dict) else data
    if not isinstance(offers, list):
        raise FormatError("not France Travail offer JSON: expected an object with a 'resultats' list, or a list")
    if offers and not any(isinstance(o, dict) and "intitule" in o for o in offers):
        raise FormatError("not France Travail offer JSON: no offer has an 'intitule'")
    out = Parsed(read=len(offers))
    for index, offer in enumerate(offers, start=1):
        try:
            out.rows.append((index, _row(index, offer)))
        except _Refused as exc:
            out.rejections.append(exc.error)
    return out

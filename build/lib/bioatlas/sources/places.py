"""A registry row's commune through the gazetteer, shared by the connectors that read a postcode
and a commune name (IREP, Transparence-Santé, RNSR)."""

from __future__ import annotations

import re

from bioatlas.atlas.service import Gazetteer, GeocodeError, Place

_CEDEX = re.compile(r"\s+CEDEX\s*(\d+)?\s*$", re.IGNORECASE)
# communes by arrondissement in the gazetteer: département -> city
_ARRONDISSEMENTS = {"75": "Paris", "69": "Lyon", "13": "Marseille"}


def locate(geo: Gazetteer, *, postcode: str, commune: str) -> Place:
    """The row's commune: by postcode and name; else (a CEDEX postcode, a postcode since
    reassigned) by the name alone, without its "CEDEX n", when it names one commune of the
    postcode's département. In Paris, Lyon and Marseille, whose communes are arrondissements,
    "CEDEX n" names the arrondissement (La Poste numbers their CEDEX after it: "75252 PARIS
    CEDEX 05" is Paris 05). GeocodeError otherwise: never a guessed place."""
    try:
        return geo.geocode(postcode=postcode, commune=commune)
    except GeocodeError as exc:
        if not commune or len(postcode) != 5:
            raise
        cedex = _CEDEX.search(commune)
        name = _CEDEX.sub("", commune).strip() or commune
        try:
            candidates = [geo.geocode(commune=name)]
        except GeocodeError as other:
            candidates = other.candidates
        dept = postcode[:3] if postcode.startswith("97") else postcode[:2]
        same = {p.insee: p for p in candidates if p.departement == dept}
        if len(same) == 1:
            return next(iter(same.values()))
        city = _ARRONDISSEMENTS.get(dept)
        if cedex and cedex.group(1) and city and name.upper() == city.upper():
            match = [p for p in same.values() if p.name == f"{city} {int(cedex.group(1)):02d}"]
            if len(match) == 1:
                return match[0]
        raise exc from None

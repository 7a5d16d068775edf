"""A registry row's commune through the gazetteer, shared by the connectors that read a postcode
and a commune name (IREP, Transparence-Santé)."""

from __future__ import annotations

from bioatlas.atlas.service import Gazetteer, GeocodeError, Place


def locate(geo: Gazetteer, *, postcode: str, commune: str) -> Place:
    """The row's commune: by postcode and name; else (a CEDEX postcode, a postcode since
    reassigned) by the name alone when it names one commune of the postcode's département.
    GeocodeError otherwise: never a guessed place."""
    try:
        return geo.geocode(postcode=postcode, commune=commune)
    except GeocodeError as exc:
        if not commune or len(postcode) != 5:
            raise
        try:
            place = geo.geocode(commune=commune)
        except GeocodeError:
            raise exc from None
        if place.departement != (postcode[:3] if postcode.startswith("97") else postcode[:2]):
            raise exc from None
        return place

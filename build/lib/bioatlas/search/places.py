"""A place typed in the free text of a search ("près d'Évry", "near Lyon", "à Dijon"): the commune
through the gazetteer, the phrase taken out of the words searched. One commune: a radius filter
around it; several (Evry 89, Évry-Courcouronnes 91): the candidates, never a guess; none: the
words stay words. Paris, Lyon and Marseille are one place (the centre of their arrondissements).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bioatlas.atlas.service import gazetteer

# a preposition that introduces a place, then the words that may name it
_PLACE = re.compile(
    r"(?:^|\s)(?:près|pres|proche|autour|non\s+loin)\s+(?:de\s+|d['’]\s*|du\s+)"
    r"|(?:^|\s)(?:near|around|close\s+to|in|à)\s+",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[^\s?!.,;:()\"«»]+")
MAX_NAME_WORDS = 4


@dataclass(frozen=True)
class Choice:
    """A commune the place may be: `near` is the value of the `near` parameter that selects it."""

    near: str
    name: str
    departement: str
    latitude: float
    longitude: float

    @property
    def label(self) -> str:
        return f"{self.name} ({self.departement})"

    def as_dict(self) -> dict:
        return {"near": self.near, "name": self.name, "departement": self.departement,
                "latitude": self.latitude, "longitude": self.longitude}


@dataclass(frozen=True)
class QueryPlace:
    text: str  # the query without the place phrase
    phrase: str = ""  # the place as typed
    place: Choice | None = None
    candidates: list[Choice] = field(default_factory=list)


def choices(name: str) -> list[Choice]:
    """The communes a typed name may mean (a city of arrondissements is one choice)."""
    geo = gazetteer()
    places = [p for p in geo.communes_called(name) if p.latitude is not None]
    if not places:
        return []
    city = geo.city_of(places)
    if city is not None:
        lat = sum(p.latitude for p in places) / len(places)
        lon = sum(p.longitude for p in places) / len(places)
        return [Choice(city, city, places[0].departement, lat, lon)]
    return [Choice(p.insee, p.name, p.departement, p.latitude, p.longitude)
            for p in sorted(places, key=lambda p: p.insee)]


def extract_place(q: str) -> QueryPlace:
    """The first place phrase of `q` naming a known commune (longest name first), or q unchanged."""
    for m in _PLACE.finditer(q):
        tokens = list(_TOKEN.finditer(q, m.end()))[:MAX_NAME_WORDS]
        for n in range(len(tokens), 0, -1):
            if tokens[n - 1].start() - tokens[0].start() > 60:
                continue
            name = q[tokens[0].start():tokens[n - 1].end()]
            found = choices(name)
            if not found:
                continue
            rest = (q[: m.start()] + " " + q[tokens[n - 1].end():]).strip()
            rest = re.sub(r"\s+", " ", rest)
            if len(found) == 1:
                return QueryPlace(rest, name, found[0])
            return QueryPlace(rest, name, None, found)
    return QueryPlace(q)

"""The in-memory index the resolver searches: every name of every actor (usual name, labels in
every language, aliases, acronyms), their cities and countries and the parent links, read from
the atlas in a handful of queries.

- `exact`: name key -> name entries (the fast, precise path);
- `postings`: token -> name entries, with IDF weights (the fuzzy path);
- per actor: ROR id, cities, countries, parents and children.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from babel import Locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.atlas.models import Actor, ActorName, Identifier, Relation, Site
from bioatlas.resolve.text import key, tokens, without_qualifier

ACRONYM = "acronym"
_COUNTRY_LOCALES = ("en", "fr", "de", "es", "it", "pt", "nl", "zh", "ja", "ko", "ru", "pl", "tr")
_COUNTRY_ALIASES = {
    "usa": "US", "u s a": "US", "us": "US", "united states of america": "US", "uk": "GB", "u k": "GB",
    "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB", "great britain": "GB",
    "pr china": "CN", "p r china": "CN", "peoples republic of china": "CN", "people s republic of china": "CN",
    "korea": "KR", "republic of korea": "KR", "south korea": "KR", "russia": "RU", "iran": "IR",
    "taiwan": "TW", "czech republic": "CZ", "the netherlands": "NL", "holland": "NL", "viet nam": "VN",
}


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """Name key -> ISO code, from Babel's territory names in several languages (plus usual aliases)."""
    names: dict[str, str] = {}
    for loc in _COUNTRY_LOCALES:
        for code, label in Locale(loc).territories.items():
            if len(code) == 2 and code.isalpha():
                k = key(label)
                if k and len(k) > 2:
                    names.setdefault(k, code)
    names.update(_COUNTRY_ALIASES)
    return names


@dataclass
class Entry:
    actor_id: int
    value: str
    key: str
    tokens: tuple[str, ...]
    acronym: bool
    weight: float = 0.0  # sum of the IDF of its tokens


@dataclass
class ActorInfo:
    id: int
    name: str
    ror: str | None = None
    countries: set[str] = field(default_factory=set)
    cities: set[str] = field(default_factory=set)  # name keys
    parents: set[int] = field(default_factory=set)
    children: set[int] = field(default_factory=set)

    @property
    def public_id(self) -> str:
        return self.ror or str(self.id)


class ResolverIndex:
    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.actors: dict[int, ActorInfo] = {}
        self.exact: dict[str, list[int]] = defaultdict(list)
        self.postings: dict[str, list[int]] = defaultdict(list)
        self.idf: dict[str, float] = {}
        self.city_keys: set[str] = set()
        self.by_public_id: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.actors)

    def add_actor(self, actor_id: int, name: str) -> None:
        self.actors[actor_id] = ActorInfo(actor_id, name)
        self.add_name(actor_id, name, acronym=False)

    def add_name(self, actor_id: int, value: str, *, acronym: bool) -> None:
        bare = without_qualifier(value)
        if bare and bare != value:
            self._add(actor_id, bare, acronym=acronym)
        self._add(actor_id, value, acronym=acronym)

    def _add(self, actor_id: int, value: str, *, acronym: bool) -> None:
        k = key(value)
        if not k or actor_id not in self.actors:
            return
        if any(e == (actor_id, k) for e in ((self.entries[i].actor_id, self.entries[i].key) for i in self.exact.get(k, ()))):
            return
        entry = Entry(actor_id, value, k, tuple(dict.fromkeys(tokens(k))), acronym)
        n = len(self.entries)
        self.entries.append(entry)
        self.exact[k].append(n)
        if not acronym:
            for t in entry.tokens:
                self.postings[t].append(n)

    def finish(self) -> "ResolverIndex":
        total = max(len(self.entries), 1)
        self.idf = {t: math.log(1 + total / len(ids)) for t, ids in self.postings.items()}
        for e in self.entries:
            e.weight = sum(self.idf.get(t, 0.0) for t in e.tokens)
        for info in self.actors.values():
            for p in info.parents:
                if p in self.actors:
                    self.actors[p].children.add(info.id)
            self.city_keys.update(info.cities)
        self.by_public_id = {info.public_id: i for i, info in self.actors.items()}
        self.exact = dict(self.exact)
        self.postings = dict(self.postings)
        return self


def build_index(session: Session) -> ResolverIndex:
    """Read the atlas's actors, names, ROR ids, sites and parent links into a ResolverIndex."""
    index = ResolverIndex()
    for actor_id, name in session.execute(select(Actor.id, Actor.name).order_by(Actor.id)):
        index.add_actor(actor_id, name)
    for actor_id, type_, value in session.execute(
        select(ActorName.actor_id, ActorName.type, ActorName.value).order_by(ActorName.id)
    ):
        index.add_name(actor_id, value, acronym=type_ == ACRONYM)
    for actor_id, value in session.execute(select(Identifier.actor_id, Identifier.value).where(Identifier.scheme == "ror")):
        info = index.actors.get(actor_id)
        if info is not None and info.ror is None:
            info.ror = value
    for actor_id, city, country in session.execute(select(Site.actor_id, Site.commune_name, Site.country)):
        info = index.actors.get(actor_id)
        if info is None:
            continue
        if country:
            info.countries.add(country.upper())
        city_key = key(city) if city else ""
        if city_key:
            info.cities.add(city_key)
            base = city_key.rstrip("0123456789 ")  # "Paris 04" (an arrondissement) is in Paris
            if base and base != city_key:
                info.cities.add(base)
    for actor_id, target_id in session.execute(
        select(Relation.actor_id, Relation.target_id).where(Relation.relation == "part_of")
    ):
        if actor_id in index.actors:
            index.actors[actor_id].parents.add(target_id)
    return index.finish()

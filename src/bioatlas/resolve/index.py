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

import numpy as np
from babel import Locale
from sqlalchemy import select
from sqlalchemy.orm import Session

# reads atlas tables: the resolver's index is a read model of the atlas (every actor's names, ids, sites)
from bioatlas.atlas.models import Actor, ActorName, Identifier, Relation, Site
from bioatlas.resolve.text import acronym_key, key, tokens, without_qualifier

ACRONYM = "acronym"
MAX_POSTING = 800  # tokens in more names than this only count in the coverage, not the retrieval
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


def bag(toks) -> str:
    """Sorted distinct tokens: the order-free key of a name or a span."""
    return " ".join(sorted(set(toks)))


@dataclass(slots=True)  # no __dict__ per name: ~85 bytes less each, and the same once unpickled (index files)
class Entry:
    actor_id: int
    value: str
    key: str
    tokens: tuple[str, ...]
    acronym: bool
    weight: float = 0.0  # sum of the IDF of its tokens
    frequent: tuple[str, ...] = ()  # its tokens too common to retrieve by (they only count)
    bag: str = ""  # its tokens sorted: word order, "&" / "and" and stop words do not matter

    def __reduce__(self):
        # pickled as its constructor's arguments (index files): the state functions dataclass(slots=True)
        # writes are Python calls per object and field; this way 200,000 actors' index dumps in 2.0 s
        # of CPU instead of 3.5, loads in 1.0 instead of 1.4-2.3, and takes 60 MiB instead of 74
        return (Entry, (self.actor_id, self.value, self.key, self.tokens, self.acronym, self.weight, self.frequent,
                        self.bag))


@dataclass(slots=True)
class ActorInfo:
    id: int
    name: str
    ror: str | None = None
    active: bool = True  # inactive / withdrawn registry records lose to active ones
    countries: set[str] = field(default_factory=set)
    cities: set[str] = field(default_factory=set)  # name keys
    parents: set[int] = field(default_factory=set)
    children: set[int] = field(default_factory=set)

    def __reduce__(self):  # as Entry's
        return (ActorInfo, (self.id, self.name, self.ror, self.active, self.countries, self.cities, self.parents,
                            self.children))

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
        self.bags: dict[str, list[int]] = defaultdict(list)
        self.of_actor: dict[int, list[int]] = defaultdict(list)
        self.finished = False

    def __len__(self) -> int:
        return len(self.actors)

    def add_actor(self, actor_id: int, name: str, *, active: bool = True) -> None:
        self.actors[actor_id] = ActorInfo(actor_id, name, active=active)
        self.add_name(actor_id, name, acronym=False)

    def add_name(self, actor_id: int, value: str, *, acronym: bool) -> None:
        bare = without_qualifier(value)
        if bare and bare != value:
            self._add(actor_id, bare, acronym=acronym)
        self._add(actor_id, value, acronym=acronym)

    def _add(self, actor_id: int, value: str, *, acronym: bool) -> None:
        k = acronym_key(value) if acronym else key(value)
        if not k or actor_id not in self.actors:
            return
        if any(e == (actor_id, k) for e in ((self.entries[i].actor_id, self.entries[i].key) for i in self.exact.get(k, ()))):
            return
        entry = Entry(actor_id, value, k, tuple(dict.fromkeys(tokens(k))), acronym)
        entry.bag = bag(entry.tokens)
        n = len(self.entries)
        self.entries.append(entry)
        self.exact[k].append(n)
        self.of_actor[actor_id].append(n)
        if not acronym and len(entry.tokens) > 1:
            self.bags[entry.bag].append(n)
        if not acronym:
            for t in entry.tokens:
                if self.finished:  # an incremental refresh: numpy postings, the IDF of the last build
                    self.postings[t] = np.append(self.postings.get(t, np.empty(0, dtype=np.int32)), np.int32(n))
                    self.idf.setdefault(t, math.log(1 + len(self.entries)))
                else:
                    self.postings[t].append(n)
        if self.finished:
            self._weigh(entry)
            self.weights = np.append(self.weights, entry.weight)
            self.frequent_weights = np.append(self.frequent_weights, sum(self.idf[t] for t in entry.frequent))

    def _weigh(self, e: Entry) -> None:
        e.weight = sum(self.idf.get(t, 0.0) for t in e.tokens)
        e.frequent = tuple(t for t in e.tokens if len(self.postings.get(t, ())) > MAX_POSTING)

    def remove_actor(self, actor_id: int) -> None:
        """Take an actor and its names out (before re-reading it, or because it is gone)."""
        info = self.actors.pop(actor_id, None)
        if info is None:
            return
        for n in self.of_actor.pop(actor_id, []):
            e = self.entries[n]
            for table, k in ((self.exact, e.key), (self.bags, e.bag)):
                if n in table.get(k, ()):
                    table[k] = [m for m in table[k] if m != n]
            if not e.acronym:
                for t in e.tokens:
                    ids = self.postings.get(t)
                    if ids is not None:
                        self.postings[t] = ids[ids != n]
        for p in info.parents:
            if p in self.actors:
                self.actors[p].children.discard(actor_id)
        if self.by_public_id.get(info.public_id) == actor_id:
            del self.by_public_id[info.public_id]

    def finish(self) -> "ResolverIndex":
        total = max(len(self.entries), 1)
        self.idf = {t: math.log(1 + total / len(ids)) for t, ids in self.postings.items()}
        for e in self.entries:
            self._weigh(e)
        self._link(self.actors.values())
        self.postings = {t: np.asarray(ids, dtype=np.int32) for t, ids in self.postings.items()}
        self.weights = np.asarray([e.weight for e in self.entries], dtype=np.float64)
        self.frequent_weights = np.asarray([sum(self.idf[t] for t in e.frequent) for e in self.entries], dtype=np.float64)
        self.of_actor = defaultdict(list, self.of_actor)
        self.finished = True
        return self

    def _link(self, infos) -> None:
        for info in infos:
            for p in info.parents:
                if p in self.actors:
                    self.actors[p].children.add(info.id)
            self.city_keys.update(info.cities)
            self.by_public_id[info.public_id] = info.id

    def refresh(self, session: Session, actor_ids: set[int]) -> None:
        """Re-read these actors (changed, created or deleted since the build): their old names leave
        the index, their current ones come in. IDF weights stay those of the last build (a few
        actors do not move them); a large change is a rebuild (see service.py)."""
        children = {i: self.actors[i].children for i in actor_ids if i in self.actors}
        for actor_id in actor_ids:
            self.remove_actor(actor_id)
        ids = sorted(actor_ids)
        _read(session, self, ids)
        self._link([self.actors[i] for i in ids if i in self.actors])
        for actor_id, kids in children.items():  # its sub-units still point at it
            if actor_id in self.actors:
                self.actors[actor_id].children |= {k for k in kids if k in self.actors and actor_id in self.actors[k].parents}


def build_index(session: Session) -> ResolverIndex:
    """Read the atlas's actors, names, ROR ids, sites and parent links into a ResolverIndex."""
    index = ResolverIndex()
    _read(session, index, None)
    return index.finish()


def _read(session: Session, index: ResolverIndex, ids: list[int] | None) -> None:
    """Add the actors (all of them, or those ids) with their names, ROR id, places and parents."""
    def only(column):
        return [] if ids is None else [column.in_(ids)]

    for actor_id, name, status in session.execute(
            select(Actor.id, Actor.name, Actor.status).where(*only(Actor.id)).order_by(Actor.id)):
        index.add_actor(actor_id, name, active=status == "active")
    for actor_id, type_, value in session.execute(
        select(ActorName.actor_id, ActorName.type, ActorName.value).where(*only(ActorName.actor_id)).order_by(ActorName.id)
    ):
        index.add_name(actor_id, value, acronym=type_ == ACRONYM)
    for actor_id, value in session.execute(select(Identifier.actor_id, Identifier.value).where(
            Identifier.scheme == "ror", *only(Identifier.actor_id))):
        info = index.actors.get(actor_id)
        if info is not None and info.ror is None:
            info.ror = value
    for actor_id, city, country in session.execute(select(Site.actor_id, Site.commune_name, Site.country).where(
            *only(Site.actor_id))):
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
        select(Relation.actor_id, Relation.target_id).where(Relation.relation == "part_of", *only(Relation.actor_id))
    ):
        if actor_id in index.actors:
            index.actors[actor_id].parents.add(target_id)

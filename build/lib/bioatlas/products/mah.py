"""Marketing-authorisation holders: find the atlas actor a holder name designates, and the
holder's country when it can be told.

Matching is exact, never fuzzy: the holder's name and the actors' names (usual name and other
names, acronyms excepted: "IDEA AG" is not the research unit whose acronym is IDEA) are compared
by `match_key` — folded (`bioatlas.core.text.fold`) after the trailing legal forms are removed
(GmbH, B.V., S.A.S., Ltd…; "Pharma" is a word of the name and stays). One actor → resolved;
several → ambiguous, left unresolved; none → unresolved. A match whose countries disagree (the
holder's legal form or name says NL, the actor's head office is in FR: "Merck Sharp & Dohme B.V."
is not the French affiliate that also bears that name) is a different legal entity: `conflict`,
left unresolved.

Country, first rule that applies: the resolved actor's head-office site (`actor:site`), else an
unambiguous legal form (`legal_form:<form>`: B.V. → NL, A/S → DK, S.p.A. → IT…), else a country
named in the holder's name (`name:<word>`: "… Ireland UC" → IE). When a legal form and a country
word disagree the country stays unknown. The legal forms and country words are data:
`data/mah_rules.csv`.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy.orm import Session

from bioatlas.atlas.service import Actor, get_actor, has_actors, names_with_keys
from bioatlas.core.text import fold

RULES_FILE = Path(__file__).with_name("data") / "mah_rules.csv"
MAX_FORM_TOKENS = 4


@dataclass(frozen=True)
class MahRules:
    forms: dict[str, tuple[str, str]]  # form key -> (form as written, country or "")
    folded_forms: tuple[str, ...]  # folded forms, for candidate keys in the database
    words: dict[str, tuple[str, str]]  # folded country word -> (word as written, country)


@dataclass(frozen=True)
class Resolution:
    status: str  # resolved | ambiguous | conflict | unresolved | empty
    actor_id: int | None = None
    country: str | None = None
    country_rule: str | None = None


def form_key(text: str) -> str:
    """'B.V.' -> 'bv', 'A/S' -> 'a/s', 'Sp. z o.o.' -> 'spzoo', 'Sàrl' -> 'sarl'."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return "".join(ch for ch in plain if ch not in ". ()\t,")


@lru_cache(maxsize=2)
def load_rules(path: Path = RULES_FILE) -> MahRules:
    forms: dict[str, tuple[str, str]] = {}
    words: dict[str, tuple[str, str]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            kind, text, country = row["kind"].strip(), row["text"].strip(), row["country"].strip().upper()
            if kind == "legal_form":
                key = form_key(text)
                if key in forms and forms[key][1] != country:
                    raise ValueError(f"{path}, line {line}: {text!r} is the same form as {forms[key][0]!r} with another country")
                forms.setdefault(key, (text, country))
            elif kind == "country_word":
                words[fold(text)] = (text, country)
            else:
                raise ValueError(f"{path}, line {line}: kind must be legal_form or country_word")
    variants = {fold(t) for t, _ in forms.values()} | {fold(k) for k in forms}  # "b v" and "bv"
    folded = tuple(sorted(v for v in variants if v))
    return MahRules(forms=forms, folded_forms=folded, words=words)


def split_legal_forms(name: str, rules: MahRules | None = None) -> tuple[str, list[tuple[str, str]]]:
    """The name without its trailing legal forms, and those forms (as written in the rules, country)."""
    rules = rules or load_rules()
    tokens = name.replace(",", " ").split()
    found: list[tuple[str, str]] = []
    while len(tokens) > 1:
        for n in range(min(MAX_FORM_TOKENS, len(tokens) - 1), 0, -1):
            form = rules.forms.get(form_key(" ".join(tokens[-n:])))
            if form:
                found.append(form)
                tokens = tokens[:-n]
                break
        else:
            break
    return " ".join(tokens), found


def match_key(name: str, rules: MahRules | None = None) -> str:
    """The folded name without trailing legal forms: 'Sanofi Pasteur S.A.' -> 'sanofi pasteur'."""
    return fold(split_legal_forms(name, rules)[0])


def country_of_name(name: str, rules: MahRules | None = None) -> tuple[str | None, str | None]:
    """(country, rule) from the holder's legal form or a country word in its name, or (None, None)."""
    rules = rules or load_rules()
    _, forms = split_legal_forms(name, rules)
    by_form = [(country, f"legal_form:{text}") for text, country in forms if country]
    by_word = [(rules.words[w][1], f"name:{rules.words[w][0]}") for w in fold(name).split() if w in rules.words]
    candidates = by_form or by_word
    countries = {c for c, _ in by_form + by_word}
    if not candidates or len(countries) != 1:
        return None, None
    return candidates[0]


class MahResolver:
    """Resolves holder names against the actors of one session; answers are cached per name."""

    def __init__(self, session: Session, rules: MahRules | None = None):
        self.session = session
        self.rules = rules or load_rules()
        self._cache: dict[str, Resolution] = {}
        self._no_actors = not has_actors(session)

    def resolve(self, name: str | None) -> Resolution:
        if not name or not name.strip():
            return Resolution("empty")
        if name not in self._cache:
            self._cache[name] = self._resolve(name)
        return self._cache[name]

    def _resolve(self, name: str) -> Resolution:
        key = match_key(name, self.rules)
        by_name = country_of_name(name, self.rules)
        if not key:
            return Resolution("unresolved", country=by_name[0], country_rule=by_name[1])
        ids = [] if self._no_actors else self._actors_with_key(key)
        if len(ids) != 1:
            status = "ambiguous" if ids else "unresolved"
            return Resolution(status, country=by_name[0], country_rule=by_name[1])
        actor = get_actor(self.session, actor_id=ids[0])
        site_country = _site_country(actor)
        if site_country and by_name[0] and site_country != by_name[0]:
            return Resolution("conflict", country=by_name[0], country_rule=by_name[1])
        if site_country:
            return Resolution("resolved", actor.id, site_country, "actor:site")
        return Resolution("resolved", actor.id, by_name[0], by_name[1])

    def _actors_with_key(self, key: str) -> list[int]:
        """Actors with a name whose match key is `key`: exact look-ups of `key` and `key + legal form`
        on the indexed folded columns, then the match key of each candidate name checked."""
        candidates = [key] + [f"{key} {form}" for form in self.rules.folded_forms]
        found: set[int] = set()
        for actor_id, value in names_with_keys(self.session, keys=candidates, skip_types=("acronym",)):
            if match_key(value, self.rules) == key:
                found.add(actor_id)
        return sorted(found)


def _site_country(actor: Actor) -> str | None:
    """The country of the actor's head office, else the one country all its sites share."""
    hq = {s.country for s in actor.sites if s.role == "hq" and s.country}
    if len(hq) == 1:
        return hq.pop()
    countries = {s.country for s in actor.sites if s.country}
    return countries.pop() if len(countries) == 1 else None

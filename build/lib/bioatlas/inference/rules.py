"""The inference rules (`rules.csv`, data, not code) and the matcher: which taxonomy terms an
actor's own words name.

Kinds of rows: `synonyms` (every synonym of a facet's taxonomy, found as whole words in a text
the row `reads`: an i-Lab summary or an RNSR unit's names), `panel` (an ERC panel read from the
research facts gives a hint only when a term of the facet has one of the row's hint words among
its synonyms), `acronym` (these terms count only when written in capitals as a whole word) and
`ignore` (these synonyms of the facet are never evidence). Matching is on `core.text.fold`ed text
(accents, case and punctuation folded) at word boundaries."""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bioatlas.atlas.service import Taxonomy
from bioatlas.core.text import fold

RULES_FILE = Path(__file__).with_name("rules.csv")
READS = ("ilab_summary", "rnsr_name", "erc_panel")
PANEL_HINTS = ("biotechnology", "biotechnologie", "biotechnologies")


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str  # synonyms | panel | acronym | ignore
    reads: str
    facet: str
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Finding:
    """One inferred capability: facet and code, the rule, the words matched (folded)."""

    facet: str
    code: str
    rule: str
    matched: tuple[str, ...]


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_FILE) -> tuple[Rule, ...]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rules = []
    for line, row in enumerate(rows, start=2):
        kind = row["kind"]
        if kind not in ("synonyms", "panel", "acronym", "ignore"):
            raise ValueError(f"{path.name} line {line}: kind {kind!r} is not synonyms, panel, acronym or ignore")
        if kind in ("synonyms", "panel") and row["reads"] not in READS:
            raise ValueError(f"{path.name} line {line}: reads {row['reads']!r} is not one of {', '.join(READS)}")
        terms = tuple(fold(t) for t in row["terms"].split("|") if fold(t)) if kind != "panel" else \
            tuple(t.strip() for t in row["terms"].split("|") if t.strip())
        rules.append(Rule(name=row["rule"], kind=kind, reads=row["reads"], facet=row["facet"], terms=terms))
    return tuple(rules)


class Matcher:
    """Finds the capabilities a text names, by the rules over the taxonomies."""

    def __init__(self, taxonomies: Mapping[str, Taxonomy], rules: tuple[Rule, ...] | None = None):
        rules = load_rules() if rules is None else rules
        self.rules = rules
        self.acronyms = {t for r in rules if r.kind == "acronym" for t in r.terms}
        ignored = {(r.facet, t) for r in rules if r.kind == "ignore" for t in r.terms}
        # facet -> {folded term: {codes}}
        self.terms: dict[str, dict[str, set[str]]] = {}
        for facet in {r.facet for r in rules if r.kind in ("synonyms", "panel")}:
            table: dict[str, set[str]] = {}
            for term in taxonomies[facet].terms.values():
                for word in (term.label_fr, term.label_en, *term.synonyms):
                    key = fold(word)
                    if key and (facet, key) not in ignored:
                        table.setdefault(key, set()).add(term.code)
            self.terms[facet] = table

    def _found(self, text: str, folded: str, term: str) -> bool:
        if f" {term} " not in folded:
            return False
        if term in self.acronyms:  # capitals, whole word, in the text as written
            return re.search(rf"(?<![A-Za-z0-9]){re.escape(term.upper())}(?![A-Za-z0-9])", text) is not None
        return True

    def match_text(self, reads: str, text: str) -> list[Finding]:
        """The capabilities `text` (read as `reads`: ilab_summary or rnsr_name) names."""
        folded = f" {fold(text or '')} "
        found: dict[tuple[str, str], tuple[str, list[str]]] = {}
        for rule in self.rules:
            if rule.kind != "synonyms" or rule.reads != reads:
                continue
            for term, codes in self.terms[rule.facet].items():
                if self._found(text, folded, term):
                    for code in codes:
                        found.setdefault((rule.facet, code), (rule.name, []))[1].append(term)
        return [Finding(facet, code, rule, tuple(sorted(set(words))))
                for (facet, code), (rule, words) in sorted(found.items())]

    def match_panels(self, panels: list[str]) -> list[Finding]:
        """The value-chain hints of ERC panels (a `panel` rule's panel, and a facet term whose
        synonyms hold a hint word)."""
        out = []
        for rule in self.rules:
            if rule.kind != "panel" or not set(rule.terms) & set(panels):
                continue
            codes = {code for hint in PANEL_HINTS for code in self.terms[rule.facet].get(fold(hint), ())}
            for code in sorted(codes):
                out.append(Finding(rule.facet, code, rule.name, tuple(sorted(set(rule.terms) & set(panels)))))
        return out

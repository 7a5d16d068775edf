"""Taxonomies (actor kinds, modalities, value-chain steps…) loaded from CSV data files.

Each file `<name>.csv` has the columns code, parent, label_fr, label_en, synonyms (`|`-separated).
Files in `settings.extra_taxonomy_dir` add entries or override labels, with no code change.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bioatlas.core.text import fold

SHIPPED_DIR = Path(__file__).with_name("taxonomies")
NAMES = (
    "kinds",
    "modalities",
    "value_chain",
    "expression_systems",
    "site_roles",
    "gmp_status",
    "identifier_schemes",
    "relation_types",
    "name_types",
    "headcount_bands",
    "health_sectors",
    "batch_types",       # capacity offers: what a batch is for (research, engineering, tox, clinical, commercial)
    "certifications",    # capacity offers: authorisations and certificates (GMP/BPF ANSM, ISO 9001, BSL-2…)
)
# Capability facets stored in the actor_capabilities table, by taxonomy name.
CAPABILITY_FACETS = ("modalities", "value_chain", "expression_systems")


class TaxonomyError(ValueError):
    pass


@dataclass(frozen=True)
class Term:
    code: str
    parent: str | None
    label_fr: str
    label_en: str
    synonyms: tuple[str, ...] = ()

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_fr


@dataclass
class Taxonomy:
    name: str
    terms: dict[str, Term] = field(default_factory=dict)
    _lookup: dict[str, str] = field(default_factory=dict)
    _shared: set[str] = field(default_factory=set)  # synonyms of two unrelated terms (ATMP: cell and gene therapy)

    def add(self, term: Term) -> None:
        self.terms[term.code] = term
        for key in (term.code, term.label_fr, term.label_en, *term.synonyms):
            folded = fold(key)
            if folded:
                first = self._lookup.setdefault(folded, term.code)
                if first != term.code and term.parent != first and self.terms[first].parent != term.code:
                    self._shared.add(folded)
        self._lookup[fold(term.code)] = term.code
        self._shared.discard(fold(term.code))

    def resolve(self, value: str) -> str | None:
        """The code a free-text value names (code, label or synonym, any case/accents), or None; None
        too for a synonym two unrelated terms share (search reads it for both; an import never guesses)."""
        key = fold(value)
        return None if key in self._shared else self._lookup.get(key)

    def label(self, code: str, lang: str = "fr") -> str:
        term = self.terms.get(code)
        return term.label(lang) if term else code

    def descendants(self, code: str) -> set[str]:
        """The code and all codes below it (e.g. company → startup, sme, …)."""
        found = {code}
        changed = True
        while changed:
            changed = False
            for term in self.terms.values():
                if term.parent in found and term.code not in found:
                    found.add(term.code)
                    changed = True
        return found

    def as_list(self, lang: str = "fr") -> list[dict]:
        return [
            {"code": t.code, "parent": t.parent, "label": t.label(lang), "label_fr": t.label_fr, "label_en": t.label_en}
            for t in self.terms.values()
        ]


def _read(path: Path, taxonomy: Taxonomy) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"code", "label_fr", "label_en"} - set(reader.fieldnames or [])
        if missing:
            raise TaxonomyError(f"{path}: missing columns {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            code = (row.get("code") or "").strip()
            if not code:
                raise TaxonomyError(f"{path}, line {line}: empty code")
            parent = (row.get("parent") or "").strip() or None
            synonyms = tuple(s.strip() for s in (row.get("synonyms") or "").split("|") if s.strip())
            taxonomy.add(Term(code, parent, row["label_fr"].strip(), row["label_en"].strip(), synonyms))
    for term in taxonomy.terms.values():
        if term.parent and term.parent not in taxonomy.terms:
            raise TaxonomyError(f"{path}: term {term.code!r} has unknown parent {term.parent!r}")


@lru_cache(maxsize=8)
def load_taxonomies(extra_dir: Path | None = None) -> dict[str, Taxonomy]:
    result: dict[str, Taxonomy] = {}
    for name in NAMES:
        tax = Taxonomy(name)
        _read(SHIPPED_DIR / f"{name}.csv", tax)
        if extra_dir is not None and (Path(extra_dir) / f"{name}.csv").exists():
            _read(Path(extra_dir) / f"{name}.csv", tax)
        result[name] = tax
    return result

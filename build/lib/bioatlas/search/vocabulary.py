"""Sector acronyms in queries: a query word that is a short synonym of a kind, modality,
value-chain step or expression system (CMO, MTI, LV, ARN…) also matches the other short names of
that term (CDMO, ATMP, LVV, ARNm…), read from the taxonomy CSVs, never from code.

The search documents already hold every label and synonym of the terms an actor holds
(`search.index`), so an actor with the capability matches any of its names; this expansion adds the
actors whose own text uses a sibling acronym. Only short words (acronyms) expand, into short words:
a long synonym such as "region" or "formation" would flood the results.
"""

from __future__ import annotations

from bioatlas.atlas.service import Taxonomy
from bioatlas.search.text import QueryTerm, stems, words

EXPANDED = ("kinds", "modalities", "value_chain", "expression_systems")
MAX_ACRONYM = 5
# kinds list organisations among their synonyms (CNRS, Inserm for a research unit): there, only a
# term whose label shows the acronym (CDMO / CMO, PME, ETI) expands
LABELLED_ONLY = ("kinds",)


def _acronyms(tax: Taxonomy) -> list[set[str]]:
    """Per term, its one-word names (code and synonyms) of at most MAX_ACRONYM letters; a name that
    is another term's code stays that term's (CHO is a kind of mammalian cell, not HEK)."""
    out = []
    for term in tax.terms.values():
        short = set()
        for name in (term.code, *term.synonyms):
            ws = words(name)
            if len(ws) == 1 and 2 <= len(ws[0]) <= MAX_ACRONYM and (ws[0] == term.code or ws[0] not in tax.terms):
                short.add(ws[0])
        if tax.name in LABELLED_ONLY and not short & {*words(term.label_fr), *words(term.label_en)}:
            continue
        if len(short) > 1:
            out.append(short)
    return out


_CACHE: dict[tuple, tuple[tuple, dict[str, tuple[str, ...]]]] = {}


def families(taxonomies: dict[str, Taxonomy]) -> dict[str, tuple[str, ...]]:
    """{acronym: the other acronyms of the same terms}, computed once per set of taxonomy objects."""
    chosen = tuple(taxonomies[name] for name in EXPANDED if name in taxonomies)
    key = tuple(id(tax) for tax in chosen)
    cached = _CACHE.get(key)
    if cached is not None and all(a is b for a, b in zip(cached[0], chosen)):
        return cached[1]
    family: dict[str, set[str]] = {}
    for tax in chosen:
        for short in _acronyms(tax):
            for w in short:
                family.setdefault(w, set()).update(short - {w})
    out = {w: tuple(sorted(others)) for w, others in family.items()}
    if len(_CACHE) > 8:
        _CACHE.clear()
    _CACHE[key] = (chosen, out)
    return out


def expand(terms: list[QueryTerm], taxonomies: dict[str, Taxonomy]) -> None:
    """Add to each acronym term the other acronyms of its taxonomy terms (and their stems)."""
    fam = families(taxonomies)
    for term in terms:
        for other in fam.get(term.word, ()):
            for form in (other, *stems(other)):
                if form not in term.forms:
                    term.forms.append(form)

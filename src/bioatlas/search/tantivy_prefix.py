"""A word being typed (a prefix) as a clause of the text query (`tantivy_index.Engine.build`).

Tantivy scores a prefix's matches alike (a regex query's constant: its boost), and evaluates a
regex by reading the postings of every term it matches into a bit set of the whole segment, at
each evaluation: ~5-7 ms per field at 1,000,000 documents, although a prefix often matches one
term or none of a field (a corrected typo's prefix, "therapy" in the names). So a prefix
matching at most TERMS_MAX terms of a field is asked as those terms: none, a query matching
nothing; one, that term's query at the regex's constant score, read lazily inside the query's
intersection (skipping what the other clauses leave out). The scores are the same to the bit:
a constant for the same documents, summed in the same place of the word's clauses
(tests/search/test_tantivy_prefix.py compares both forms).

More terms stay a regex: a union of 2 to 8 term queries cost as much as the bit set at 1M
(docs/performance.md, 2026-12-07, `fast10`). The terms depend on the index's state, so they are
kept per searcher, and the text queries built from them are kept by the terms they hold.
"""

from __future__ import annotations

import threading

import tantivy

TERMS_MAX = 1  # a prefix matching at most this many terms of a field: those terms, not a regex
_lock = threading.Lock()


class Expander:
    """The terms of the prefixes asked, kept for one searcher (the latest asked) at a time."""

    def __init__(self) -> None:
        self._kept: tuple = (None, {})

    def groups(self, groups: list[tuple[list[str], str | None]], searcher: tantivy.Searcher) -> tuple:
        """Per group of a query (`tantivy_index.Query.groups`), the terms of its prefix in names
        and in body (`expansion`), (None, None) without a prefix."""
        with _lock:
            if self._kept[0] is not searcher:
                self._kept = (searcher, {})
            memo = self._kept[1]
        return tuple((expansion(memo, searcher, "names", prefix), expansion(memo, searcher, "body", prefix))
                     if prefix else (None, None) for _, prefix in groups)


def expansion(memo: dict, searcher: tantivy.Searcher, field: str, prefix: str) -> tuple[str, ...] | None:
    """The terms of `field` starting with `prefix` when there are at most TERMS_MAX of them, else
    None (a regex); `memo`: kept for `searcher` (dropped with it)."""
    key = (field, prefix)
    with _lock:
        if key in memo:
            return memo[key]
    found = searcher.terms_with_prefix(field, prefix, limit=TERMS_MAX + 1)
    terms = tuple(sorted(term for term, _ in found)) if len(found) <= TERMS_MAX else None
    with _lock:
        memo[key] = terms
    return terms


def clause(schema: tantivy.Schema, field: str, prefix: str, terms: tuple[str, ...] | None) -> tantivy.Query:
    """The prefix's clause in `field`: the regex of the words it begins when `terms` is None, else
    a query of those terms scoring 1.0 (a regex query's score) for the same documents."""
    if terms is None:
        return tantivy.Query.regex_query(schema, field, "".join(ch if ch.isalnum() else "\\" + ch for ch in prefix) + ".*")
    if not terms:
        return tantivy.Query.empty_query()
    ask = [tantivy.Query.term_query(schema, field, term, index_option="basic") for term in terms]
    union = ask[0] if len(ask) == 1 else tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in ask])
    return tantivy.Query.const_score_query(union, 1.0)

"""A text matching few actors, read once (issue 19): the search's first Tantivy read is its top
FEW_MAX + 1 by score with the count of its matches. When that count is at most FEW_MAX, every
match was read with its score, and the search goes on the numpy path with them (`search.service`:
the filters, the total, the facet counts and the page from the in-memory facet index), instead of
evaluating the text again for the counts (an aggregation), the fusion's top 100 and the exact
names' check; more, and the read is the top-k's first read (`tantivy_search.Answer.top`), the
counts an aggregation as before.

Asked only when the view selects no facet, scale or area (the read is the text and the status and
scope clause: the numpy path sees every match it needs, and the read is the top-k's query), and
when the document frequencies of the text's words bound its matches at READ_FIRST_UNDER or fewer:
a broad text's page is read among its names' matches first (`tantivy_names_first`), which a read
of every match would undo. Exact either way: the numpy path is the reference the Tantivy path is
tested against, and the read's hits are the top-k's.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import tantivy

from bioatlas.search import tantivy_names_first as names_first
from bioatlas.search.tantivy_index import Query

FEW_MAX = 1000  # a text matching at most this many documents: every match read in the first read
READ_FIRST_UNDER = 20_000  # the words' frequencies bound the matches at most this: read first (names_first's threshold)
PREFIX_TERMS = 64  # a prefix of more terms than this in a field bounds nothing (not counted)
FIELDS = ("names", "body")  # the text query's fields (`tantivy_index.Engine.build`)


def bound(searcher: tantivy.Searcher, q: Query) -> int | None:
    """An upper bound of the documents matching every word of `q`: the least, over its words, of
    the sum of the document frequencies of the word's forms and its prefix's terms in both fields
    (deleted documents included); None when no word bounds it (a union, or prefixes of many terms)."""
    if q.any_ or not q.groups:
        return None
    best: int | None = None
    for forms, prefix in q.groups:
        n: int | None = sum(searcher.doc_freq(field, word) for field in FIELDS for word in forms)
        if prefix and n is not None:
            for field in FIELDS:
                found = searcher.terms_with_prefix(field, prefix, limit=PREFIX_TERMS + 1)
                if len(found) > PREFIX_TERMS:
                    n = None
                    break
                n += sum(int(df) for _, df in found)
        if n is not None:
            best = n if best is None else min(best, n)
    return best


def reads_first(searcher: tantivy.Searcher, q: Query, filters: dict, names: Callable[[], int]) -> bool:
    """Whether the search's first read is its top FEW_MAX + 1 with the count (see above): no
    filter but the status and scope, and a bound of the matches at READ_FIRST_UNDER or under, or
    such that the page cannot be read among the names' matches first (`names()`: their bound,
    over NAMES_FIRST_SHARE of the matches' bound), where the read is the page's first read."""
    if set(filters) - {""}:
        return False
    n = bound(searcher, q)
    return n is not None and (n <= READ_FIRST_UNDER or names() > names_first.NAMES_FIRST_SHARE * n)


def read(searcher: tantivy.Searcher, found, limit: int) -> tuple[int, tuple[np.ndarray, np.ndarray] | None]:
    """The total of `found` (a `tantivy_search.Answer`) and, when it is at most FEW_MAX, (ids,
    scores) of every match, from one read of its top `limit` + 1 (at least FEW_MAX) with the
    count; the hits are kept as its top-k's first read."""
    result = searcher.search(found.query(), limit=limit + 1, count=True)
    found.first, found.first_limit = result.hits, limit
    total = int(result.count or 0)
    if total > FEW_MAX:
        return total, None
    ids = searcher.fast_field_values("actor_id", [a for _, a in result.hits]) if result.hits else []
    return total, (np.asarray(ids, dtype=np.int64), np.asarray([s for s, _ in result.hits], dtype=np.float64))

"""Answers kept per searcher (one opened state of the index) for the searches Tantivy answers
(`tantivy_search`): totals, facet counts, pages, the filters' base counts. The cache lives with
the searcher it was computed on (`Engine.memo`, dropped when the engine opens a newer searcher
after a change), so it never answers from an older state of the index.

Counts are kept under what they count, not under the search that asked them: the matches of a
text and a filter set (`("matched", text, filters)`), and one facet's counts among the matches of
a text and the other filters (`("without", facet, text, other filters)`). So a selected facet's
counts without its own clause are those of the same text under the other filters, whichever
search computed them: the counts of "cell therapy" with no filter hold the regions' counts of
"cell therapy" in region 84, in region 11 ..., and the regions' counts of "cell therapy" in region
84 are those of "cell therapy" in region 11.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import tantivy

from bioatlas.search.tantivy_index import Engine

MEMO_SIZE = 1024  # entries kept per searcher, least recently used dropped first
_lock = threading.Lock()
stats = {"hits": 0, "misses": 0}


def memo(engine: Engine, searcher: tantivy.Searcher, key: tuple, compute: Callable[[], object]):
    """`compute()` once per key and searcher (LRU of MEMO_SIZE entries)."""
    value = peek(engine, searcher, key)
    if value is not None:
        return value
    with _lock:
        stats["misses"] += 1
    value = compute()
    keep(engine, searcher, key, value)
    return value


def peek(engine: Engine, searcher: tantivy.Searcher, key: tuple):
    """The value kept for `key` on this searcher, or None (counted as a hit when found)."""
    with _lock:
        entries = _entries(engine, searcher)
        value = entries.get(key)
        if value is not None:
            entries.move_to_end(key)
            stats["hits"] += 1
        return value


def keep(engine: Engine, searcher: tantivy.Searcher, key: tuple, value: object) -> None:
    """Keep `value` for `key` on this searcher (nothing when the engine moved to a newer one)."""
    with _lock:
        if engine.memo is not None and engine.memo[0] is searcher:
            entries = engine.memo[1]
            entries[key] = value
            entries.move_to_end(key)
            while len(entries) > MEMO_SIZE:
                entries.popitem(last=False)


def _entries(engine: Engine, searcher: tantivy.Searcher) -> OrderedDict:
    if engine.memo is None or engine.memo[0] is not searcher:
        engine.memo = (searcher, OrderedDict())
    return engine.memo[1]

"""The page of a broad text read among the matches holding one of its words in their names first
(`tantivy_search.Answer.top`): a names clause weighs NAME_WEIGHT times a body one, so the page of a
text matching hundreds of thousands of actors is usually among the few thousand with the word in
their names, and Tantivy scores every match of a conjunction (block-max WAND prunes disjunctions
only): reading those few instead of all of them is one evaluation of the broad text fewer.

Exact: a match holding no word of the text in its names scores at most the sum of the bounds of
the text's body clauses (a term's BM25 is under idf × (K1 + 1), N read once per searcher; a
prefix's constant). When the k-th best of the names' matches scores more than that bound, no
other match can reach the page nor tie with its last (the caller checks, and reads every match
when it does not hold).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import tantivy

from bioatlas.search.tantivy_index import Engine, Query

NAMES_FIRST_OVER = 20_000  # a text matching more actors: its page read among the names' matches first
NAMES_FIRST_SHARE = 0.25  # ... when the names' matches (their terms' document frequencies) are at most this share
FILTERED_PAGES = 2  # names' matches expected within the filters (their share of the documents): at least this many pages
PREFIX_SCORE = 1.0  # a prefix clause's score in `body` (Tantivy scores a regex query's matches by its boost)
K1 = 1.2  # BM25's term saturation in Tantivy
MARGIN = 1e-5  # relative: Tantivy sums f32 scores, the bound is summed here in f64
stats = {"kept": 0, "read_again": 0}  # pages read among the names' matches: kept, or read again in full


def narrowing(engine: Engine, searcher: tantivy.Searcher, q: Query, total: int, k: int, share: Callable[[], float],
              memo: Callable) -> tuple[tantivy.Query, float] | None:
    """(the clause of the names' matches, the best score a match outside it can reach), or None
    when it cannot pay: a text matching NAMES_FIRST_OVER actors or fewer (its page is cheap), or
    names' matches over NAMES_FIRST_SHARE of its matches, or likely fewer than the page once
    filtered (`share()`: the filters' share of the documents, asked only then). `memo(key,
    compute)`: kept per searcher."""
    if total <= NAMES_FIRST_OVER:
        return None
    clause = engine.names_clause(q, searcher)
    if clause is None:
        return None
    names = frequency(searcher, q, memo)
    if names < k or names > NAMES_FIRST_SHARE * total or names * share() < FILTERED_PAGES * k:
        return None
    docs = memo(("docs",), lambda: _docs(searcher, engine.schema, q))
    if docs is None:
        return None
    bound = 0.0
    for forms, prefix in q.groups:
        bound += sum(_best(searcher.doc_freq("body", w), docs) for w in forms) + (PREFIX_SCORE if prefix else 0.0)
    return clause, bound * (1 + MARGIN) + MARGIN


def frequency(searcher: tantivy.Searcher, q: Query, memo: Callable) -> int:
    """An upper bound of the documents holding a word of `q` in their names (kept per searcher)."""
    return sum(memo(("names-df", tuple(forms), prefix), lambda f=forms, p=prefix: _names_frequency(searcher, f, p))
               for forms, prefix in q.groups)


def _names_frequency(searcher: tantivy.Searcher, forms: list[str], prefix: str | None) -> int:
    """An upper bound of the documents holding one of a group's words in their names (the sum of
    its terms' document frequencies, a prefix's terms included)."""
    n = sum(searcher.doc_freq("names", w) for w in forms)
    if prefix:
        n += sum(df for _, df in searcher.terms_with_prefix("names", prefix))
    return n


def _best(doc_freq: int, docs: int) -> float:
    """BM25's bound for a term of `body` (boost 1): idf × (K1 + 1), its term-frequency factor
    tf / (tf + K1 × (1 - B + B × dl / avgdl)) being under 1 (Tantivy's `query/bm25.rs`)."""
    if doc_freq == 0:
        return 0.0
    return math.log(1.0 + (docs - doc_freq + 0.5) / (doc_freq + 0.5)) * (K1 + 1.0)


def _docs(searcher: tantivy.Searcher, schema: tantivy.Schema, q: Query) -> int | None:
    """The N of BM25's idf as Tantivy counts it (every segment's documents, deleted ones included,
    which `num_docs` leaves out), read from the explanation of a names term's score (any term
    tells it: it is the searcher's); None without a names term of `q` in the index."""
    for forms, prefix in q.groups:
        words = [*forms, *([w for w, _ in searcher.terms_with_prefix("names", prefix, limit=1)] if prefix else [])]
        for word in words:
            query = tantivy.Query.term_query(schema, "names", word)
            hits = searcher.search(query, limit=1, count=False).hits
            if hits:
                return _find_n(json.loads(query.explain(searcher, hits[0][1]).to_json()))
    return None


def _find_n(explained: dict) -> int | None:
    if explained.get("description", "").startswith("N, total number of docs"):
        return int(explained["value"])
    for detail in explained.get("details", []):
        found = _find_n(detail)
        if found is not None:
            return found
    return None

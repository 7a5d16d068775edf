"""The filters and facet counts of a search answered by Tantivy (`search/tantivy_search.py`):
each filter as a constant-score clause, and the counts of the documents matching a query as terms
aggregations over the counted columns (`tantivy_documents.COUNTED`: signatures and site slots),
expanded to codes here.

Filter clauses: a document holds its codes with every ancestor, so "any code of a set and its
subtree" is "any of the set's topmost codes" (those with no ancestor in the set); one code is a
term query, a few a union of term queries. Both are read lazily inside the query's intersection,
where a term set builds a bit set of every document holding any of the codes at each evaluation
("cell therapy" + a kind and a region at 1M: 37 → 21 ms per evaluation).
"""

from __future__ import annotations

import threading

import numpy as np
import tantivy

from bioatlas.atlas.service import FACETS, Taxonomy
from bioatlas.search.tantivy_index import COUNTED, SCALE_RANGE, Engine, codes_of

MAX_SIGNATURES = 65_000  # terms aggregation size: every signature of a group (Tantivy's cap on buckets)
MAX_CODES = 65_000  # the same, every code of a facet (`_by_facet_columns`)
SINGLE_CODE = ("kind", "gmp", "scale")  # one code per actor (with its ancestors in the column)
UNION_MAX = 8  # up to this many codes: a union of term queries; more: a term set
PARSED_MAX = 200_000  # signatures kept parsed (`_codes`)
_parsed: dict[str, np.ndarray] = {}  # signature -> the positions of its codes in `_names`
_positions: dict[tuple[str, str], int] = {}  # (facet, code) -> its position in `_names` (never dropped: the taxonomies' codes)
_names: list[tuple[str, str]] = []
_lock = threading.Lock()


def const(query: tantivy.Query) -> tantivy.Query:
    return tantivy.Query.const_score_query(query, 0.0)  # a filter adds nothing to the BM25 score


def count(searcher: tantivy.Searcher, query: tantivy.Query) -> int:
    """Documents matching `query`, unscored (scoring every match costs 3-4x the count)."""
    return int(searcher.search(const(query), limit=1, count=True).count or 0)


def matched(searcher: tantivy.Searcher, query: tantivy.Query) -> tuple[int, dict[str, dict[str, int]]]:
    """The number of documents matching `query` and their counts, in one pass: every document
    holds exactly one value of each signature column, so the first column's counts sum to it."""
    found = _signatures(searcher, query, list(COUNTED))
    if found is None:
        return count(searcher, query), _by_facet_columns(searcher, query, None)
    first = next(iter(COUNTED))  # a signature column: one value per document
    return sum(int(b["doc_count"]) for b in found[first]["buckets"]), _expand(found, None)


def split(searcher: tantivy.Searcher, query: tantivy.Query, selected: dict[str, list[str]],
          ) -> tuple[int, dict[str, dict[str, int]], dict[str, dict[str, int]]] | None:
    """One pass for a search whose view selects a facet (`selected`: that facet -> its topmost
    codes, `splittable`), `query` being the text and the other filters: the facet's own column,
    restricted to the selected codes (`include`), splits the documents meeting it (disjoint
    buckets), which hold every counted column as sub-aggregations (the matches' counts), while
    the facet's counted columns over the whole query give its counts without its own clause.
    Returns (total, counts of the matches, {facet: counts without its own clause}), exactly
    those of `matched` and `aggregate(..., only=facet)`; None when a column has more values than
    an aggregation returns (or the buckets exceed Tantivy's cap): the caller counts pass by pass."""
    ((facet, codes),) = selected.items()
    every = {c: {"terms": {"field": c, "size": MAX_SIGNATURES}} for c in COUNTED}
    holding = {c: every[c] for c, facets in COUNTED.items() if facet in facets}
    cut = {"terms": {"field": SCALE_RANGE if facet == "scale" else facet, "include": codes, "size": len(codes)},
           "aggs": every}
    try:
        found = searcher.aggregate(query, {**holding, "cut": cut})
    except ValueError:  # more buckets than Tantivy's cap
        return None
    both = found["cut"]["buckets"]
    columns = [found[c] for c in holding] + [bucket[c] for bucket in both for c in every]
    if any(c.get("sum_other_doc_count") for c in columns):
        return None
    total = sum(int(bucket["doc_count"]) for bucket in both)
    without = {facet: _expand({c: found[c] for c in holding}, facet).get(facet, {})}
    return total, _expand(_joined(both, every), None), without


def _joined(buckets: list[dict], columns) -> dict:
    """The columns' buckets of several sub-aggregations as one list per column (`_expand` adds them)."""
    return {c: {"buckets": [b for bucket in buckets for b in bucket[c]["buckets"]]} for c in columns}


def splittable(facet: str, codes: list[str]) -> bool:
    """Whether the documents meeting a facet's clause are the disjoint union of its column's
    buckets of those codes: one code, or a facet of one code per actor (with its ancestors:
    two topmost codes are never held by one document)."""
    return len(codes) == 1 or (len(codes) >= 1 and facet in SINGLE_CODE)


def aggregate(searcher: tantivy.Searcher, query: tantivy.Query, only: str | None = None) -> dict[str, dict[str, int]]:
    """{facet: {code: documents}} and {"scale": {range: documents}} of the documents matching
    `query`: one pass of terms aggregations over the counted columns (one value per document
    and group or site slot, `tantivy_documents.COUNTED`), each signature's count then added to
    each of its codes; `only`: that facet alone (a selected facet counted without its clause), from the
    columns holding it. Exact: should a column have more signatures than an aggregation returns,
    the facets' own columns are counted instead (`_by_facet_columns`)."""
    columns = [c for c, facets in COUNTED.items() if only is None or only in facets]
    found = _signatures(searcher, query, columns)
    return _by_facet_columns(searcher, query, only) if found is None else _expand(found, only)


def _signatures(searcher: tantivy.Searcher, query: tantivy.Query, columns: list[str]) -> dict | None:
    """The columns' terms aggregations, None when one of them left signatures out."""
    try:
        found = searcher.aggregate(query, {c: {"terms": {"field": c, "size": MAX_SIGNATURES}} for c in columns})
    except ValueError:  # more buckets than Tantivy's cap (65,000): too many signatures
        return None
    return None if any(found[c].get("sum_other_doc_count") for c in columns) else found


def _expand(found: dict, only: str | None) -> dict[str, dict[str, int]]:
    """{facet: {code: documents}} of the columns' buckets: each signature's count added to each of
    its codes (`only`: that facet's codes alone). One `bincount` over the buckets' code positions
    instead of a dictionary update per code and bucket (a broad text's aggregation returns some
    thousand signatures of ~10-20 codes each: that loop was ~2-5 ms per aggregation at 1M)."""
    keys, counts = [], []
    for part in found.values():
        for bucket in part["buckets"]:
            keys.append(bucket["key"])
            counts.append(bucket["doc_count"])
    rows = [_codes(key) for key in keys]
    if not rows:
        return {}
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    # float64 sums of counts under 2**53 are exact
    sums = np.bincount(np.concatenate(rows), weights=np.repeat(np.asarray(counts, dtype=np.float64), lengths))
    out: dict[str, dict[str, int]] = {}
    for i in np.flatnonzero(sums).tolist():
        facet, code = _names[i]
        if only is None or facet == only:
            out.setdefault(facet, {})[code] = int(sums[i])
    return out


def _codes(signature: str) -> np.ndarray:
    """The positions (in `_names`) of a signature's codes, kept parsed."""
    codes = _parsed.get(signature)
    if codes is None:
        codes = np.asarray([_position(pair) for pair in codes_of(signature)], dtype=np.int64)
        with _lock:
            if len(_parsed) >= PARSED_MAX:
                _parsed.clear()
            _parsed[signature] = codes
    return codes


def _position(pair: tuple[str, str]) -> int:
    found = _positions.get(pair)
    if found is None:
        with _lock:
            found = _positions.get(pair)
            if found is None:
                found = _positions[pair] = len(_names)
                _names.append(pair)
    return found


def _by_facet_columns(searcher: tantivy.Searcher, query: tantivy.Query, only: str | None) -> dict[str, dict[str, int]]:
    """The same counts from each facet's own multi-valued column (slower: ~30 ms per million
    documents and column), for a group with more signatures than an aggregation returns."""
    facets = [f for f in (*FACETS, "scale") if only is None or f == only]
    fields = {f: SCALE_RANGE if f == "scale" else f for f in facets}
    found = searcher.aggregate(query, {f: {"terms": {"field": fields[f], "size": MAX_CODES}} for f in facets})
    return {f: {b["key"]: int(b["doc_count"]) for b in found[f]["buckets"]} for f in facets if found[f]["buckets"]}


def topmost(codes, tax: Taxonomy | None) -> list[str]:
    """The codes without an ancestor among them (a document holding a code holds its ancestors)."""
    chosen = set(codes)
    out = []
    for code in sorted(chosen):
        term = tax.terms.get(code) if tax is not None else None
        parent = term.parent if term is not None else None
        while parent and parent not in chosen:
            term = tax.terms.get(parent) if tax is not None else None
            parent = term.parent if term is not None else None
        if not parent:
            out.append(code)
    return out


def any_of(schema: tantivy.Schema, field: str, codes: list[str]) -> tantivy.Query:
    """Documents holding any of these codes in `field`."""
    if not codes or len(codes) > UNION_MAX:
        return tantivy.Query.term_set_query(schema, field, codes)
    terms = [tantivy.Query.term_query(schema, field, code) for code in codes]
    return terms[0] if len(terms) == 1 else tantivy.Query.boolean_query([(tantivy.Occur.Should, t) for t in terms])


def filter_clauses(engine: Engine, p, scale: tuple[str, ...], taxonomies: dict[str, Taxonomy]) -> dict[str, tantivy.Query]:
    """Per facet ("" for status and scope, "scale"), the constant-score clause of the view's
    predicates `p` (`atlas.service.view_predicates`) and the scale ranges."""
    schema = engine.schema
    filters: dict[str, tantivy.Query] = {}
    fixed = []
    if p.status:
        fixed.append(tantivy.Query.term_query(schema, "status", p.status))
    if p.scope == "sector":
        fixed.append(tantivy.Query.term_query(schema, "scope", "sector"))
    if fixed:
        filters[""] = const(fixed[0] if len(fixed) == 1 else tantivy.Query.boolean_query([(tantivy.Occur.Must, c) for c in fixed]))
    for facet, codes in {**p.actor, **p.site}.items():
        tax = taxonomies.get(FACETS[facet]) if FACETS.get(facet) else None
        filters[facet] = const(any_of(schema, facet, topmost(codes, tax)))
    if scale:
        filters["scale"] = const(any_of(schema, SCALE_RANGE, sorted(scale)))
    return filters

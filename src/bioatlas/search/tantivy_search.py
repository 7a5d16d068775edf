"""A search answered by Tantivy itself (issue 19): the top-k of the text query with the view's
filters as clauses (block-max WAND prunes what cannot reach the page), the total as the engine's
count, and the facet counts as terms aggregations (each selected facet's counts from the query
without its own clause) and the scale counts as a range aggregation, all in Rust. Nothing is read
per match into Python: a broad query at 200,000 actors costs the page, not the matches.

The same answers as the numpy path of `search.service` (the tests compare both):
- filters: status, sector scope, kind / modality / step / expression (codes with their subtrees,
  matched against the document's codes and ancestors), GMP (while its taxonomy is flat), one of
  region or département, scale ranges (range clauses on the scale field);
- ranking: BM25 desc, then actor id asc (ties are read whole before the page is cut);
- facets: distinct actors per code (documents hold distinct codes, ancestors included).
Not here (`supports` says False, the numpy path answers): a bounding box or radius, a GMP filter
once the GMP taxonomy has a hierarchy (the numpy path matches a GMP code exactly, the document
holds its ancestors too), region and département together (one site must meet both), an exact
name that the text does not match.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import tantivy

from bioatlas.atlas.service import FACETS, ActorFilter, Taxonomy, view_predicates
from bioatlas.search.params import SCALES, Geo
from bioatlas.search.tantivy_index import Engine, Query

MAX_CODES = 65_000  # terms aggregation size: every code of a facet
MEMO_SIZE = 1024  # totals and facet counts kept per searcher (one opened state of the index)
_memo_lock = threading.Lock()
memo_stats = {"hits": 0, "misses": 0}


def _memo(engine: Engine, searcher: tantivy.Searcher, key: tuple, compute):
    """`compute()` once per key and searcher: the cache lives with the searcher it was computed
    on (`engine.memo`, dropped when the engine opens a newer searcher after a change), so it can
    never answer from an older state of the index. LRU of MEMO_SIZE entries."""
    with _memo_lock:
        memo = engine.memo
        if memo is None or memo[0] is not searcher:
            memo = engine.memo = (searcher, OrderedDict())
        value = memo[1].get(key)
        if value is not None:
            memo[1].move_to_end(key)
            memo_stats["hits"] += 1
            return value
        memo_stats["misses"] += 1
    value = compute()
    with _memo_lock:
        if engine.memo is not None and engine.memo[0] is searcher:
            entries = engine.memo[1]
            entries[key] = value
            while len(entries) > MEMO_SIZE:
                entries.popitem(last=False)
    return value


def supports(f: ActorFilter, geo: Geo, scale: tuple[str, ...], taxonomies: dict[str, Taxonomy]) -> bool:
    """Whether Tantivy answers this search alone (else the numpy path)."""
    gmp = taxonomies.get("gmp_status")
    hierarchical_gmp = gmp is None or any(t.parent for t in gmp.terms.values())
    return not (geo.bbox or geo.near or f.q or (f.region and f.departement) or (f.gmp and hierarchical_gmp))


def _const(query: tantivy.Query) -> tantivy.Query:
    return tantivy.Query.const_score_query(query, 0.0)  # a filter adds nothing to the BM25 score


@dataclass
class Answer:
    """One search on the engine: `total` (text and filters), the clauses to rank and count with."""

    engine: Engine
    text: tantivy.Query
    filters: dict[str, tantivy.Query]  # per facet ("" for status and scope), a constant-score clause
    total: int
    searcher: tantivy.Searcher | None = None  # the index state every answer of this search reads
    key: tuple = field(default=())  # the query and filters as values (the memo's key)

    def query(self, *, without: str | None = None, exclude: list[int] = (), only: list[int] = ()) -> tantivy.Query:
        clauses = [(tantivy.Occur.Must, self.text)]
        clauses += [(tantivy.Occur.Must, c) for name, c in self.filters.items() if name != without]
        schema = self.engine.schema
        if exclude:
            clauses.append((tantivy.Occur.MustNot, tantivy.Query.term_set_query(schema, "actor_id", [int(i) for i in exclude])))
        if only:
            clauses.append((tantivy.Occur.Must, _const(tantivy.Query.term_set_query(schema, "actor_id", [int(i) for i in only]))))
        return tantivy.Query.boolean_query(clauses)

    def top(self, n: int, offset: int, exclude: list[int] = ()) -> list[tuple[int, float]]:
        """(actor id, score) of ranks offset … offset + n, score desc then id asc, exact names left out."""
        if n <= 0:
            return []
        k = offset + n
        query, searcher = self.query(exclude=exclude), self.searcher or self.engine.searcher
        limit = k
        while True:  # read on while the k-th score's ties go on (their order is the actor id's)
            hits = searcher.search(query, limit=limit + 1, count=False).hits
            if len(hits) <= limit or hits[-1][0] < hits[k - 1][0]:  # all read, or past the ties
                break
            limit *= 2
        if len(hits) > k:
            kth = hits[k - 1][0]
            hits = [h for h in hits if h[0] >= kth]
        if not hits:
            return []
        ids = searcher.fast_field_values("actor_id", [a for _, a in hits])
        ranked = sorted(zip(ids, (s for s, _ in hits)), key=lambda p: (-p[1], p[0]))
        return [(int(i), float(s)) for i, s in ranked[offset:k]]

    def contains(self, ids: list[int]) -> set[int]:
        """Those of `ids` that the text matches (filters aside)."""
        if not ids:
            return set()
        searcher = self.searcher or self.engine.searcher
        query = tantivy.Query.boolean_query([
            (tantivy.Occur.Must, self.text),
            (tantivy.Occur.Must, _const(tantivy.Query.term_set_query(self.engine.schema, "actor_id", [int(i) for i in ids]))),
        ])
        hits = searcher.search(query, limit=len(ids), count=False).hits
        return {int(i) for i in searcher.fast_field_values("actor_id", [a for _, a in hits])} if hits else set()

    def counts(self, f: ActorFilter, taxonomies: dict[str, Taxonomy]) -> dict[str, dict[str, int]]:
        """Facet counts {facet: {code: actors}} (zeros left out; codes in taxonomy order, else by
        code), each selected facet counted without its own clause, and the scale ranges; kept
        per query and searcher (a broad query's aggregations cost ~100 ms at 200,000 actors)."""
        searcher = self.searcher or self.engine.searcher
        counts = _memo(self.engine, searcher, ("counts", *self.key), lambda: self._counts(searcher, taxonomies))
        return {facet: dict(values) for facet, values in counts.items()}

    def _counts(self, searcher: tantivy.Searcher, taxonomies: dict[str, Taxonomy]) -> dict[str, dict[str, int]]:
        plain = [facet for facet in FACETS if facet not in self.filters]
        aggs = {facet: {"terms": {"field": facet, "size": MAX_CODES}} for facet in plain}
        aggs["scale"] = {"range": {"field": "scale", "ranges": [
            {"key": code, "from": low, **({"to": high} if high is not None else {})} for code, (low, high) in SCALES.items()
        ]}}
        if "scale" in self.filters:  # the scale ranges counted without their own clause
            ranges = searcher.aggregate(self.query(without="scale"), {"scale": aggs.pop("scale")})["scale"]["buckets"]
        found = searcher.aggregate(self.query(), aggs)
        if "scale" not in self.filters:
            ranges = found["scale"]["buckets"]
        buckets = {facet: found[facet]["buckets"] for facet in plain}
        for facet in FACETS:
            if facet in self.filters:
                own = searcher.aggregate(self.query(without=facet), {facet: {"terms": {"field": facet, "size": MAX_CODES}}})
                buckets[facet] = own[facet]["buckets"]
        out: dict[str, dict[str, int]] = {}
        for facet in FACETS:
            counts = {b["key"]: int(b["doc_count"]) for b in buckets[facet] if b["doc_count"]}
            tax = taxonomies.get(FACETS[facet]) if FACETS[facet] else None
            order = [c for c in tax.terms if c in counts] if tax is not None else []
            order += sorted(c for c in counts if c not in set(order))
            out[facet] = {c: counts[c] for c in order}
        by_key = {b["key"]: int(b["doc_count"]) for b in (ranges.values() if isinstance(ranges, dict) else ranges)}
        out["scale"] = {code: by_key.get(code, 0) for code in SCALES}
        return out


def _order_key(taxonomies: dict[str, Taxonomy]) -> tuple:
    """The facets' taxonomy codes in order (the counts are listed in that order)."""
    return tuple((name, tuple(taxonomies[name].terms)) for name in FACETS.values() if name and name in taxonomies)


def _scale_clause(schema, scale: tuple[str, ...]) -> tantivy.Query:
    """Any of the scale ranges [low, high) on the actor's scale in litres."""
    ranges = []
    for code in scale:
        low, high = SCALES[code]
        ranges.append(tantivy.Query.range_query(schema, "scale", tantivy.FieldType.Float, float(low),
                                                None if high is None else float(high), True, high is None))
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, r) for r in ranges])


def answer(engine: Engine, q: Query, f: ActorFilter, taxonomies: dict[str, Taxonomy],
           scale: tuple[str, ...] = ()) -> Answer:
    """The text query with the filter's clauses, and its total."""
    schema = engine.schema
    p = view_predicates(f, taxonomies=taxonomies)
    filters: dict[str, tantivy.Query] = {}
    fixed = []
    if p.status:
        fixed.append(tantivy.Query.term_query(schema, "status", p.status))
    if p.scope == "sector":
        fixed.append(tantivy.Query.term_query(schema, "scope", "sector"))
    if fixed:
        filters[""] = _const(tantivy.Query.boolean_query([(tantivy.Occur.Must, c) for c in fixed]))
    for facet, codes in {**p.actor, **p.site}.items():
        filters[facet] = _const(tantivy.Query.term_set_query(schema, facet, sorted(codes)))
    if scale:
        filters["scale"] = _const(_scale_clause(schema, scale))
    text = engine.build(q)
    searcher = engine.searcher
    key = (q.encode(), p.status, p.scope, tuple(sorted((k, tuple(sorted(v))) for k, v in {**p.actor, **p.site}.items())),
           tuple(sorted(scale)), _order_key(taxonomies))
    found = Answer(engine, text, filters, 0, searcher, key)
    found.total = _memo(engine, searcher, ("total", *key),
                        lambda: int(searcher.search(found.query(), limit=1, count=True).count or 0))
    return found

"""The closest few when no actor matches every word (`search.service._closest`), answered by
Tantivy instead of reading every match of every word into numpy (issue 19: a name with a filter
that leaves none of it, or a topic and a city without "near", read 100,000s of matches at 1M).

The same answer as the numpy path: actors meeting the filters ranked by the number of words they
match, then by the best full-text score of one of those words, then by actor id; the score
`words + best / (most + 1)`, `most` being the best score of any word over every actor. Here:
- `most`: each word's own best score (a top-1 search per word, pruned by block-max WAND);
- one search ranks by `weight * words + best` (a constant-score clause of `weight` > `most` per
  word matched, plus the disjunction-max of the words' queries, which is the best of their scores),
  with the filters as clauses: f32 rounding is monotone, so every actor of the exact top-n scores
  at least the n-th hit; the hits tied with the n-th are read on, as the top-k does;
- the candidates' exact scores: each word's query restricted to them (the very scores the numpy
  path reads), then the exact order.
None (the caller takes the numpy path) when the ties at the n-th go on past TIE_READ_MAX hits.
"""

from __future__ import annotations

import math

import tantivy

from bioatlas.atlas.service import ActorFilter, Taxonomy, view_predicates
from bioatlas.search import tantivy_search
from bioatlas.search.tantivy_index import Engine, Query
from bioatlas.search.tantivy_facets import const as _const
from bioatlas.search.tantivy_facets import filter_clauses
from bioatlas.search.text import QueryTerm

Must, Should = tantivy.Occur.Must, tantivy.Occur.Should


def closest(engine: Engine, terms: list[QueryTerm], f: ActorFilter, taxonomies: dict[str, Taxonomy],
            scale: tuple[str, ...], n: int) -> list[tuple[int, float]] | None:
    """(actor id, score) of the n closest actors meeting the filters, best first; None when a
    crowd of ties makes the numpy path the one to ask."""
    searcher = engine.searcher
    words = [engine.build(Query.of([t]), searcher) for t in terms]  # each word's query, as its matches are read
    bests = [hits[0][0] for hits in (searcher.search(w, limit=1, count=False).hits for w in words) if hits]
    if not bests:
        return []
    most = float(max(bests))
    weight = float(math.floor(most)) + 2.0  # above any best score: the number of words ranks first
    either = tantivy.Query.boolean_query([(Should, tantivy.Query.disjunction_max_query(words)),
                                          *((Should, tantivy.Query.const_score_query(w, weight)) for w in words)])
    filters = filter_clauses(engine, view_predicates(f, taxonomies=taxonomies), scale, taxonomies)
    query = tantivy.Query.boolean_query([(Must, either), *((Must, c) for c in filters.values())])
    limit = n
    while True:
        hits = searcher.search(query, limit=limit + 1, count=False).hits
        if len(hits) <= limit or hits[-1][0] < hits[n - 1][0]:
            break
        if limit >= tantivy_search.TIE_READ_MAX:
            return None
        limit = min(limit * 8, tantivy_search.TIE_READ_MAX)
    if len(hits) > n:
        nth = hits[n - 1][0]
        hits = [h for h in hits if h[0] >= nth]
    if not hits:
        return []
    ids = [int(i) for i in searcher.fast_field_values("actor_id", [a for _, a in hits])]
    only = _const(tantivy.Query.term_set_query(engine.schema, "actor_id", ids))
    matched = {i: 0.0 for i in ids}
    best = {i: 0.0 for i in ids}
    for w in words:
        found = searcher.search(tantivy.Query.boolean_query([(Must, w), (Must, only)]), limit=len(ids), count=False).hits
        for actor_id, score in zip(searcher.fast_field_values("actor_id", [a for _, a in found]), (s for s, _ in found)):
            matched[int(actor_id)] += 1.0
            best[int(actor_id)] = max(best[int(actor_id)], float(score))
    scored = sorted(((matched[i] + best[i] / (most + 1.0), i) for i in ids), key=lambda p: (-p[0], p[1]))
    return [(i, s) for s, i in scored[:n]]

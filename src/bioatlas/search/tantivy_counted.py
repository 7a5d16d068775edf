"""The text query as the unscored passes ask it (`tantivy_search`: the total, the facet counts'
aggregations, the complement's "filters and not the text"): the same documents as the scored text
query (`tantivy_index.Engine.build`), read without what only the score needs.

A word being typed whose prefix begins two terms or more of a field is a regex clause in the
scored query (`tantivy_prefix`): Tantivy reads the postings of every term it matches into a bit
set of the whole segment at each evaluation, although the word's own form is often one of those
terms and is read again by its term clause ("thérapie cellulaire": `cellulaire` read twice, ~4-5 ms
of a 24 ms count at 1,000,000 actors). Here each group is the union of its terms in each field,
the prefix's terms listed once (at most PREFIX_TERMS_MAX of them; more stay a regex), each read
as document ids only, and the terms no document holds left out.

Exact: a document matches a group of the scored query when it holds one of the group's forms or
a term beginning with its prefix in `names` or `body` (every clause of a group matches that way;
the boosts and constants change scores only), which is the union here. Built per searcher (the
terms are the index state's) and kept with the answers of that searcher (`tantivy_memo`).
"""

from __future__ import annotations

import tantivy

from bioatlas.search.tantivy_index import Engine, Query
from bioatlas.search.tantivy_prefix import clause as prefix_clause

PREFIX_TERMS_MAX = 64  # a prefix beginning more terms of a field stays a regex (its bit set)
Must, Should = tantivy.Occur.Must, tantivy.Occur.Should


def text(engine: Engine, searcher: tantivy.Searcher, q: Query) -> tantivy.Query:
    """The documents matching `q`'s text query on `searcher`, as an unscored query."""
    fields = ("names",) if q.names_only else ("names", "body")
    groups = [_group(engine.schema, searcher, fields, forms, prefix) for forms, prefix in q.groups]
    return tantivy.Query.boolean_query([(Should if q.any_ else Must, g) for g in groups])


def _group(schema: tantivy.Schema, searcher: tantivy.Searcher, fields: tuple[str, ...], forms: list[str],
           prefix: str | None) -> tantivy.Query:
    clauses = []
    for field in fields:
        words = list(forms)
        if prefix:
            found = searcher.terms_with_prefix(field, prefix, limit=PREFIX_TERMS_MAX + 1)
            if len(found) > PREFIX_TERMS_MAX:  # too many terms: the regex's bit set, as scored
                clauses.append(prefix_clause(schema, field, prefix, None))
            else:
                words += [term for term, _ in found]
        clauses += [tantivy.Query.term_query(schema, field, word, index_option="basic")
                    for word in dict.fromkeys(words) if searcher.doc_freq(field, word) > 0]
    if not clauses:
        return tantivy.Query.empty_query()
    return clauses[0] if len(clauses) == 1 else tantivy.Query.boolean_query([(Should, c) for c in clauses])

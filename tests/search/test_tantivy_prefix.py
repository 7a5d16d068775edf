"""A word being typed asked as its terms when it has at most one per field (`search/tantivy_prefix.py`)
instead of a regex: the same matches with the same scores, to the bit."""

from __future__ import annotations

import numpy as np

from bioatlas.atlas.filters import ActorFilter
from bioatlas.search import tantivy_index, tantivy_prefix
from bioatlas.search.text import parse_query
from tests.search.engine_pages import pages

TYPED = ["cell therapy", "Acte", "vaccins bioréact", "dijo", "plasm", "vaccins cellul", "synth", "bio", "anticorps thér",
         "Acteur synthétique 1", "zzzq", "thérapie zzzq", "bioréacteur plasmide cellulaire"]


def test_a_prefix_of_one_term_or_none_scores_as_its_regex(db, synthetic, taxonomies, engine_on_tantivy, monkeypatch):
    queries = [tantivy_index.Query.of(parse_query(q, as_you_type=True)) for q in TYPED]
    with db() as s:
        pages(s, taxonomies, "vaccins", ActorFilter())  # the first search builds the index
        engine = tantivy_index.current(s, taxonomies)
        as_terms = [engine.all_matches(q) for q in queries]
        expanded = [engine._prefixes.groups(q.groups, engine.searcher) for q in queries]
        monkeypatch.setattr(tantivy_prefix, "TERMS_MAX", -1)  # every prefix a regex, as before
        engine._prefixes = tantivy_prefix.Expander()
        as_regex = [engine.all_matches(q) for q in queries]
        assert all(terms is None for q in queries for pair in engine._prefixes.groups(q.groups, engine.searcher) for terms in pair)
    found = {len(terms) for groups in expanded for pair in groups for terms in pair if terms is not None}
    assert found == {0, 1} and any(terms is None for groups in expanded for pair in groups for terms in pair)
    assert sum(len(ids) for ids, _ in as_terms) > 100
    for q, (ids, scores), (regex_ids, regex_scores) in zip(TYPED, as_terms, as_regex):
        order, regex_order = np.lexsort((ids, -scores)), np.lexsort((regex_ids, -regex_scores))
        assert np.array_equal(ids[order], regex_ids[regex_order]), q
        assert np.array_equal(scores[order], regex_scores[regex_order]), q  # equal to the bit

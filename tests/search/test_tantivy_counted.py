"""The text's unscored form for the counts (`search/tantivy_counted.py`): the same documents as the
scored text query, a typed word's terms listed instead of its regex, for the passes that count."""

from __future__ import annotations

import tantivy

from bioatlas.atlas.filters import ActorFilter
from bioatlas.search import tantivy_counted, tantivy_index, tantivy_search
from bioatlas.search.text import parse_query
from tests.search.engine_pages import pages
from tests.search.test_tantivy_prefix import TYPED

MORE = ["vaccins b", "cell therapy c", "p", "thérapie cellulaire", "anticorps monoclonaux"]


def _matched(searcher: tantivy.Searcher, query: tantivy.Query) -> list[int]:
    hits = searcher.search(tantivy.Query.const_score_query(query, 0.0), limit=max(1, searcher.num_docs), count=False).hits
    return sorted(int(i) for i in searcher.fast_field_values("actor_id", [a for _, a in hits])) if hits else []


def test_the_unscored_text_matches_the_documents_of_the_scored_one(db, synthetic, taxonomies, engine_on_tantivy):
    texts = [*TYPED, *MORE]
    with db() as s:
        pages(s, taxonomies, "vaccins", ActorFilter())  # the first search builds the index
        engine = tantivy_index.current(s, taxonomies)
    searcher, seen = engine.searcher, 0
    for text in texts:
        terms = parse_query(text, as_you_type=True)
        for q in (tantivy_index.Query.of(terms), tantivy_index.Query.of(terms, any_=True),
                  tantivy_index.Query.of(terms, names_only=True)):
            scored = _matched(searcher, engine.build(q, searcher))
            assert _matched(searcher, tantivy_counted.text(engine, searcher, q)) == scored, (text, q)
            seen += len(scored)
    assert seen > 1000


def test_a_prefix_of_several_terms_is_counted_without_its_regex(db, synthetic, taxonomies, engine_on_tantivy, monkeypatch):
    """The counts' passes of a text whose typed word begins several terms read those terms: no
    regex is built for them (the scored text, built before, holds one)."""
    with db() as s:
        pages(s, taxonomies, "vaccins", ActorFilter())
        engine = tantivy_index.current(s, taxonomies)
    searcher = engine.searcher
    prefix = next(p for p in ("b", "c", "p", "bio", "ce") if 2 <= len(searcher.terms_with_prefix("body", p, limit=65)) <= 64)
    q = tantivy_index.Query.of(parse_query(f"vaccins {prefix}", as_you_type=True))
    found = tantivy_search.answer(engine, q, ActorFilter(), taxonomies)  # the scored text (a regex) built here
    regexes = []
    real = tantivy.Query.regex_query
    monkeypatch.setattr(tantivy.Query, "regex_query", lambda *a, **k: regexes.append(a) or real(*a, **k))
    total = tantivy_search._count(searcher, found.query(scored=False))
    assert total == found.total > 0 and regexes == []
    counts = tantivy_search._aggregate(searcher, found.query(scored=False))
    assert counts == tantivy_search._aggregate(searcher, found.query()) and regexes == []

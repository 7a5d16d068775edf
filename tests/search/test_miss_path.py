"""A search that no cache answers (issue 19): the result cards read set-based, the snippet
segmented around its first match only, the search's routes matched first. Each faster path is
checked against the path it replaced: the same answers."""

from __future__ import annotations

import random

import pytest
from starlette.routing import Match

from bioatlas.app import HOT_PATHS
from bioatlas.atlas import service as atlas
from bioatlas.atlas.serialize import ordered_sites
from bioatlas.search import present
from bioatlas.search.highlight import segments, snippet
from bioatlas.search.text import parse_query

QUERIES = ["vaccins", "genopole", "thérapie cellulaire", "anticorps Lyon", "bioproduction", "cell", "xyzzy", "Évry"]


def orm_cards(session, *, ids):
    """The path the cards replaced: ORM actors with their sites, capabilities and names."""
    return atlas.load_actors(session, ids=ids)


def test_cards_show_what_the_orm_actors_showed(db, eco, taxonomies):
    with db() as s:
        ids = list(eco.values())
        orm, plain = orm_cards(s, ids=ids), atlas.load_cards(s, ids=ids + [10**9])
        assert set(plain) == set(orm) and len(orm) > 5
        for i, actor in orm.items():
            card = plain[i]
            for lang in ("fr", "en"):
                assert atlas.actor_summary(card, taxonomies, lang) == atlas.actor_summary(actor, taxonomies, lang)
            assert (card.name, card.name_key, card.description_fr, card.description_en) == (
                actor.name, actor.name_key, actor.description_fr, actor.description_en)
            assert [n.value for n in card.names] == [n.value for n in sorted(actor.names, key=lambda n: n.id)]
            assert [s.id for s in ordered_sites(card)] == [s.id for s in ordered_sites(actor)]


@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_search_answers_equal_through_the_orm_path(client, eco, monkeypatch, accept):
    def ask():
        return [client.get(path, params={"q": q}, headers={"accept": accept}).text
                for q in QUERIES for path in ("/api/v1/search", "/search")]

    now = ask()
    monkeypatch.setattr(present, "load_cards", orm_cards)
    assert ask() == now
    assert any("<mark>" in page for page in now) or any('"match":true' in a for a in now)


def reference_snippet(text, terms, width=220):
    """The snippet as it was computed before: every word of the text segmented, then cut."""
    segs = segments(text, terms)
    if not segs:
        return []
    first = next((k for k, (_, hit) in enumerate(segs) if hit), 0)
    start = sum(len(s) for s, _ in segs[:first])
    full = "".join(s for s, _ in segs)
    if len(full) <= width:
        return segs
    begin = max(0, start - width // 3)
    out, pos = [], 0
    for s, hit in segs:
        end = pos + len(s)
        if end > begin and pos < begin + width:
            out.append((s[max(0, begin - pos) : begin + width - pos], hit))
        pos = end
    if begin > 0:
        out.insert(0, ("…", False))
    if begin + width < len(full):
        out.append(("…", False))
    return out


def test_snippet_equals_the_full_segmentation_cut():
    rng = random.Random(19)
    vocabulary = ["vaccins", "Vaccin", "thérapies", "cellulaire", "bio-production", "l'anticorps", "Évry", "œuvre",
                  "de", "la", "et", "CAR-T", "2024", "x", "recherche", "plateforme", "biothérapie", "ARNm"]
    separators = [" ", ", ", ". ", " – ", "\n", "  ", "/", " (", ") "]
    queries = [parse_query(q) for q in ("vaccin", "thérapie cellulaire", "anticorps", "bio", "evry", "zzz", "car t")]
    for n in range(400):
        words = [rng.choice(vocabulary) for _ in range(rng.randint(0, 120))]
        text = "".join(w + rng.choice(separators) for w in words)[: rng.randint(0, 900)]
        for terms in queries:
            for width in (40, 220):
                assert snippet(text, terms, width) == reference_snippet(text, terms, width), (n, text, width)


def reference_segments(text, terms):
    """Segments as computed before the word caches: every word folded and stemmed, tested against
    each form and prefix in turn."""
    import re

    from bioatlas.core.text import fold
    from bioatlas.search.text import stems

    forms = {w for t in terms for w in (*t.forms, *t.corrected)}
    prefixes = [t.word for t in terms if t.prefix]

    def hit(word):
        folded = fold(word).replace(" ", "")
        return bool(folded) and (folded in forms or any(folded.startswith(p) for p in prefixes)
                                 or any(s in forms for s in stems(folded)))

    out = []
    for i, part in enumerate(re.split(r"(\w+)", text or "")):
        if part:
            h = bool(i % 2) and hit(part)
            if out and out[-1][1] == h and not h:
                out[-1] = (out[-1][0] + part, False)
            else:
                out.append((part, h))
    return out


def test_segments_equal_the_uncached_matching_whatever_the_order_of_queries():
    """The word caches (a text's words, its first words, the matcher's tuple of prefixes) kept
    across queries give each query its own answer, the same text asked again included."""
    texts = ["Vaccins et thérapies cellulaires à Évry (bio-production, CAR-T).", "l'anticorps ARNm, vaccin vaccin",
             "", "œuvre de la plateforme biothérapie 2024", "Thérapie x thérapies X"]
    queries = [parse_query(q) for q in ("vaccin", "thérapie cellulaire", "anticorps", "bio", "evry", "zzz", "car t", "x")]
    for _ in range(2):
        for terms in queries + queries[::-1]:
            for text in texts:
                assert segments(text, terms) == reference_segments(text, terms), (text, terms)
                assert snippet(text, terms, 12) == reference_snippet(text, terms, 12), (text, terms)


def test_hot_paths_are_answered_by_one_route_only(app):
    """The search's routers are mounted first: only sound if no other route answers their paths."""
    for path in HOT_PATHS:
        scope = {"type": "http", "path": path, "method": "GET", "root_path": "", "query_string": b"", "headers": []}
        matched = [i for i, route in enumerate(app.router.routes) if route.matches(dict(scope))[0] == Match.FULL]
        assert len(matched) == 1 and matched[0] < 6, (path, matched)


def test_semantic_filter_ids_are_computed_once_per_index_state(client, synthetic, db, monkeypatch):
    """The ids a filtered search hands to its semantic leg (a pass over the whole index) are kept
    per index state and filters: computed once for searches with the same filters, again after an
    edit, and the answers are those of computing them at every search."""
    import sys

    from bioatlas.atlas.models import Actor
    from bioatlas.search import facet_query

    passes = []
    real = facet_query.Selection.__init__

    def counting(self, st, rows, *args, **kwargs):
        if sys._getframe(1).f_code.co_name in ("_fuse", "allowed", "_mask"):  # the semantic leg's pass
            passes.append(len(rows))
        real(self, st, rows, *args, **kwargs)

    monkeypatch.setattr(facet_query.Selection, "__init__", counting)

    def ask(*queries):
        return [client.get("/api/v1/search", params={"kind": "startup", "q": q}).json() for q in queries]

    client.get("/api/v1/search", params={"q": "contrôle"})  # the first search builds the indexes
    passes.clear()
    kept = ask("vaccins", "anticorps", "thérapie cellulaire")
    assert len(passes) == 1 and kept[0]["semantic"] and kept[0]["total"] > 0
    startup = next(i for i in synthetic if db().get(Actor, i).kind == "startup" and db().get(Actor, i).status == "active")
    with db() as s:  # the filter's ids change: a new index state
        s.get(Actor, startup).status = "closed"
        s.commit()
    after = ask("vaccins", "anticorps")
    assert len(passes) == 2
    assert startup not in {item["id"] for a in after for item in a["items"]}
    from bioatlas.search import semantic_allowed

    monkeypatch.setattr(semantic_allowed, "KEEP", 0)  # computed at every search
    monkeypatch.setattr(semantic_allowed, "MASKS", 0)
    semantic_allowed.forget()
    # nothing kept: two passes per search (the leg's ids, then the test of the neighbours it found)
    assert ask("vaccins", "anticorps") == after and len(passes) == 2 + 2 * 2


def test_the_semantic_legs_ids_and_a_pages_test_share_one_pass_per_filters(db, synthetic, taxonomies, monkeypatch):
    """`semantic_allowed.allowed` (the semantic leg's ids) and `passing` (the test of a page's ids
    taken from a text's wide read) of the same filters on the same index state: one pass over the
    index (`Selection`) for both, and their answers those of that pass. On the old code each made
    its own pass (two per filter set)."""
    import numpy as np

    from bioatlas.atlas.filters import ActorFilter
    from bioatlas.search import facet_query, index_cache, semantic_allowed
    from bioatlas.search.params import Geo

    made = []
    real = facet_query.Selection.__init__
    monkeypatch.setattr(facet_query.Selection, "__init__", lambda self, *a, **kw: made.append(1) or real(self, *a, **kw))
    semantic_allowed.forget()
    with db() as s:
        st = index_cache.current(s, taxonomies)
    for f in (ActorFilter(region=("84",)), ActorFilter(kind=("startup",)), ActorFilter(region=("84",))):
        ids = semantic_allowed.allowed(st, f, Geo(), ())
        test = semantic_allowed.passing(st, f, Geo(), ())
        rows = np.flatnonzero(real_mask := facet_query.Selection(st, np.arange(st.size), f, Geo(), ()).mask())
        made.pop()  # the reference pass of this test
        assert list(ids) == list(st.ids[rows]) and len(ids) > 0
        assert list(test(st.ids)) == list(real_mask) and not test([10**9]).any()
    assert len(made) == 2  # one pass per filter set (the third asks region 84 again: none)


def test_a_few_ids_are_tested_against_the_filters_kept_mask(client, synthetic, db, taxonomies, monkeypatch):
    """The exact names, the semantic neighbours and the closest few of a filtered search are tested
    against the filters' mask kept per index state and filter set (`semantic_allowed.passing`), not
    by a `Selection` of their own (a region's test reads every site of the index, ~5 ms at 1M per
    call); the answers are those of that per-call test. On the old code `service._passing` made a
    `Selection` at each call."""
    import sys

    from bioatlas.atlas.filters import ActorFilter
    from bioatlas.search import facet_query, index_cache, semantic_allowed, service
    from bioatlas.search.params import Geo

    made = []
    real = facet_query.Selection.__init__

    def counting(self, st, rows, *args, **kwargs):
        made.append((sys._getframe(1).f_code.co_name, len(rows)))
        real(self, st, rows, *args, **kwargs)

    def ask():  # a name, texts with neighbours, a text no actor matches whole (the closest few)
        names = [db().get(Actor, i).name for i in synthetic[:3]]
        return [client.get("/api/v1/search", params={"region": "84", "q": q}).json()
                for q in [*names, "vaccins", "anticorps", "thérapie zzzq"]]

    from bioatlas.atlas.models import Actor

    client.get("/api/v1/search", params={"q": "contrôle"})  # the first search builds the indexes
    semantic_allowed.forget()
    monkeypatch.setattr(facet_query.Selection, "__init__", counting)
    answers = ask()
    assert not [m for m in made if m[0] == "_passing"]
    assert sum(a["total"] for a in answers) > 0 and any(a["semantic"] for a in answers)
    with db() as s:
        st = index_cache.current(s, taxonomies)
    assert [m for m in made if m[0] == "_mask"] == [("_mask", st.size)]  # one pass for the six searches
    f = ActorFilter(region=("84",))
    test = semantic_allowed.passing(st, f, Geo(), ())
    reference = facet_query.Selection(st, st.rows_of(st.ids), f, Geo(), ()).mask()
    assert list(test(st.ids[st.rows_of(st.ids)])) == list(reference)
    sample = [int(i) for i in st.ids[::7]] + [10**9]
    assert service._passing(st, sample, f, Geo(), ()) == {i for i, ok in zip(sample, test(sample)) if ok}

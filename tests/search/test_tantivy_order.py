"""The page of an index whose documents are in actor id order (`tantivy_index.rebuild`) read in
one pass (`search/tantivy_search.py`): Tantivy breaks a tie in the score by the document's
address, so its top-k is the page, ties included; an index updated since (the changed actors
appended) pages as before. Either way the numpy path's pages."""

from __future__ import annotations

import json

import pytest

from bioatlas.atlas.filters import ActorFilter
from bioatlas.search import tantivy_index, tantivy_search
from tests.search.engine_pages import pages

CASES = [("synthétique", ActorFilter(status="")), ("bioprod", ActorFilter(kind=("company", "cdmo"))),
         ("synthétique", ActorFilter(modality=("cell_therapy",), region=("84", "76"))),
         ("vaccins", ActorFilter(scope="sector"))]


def _answers(s, taxonomies):
    return [pages(s, taxonomies, q, f, limit=4) for q, f in CASES] + [
        pages(s, taxonomies, "synthétique", ActorFilter(), limit=4, scale=("10-200", "gte2000"))]


@pytest.mark.parametrize("ordered", [True, False])
def test_a_crowd_of_ties_is_the_page_in_one_read_when_the_index_is_in_id_order(db, synthetic, taxonomies,
                                                                             engine_on_tantivy, monkeypatch, ordered):
    walks = []
    real_walk = tantivy_search.Answer._ties_by_id
    monkeypatch.setattr(tantivy_search.Answer, "_ties_by_id", lambda *a, **k: walks.append(1) or real_walk(*a, **k))
    monkeypatch.setattr(tantivy_search, "TIE_READ_MAX", 1)  # any tie at the page's edge is a crowd
    with db() as s:
        pages(s, taxonomies, "vaccins", ActorFilter())  # the first search builds the index
        engine = tantivy_index.current(s, taxonomies)
        state = json.loads((engine.path / "state.json").read_text())
        assert state["ordered"] and engine.ordered is engine.searcher
        if not ordered:
            engine.ordered = None
        engine_side = _answers(s, taxonomies)
        monkeypatch.setattr(tantivy_search, "supports", lambda *a: False)
        numpy_side = _answers(s, taxonomies)
    assert engine_side[0][0] == 60 and len({score for _, score in engine_side[0][1]}) < 20  # ties
    assert engine_side == numpy_side
    assert bool(walks) is not ordered  # in id order: no walk of the ties


def test_an_updated_index_is_no_longer_taken_in_id_order(db, synthetic, taxonomies, engine_on_tantivy, monkeypatch):
    """The first actor, edited, is appended to the index: a tie between it and a later actor is
    no longer in the documents' order, so the page is read as for any index (were the order still
    trusted, the first actor would come after every actor it ties with)."""
    from bioatlas.atlas.models import Actor

    q, f = "synthétique", ActorFilter(status="")
    with db() as s:
        pages(s, taxonomies, q, f)
        assert tantivy_index.current(s, taxonomies).ordered is not None
        s.get(Actor, synthetic[0]).status = "closed" if s.get(Actor, synthetic[0]).status == "active" else "active"
        s.commit()
        engine_side = pages(s, taxonomies, q, f, limit=4)
        engine = tantivy_index.current(s, taxonomies)
        assert engine.ordered is None and engine.searcher.num_segments > 1
        assert json.loads((engine.path / "state.json").read_text())["ordered"] is False
        monkeypatch.setattr(tantivy_search, "supports", lambda *a: False)
        numpy_side = pages(s, taxonomies, q, f, limit=4)
    ranked = numpy_side[1]
    first = next(n for n, (actor_id, _) in enumerate(ranked) if actor_id == synthetic[0])
    assert ranked[first + 1][1] == ranked[first][1]  # it ties with the actor after it
    assert engine_side == numpy_side

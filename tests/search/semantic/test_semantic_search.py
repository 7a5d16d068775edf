"""Semantic search on real actors: French queries find English names and the reverse; vectors
follow edits, are not recomputed when the text is unchanged; bad input never crashes."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select

from bioatlas.atlas.models import Actor, ActorName
from bioatlas.search.semantic import SemanticQueryError, encoder, semantic_search
from bioatlas.search.semantic.models import ActorEmbedding
from bioatlas.search.semantic.service import reset_indexes
from bioatlas.search.semantic.store import embed_pending
from tests.search.semantic import realdata


@pytest.fixture
def actors(db):
    reset_indexes()
    with db() as s:
        ids = realdata.load(s)
    yield ids
    reset_indexes()


def top(session, query, k=3, **kw):
    return [i for i, _ in semantic_search(session, query=query, k=k, **kw)]


@pytest.mark.parametrize("query, expected", [
    # French query -> English name
    ("maladies infectieuses émergentes", "Pathogenesis and Control of Chronic and Emerging Infections"),
    ("médecine régénérative", "Institute for Regenerative Medicine & Biotherapy"),
    # English query -> French name or description
    ("inner ear disease treatment", "Sensorion"),
    ("cancer immunotherapy", "Immunologie intégrative des tumeurs et immunothérapie du cancer"),
    ("allogeneic cell therapy company", "Cellectis"),
    ("vaccine clinical trials", "Centre d'Investigation Clinique de Vaccinologie Cochin-Pasteur"),
    ("diabetes cell therapy", "Diabète et thérapie cellulaire"),
])
def test_cross_lingual(db, actors, query, expected):
    with db() as s:
        assert actors[expected] in top(s, query, 3), query


def test_every_actor_embedded_on_import(db, actors):
    with db() as s:
        rows = s.execute(select(ActorEmbedding.actor_id, ActorEmbedding.model, ActorEmbedding.vector)).all()
    assert {r[0] for r in rows} == set(actors.values())
    assert {r[1] for r in rows} == {encoder.model_id()}
    assert {len(r[2]) for r in rows} == {encoder.DIM * 2}  # float16


def test_scores_are_cosines_best_first(db, actors):
    with db() as s:
        hits = semantic_search(s, query="cancer immunotherapy", k=20)
    scores = [sc for _, sc in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < sc <= 1.001 for sc in scores)
    assert len(hits) <= len(actors)


def test_edit_updates_vector_and_results(db):
    reset_indexes()
    with db() as s:
        ids = realdata.load(s, with_descriptions=False)
    sensorion = ids["Sensorion"]
    with db() as s:
        assert sensorion not in top(s, "inner ear disease treatment", 1)
        before = s.get(ActorEmbedding, sensorion).text_hash
        s.get(Actor, sensorion).description_fr = realdata.seed_description("Sensorion")
        s.commit()
    with db() as s:
        assert s.get(ActorEmbedding, sensorion).text_hash != before
        assert top(s, "inner ear disease treatment", 1) == [sensorion]
        # a new name (ActorName row) is a change too
        unit = ids["Institute for Regenerative Medicine & Biotherapy"]
        old = s.get(ActorEmbedding, unit).text_hash
        s.add(ActorName(actor_id=unit, type="alias", value="Cellules souches, plasticité cellulaire",
                        value_key="cellules souches plasticite cellulaire", source_id=_any_source(s)))
        s.commit()
        assert s.get(ActorEmbedding, unit).text_hash != old
    reset_indexes()


def _any_source(session) -> int:
    from bioatlas.atlas.models import Source

    return session.scalar(select(Source.id).order_by(Source.id).limit(1))


def test_unchanged_text_is_not_reencoded(db, actors, monkeypatch):
    calls = []
    real = encoder.encode
    monkeypatch.setattr(encoder, "encode", lambda texts: calls.append(list(texts)) or real(texts))
    with db() as s:
        before = s.execute(select(ActorEmbedding.actor_id, ActorEmbedding.text_hash, ActorEmbedding.embedded_at)).all()
        actor = s.get(Actor, actors["Cellectis"])
        actor.scale_litres = 200.0  # not part of the text
        actor.status = "active"
        s.commit()
        assert realdata.load(s) == actors  # the same import again
    with db() as s:
        after = s.execute(select(ActorEmbedding.actor_id, ActorEmbedding.text_hash, ActorEmbedding.embedded_at)).all()
    assert sorted(after) == sorted(before)
    assert calls == []


def test_deleted_actor_never_returned(db, actors):
    target = actors["Sensorion"]
    with db() as s:
        assert top(s, "inner ear disease treatment", 1) == [target]  # index loaded with it
        s.delete(s.get(Actor, target))
        s.commit()
    with db() as s:
        assert s.get(ActorEmbedding, target) is None
        assert target not in top(s, "inner ear disease treatment", 20)


def test_restricted_to_actor_ids(db, actors):
    allowed = {actors["Cellectis"], actors["Polepharma"]}
    with db() as s:
        hits = semantic_search(s, query="cancer immunotherapy", k=10, actor_ids=allowed)
        assert {i for i, _ in hits} <= allowed and hits
        assert semantic_search(s, query="cancer immunotherapy", k=10, actor_ids=set()) == []
        assert semantic_search(s, query="cancer immunotherapy", k=10, actor_ids={999_999}) == []
        as_array = np.array(sorted(allowed, reverse=True), dtype=np.int64)  # the search passes its filtered ids so
        assert semantic_search(s, query="cancer immunotherapy", k=10, actor_ids=as_array) == hits
        assert semantic_search(s, query="cancer immunotherapy", k=10, actor_ids=as_array[:0]) == []


def test_embed_pending_catches_up_and_is_idempotent(db, actors):
    with db() as s:
        s.execute(ActorEmbedding.__table__.delete().where(ActorEmbedding.actor_id.in_(list(actors.values())[:5])))
        s.commit()
    stats = embed_pending(db)
    assert stats.encoded == 5
    with db() as s:
        assert s.query(ActorEmbedding).count() == len(actors)
    assert embed_pending(db).encoded == 0
    again = embed_pending(db, everything=True)
    assert (again.encoded, again.unchanged) == (0, len(actors))
    assert embed_pending(db, force=True).encoded == len(actors)


def test_bulk_ids_are_embedded(db, actors):
    """A set-based loader lists the ids it wrote in session.info["bulk_actor_ids"]."""
    target = actors["Genopole"]
    with db() as s:
        s.execute(Actor.__table__.update().where(Actor.id == target).values(description_en="Gene therapy biocluster"))
        s.info.setdefault("bulk_actor_ids", set()).add(target)
        old = s.get(ActorEmbedding, target).text_hash
        s.commit()
    with db() as s:
        assert s.get(ActorEmbedding, target).text_hash != old


@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_empty_query_gives_nothing(db, actors, query):
    with db() as s:
        assert semantic_search(s, query=query, k=20) == []


@pytest.mark.parametrize("query", [
    "x" * 5000, "'; DROP TABLE actors; --", "\"AAV\" OR 1=1", "NEAR(a b) * ^ ~ :", "🧬" * 50, "\x00\x01",
])
def test_odd_queries_do_not_crash(db, actors, query):
    with db() as s:
        hits = semantic_search(s, query=query, k=20)
        assert all(isinstance(i, int) and isinstance(sc, float) for i, sc in hits)
        assert s.query(Actor).count() == len(actors)


@pytest.mark.parametrize("query, k, ids", [
    (None, 5, None), (b"bytes", 5, None), ("ok", "5", None), ("ok", 2.5, None), ("ok", True, None),
    ("ok", 5, "12"), ("ok", 5, {"a"}), ("ok", 5, np.array([1.5])), ("ok", 5, np.array([[1, 2]])),
])
def test_wrong_types_are_named(db, actors, query, k, ids):
    with db() as s, pytest.raises(SemanticQueryError):
        semantic_search(s, query=query, k=k, actor_ids=ids)


def test_k_bounds(db, actors):
    with db() as s:
        assert semantic_search(s, query="cancer", k=0) == []
        assert semantic_search(s, query="cancer", k=-3) == []
        assert len(semantic_search(s, query="cancer", k=10**9)) <= len(actors)


EDITED = ("Physique et Mécanique des Milieux Hétérogènes", "European Cytogeneticists Association",
          "GRAPHDECO: GRAPHics and DEsign with hEterogeneous COntent", "La Ligue Contre le Cancer")


def test_large_change_rebuilds_aside(db, actors, monkeypatch):
    """Past the delta limit, a large index is rebuilt in a thread while the old one serves."""
    import time

    from bioatlas.search.semantic import service

    with db() as s:
        assert semantic_search(s, query="cancer immunotherapy", k=5)
        state = service._state_for(s)
        old_index = state.index
    monkeypatch.setattr(service, "EXACT_LIMIT", 0)
    monkeypatch.setattr(service, "MIN_REBUILD", 2)
    monkeypatch.setattr(service, "REBUILD_FRACTION", 0.0)
    sensorion = actors["Sensorion"]
    with db() as s:
        for name in EDITED:
            s.get(Actor, actors[name]).description_en = "Treatment of inner ear diseases"
        s.get(Actor, sensorion).description_fr = None
        s.commit()
    with db() as s:
        semantic_search(s, query="inner ear disease treatment", k=5)  # starts the rebuild
        deadline = time.monotonic() + 60
        while state.rebuilding and time.monotonic() < deadline:
            time.sleep(0.05)
        assert state.index is not old_index
        hits = top(s, "inner ear disease treatment", 4)
    assert {actors[n] for n in EDITED} <= set(hits)


def test_large_commit_drops_only_stale_vectors(db, actors, monkeypatch):
    """Past INLINE_LIMIT actors in one commit, nothing is encoded in it: the vectors whose text
    changed are dropped, the others kept, and `embed_pending` encodes the missing ones."""
    from bioatlas.search.semantic import sync

    monkeypatch.setattr(sync, "INLINE_LIMIT", 2)
    changed, same = actors["Cellectis"], [actors["Sensorion"], actors["Genopole"]]
    with db() as s:
        kept = {i: s.get(ActorEmbedding, i).embedded_at for i in same}
        s.get(Actor, changed).description_en = "Allogeneic CAR-T cell therapies"
        for i in same:
            s.get(Actor, i).scale_litres = 50.0
        s.commit()
    with db() as s:
        assert s.get(ActorEmbedding, changed) is None
        assert {i: s.get(ActorEmbedding, i).embedded_at for i in same} == kept
    assert embed_pending(db).encoded == 1

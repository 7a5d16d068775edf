"""The in-memory facet index (search/facet_index.py, facet_query.py) against the SQL reference,
and its freshness through the change log, in this process and in another engine."""

import numpy as np
import pytest
from sqlalchemy import select, text

from bioatlas.demo.files import SEED_FILE
from bioatlas.demo.load import load_ror
from bioatlas.atlas.filters import ActorFilter
from bioatlas.atlas.importer.run import import_actors
from bioatlas.atlas.models import Actor, Capability
from bioatlas.atlas.records import ActorRecord, SourceRecord
from bioatlas.atlas.writer import get_or_create_source, upsert_actor
from bioatlas.core.db import make_engine, make_sessionmaker, transaction
from bioatlas.search import backends, index_cache
from bioatlas.search.facet_index import Vocab
from bioatlas.search.params import Geo, parse_geo
from bioatlas.search.service import search
from tests.atlas.ecosystem import site
from tests.search.sql_reference import sql_search

SOURCE = SourceRecord(key="test:edits", title="edits", kind="article")


def run(s, taxonomies, q="", f=ActorFilter(), geo=Geo(), scale=(), limit=20):
    return search(s, q=q, f=f, taxonomies=taxonomies, geo=geo, scale=scale, limit=limit, mode="fulltext")


def same_as_sql(s, taxonomies, q, f=ActorFilter(), geo=Geo(), scale=()):
    r = run(s, taxonomies, q, f, geo, scale)
    total, ids, facets, match = sql_search(s, q, f, taxonomies, geo, scale)
    assert (r.total, r.match) == (total, match), q
    assert r.facets == facets, q
    assert r.ids == ids, q
    return r


@pytest.fixture
def on_fts5():
    """The SQL reference ranks with FTS5's bm25: the numpy path is compared on that engine (Tantivy
    matches the same actors, tests/search/test_tantivy.py, with its own BM25 scores)."""
    previous = backends.use_engine("fts5")
    yield
    backends.use_engine(previous)


def test_numpy_totals_facets_and_order_equal_sql_on_the_demo(db, taxonomies, on_fts5):
    with transaction(db) as s:
        load_ror(s)
    assert not import_actors(db, SEED_FILE, taxonomies=taxonomies).as_dict().get("errors")
    with db() as s:  # statistics for the SQL reference's planner (without them PostgreSQL took minutes per query)
        s.execute(text("ANALYZE"))
        s.commit()
    lyon, paris = parse_geo(None, "69383", 30), parse_geo("2.2,48.8,2.5,48.95", None, None)
    with db() as s:
        some = s.scalars(select(Actor).where(Actor.status == "active").order_by(Actor.id).limit(40)).all()
        builds = index_cache.stats().builds
        assert run(s, taxonomies, "").total > 4000  # the index is built here; the edits below are absorbed
        src = get_or_create_source(s, SOURCE)
        for k, actor in enumerate(some):  # facts on a few real actors (edits the index absorbs)
            actor.scale_litres = [5.0, 50.0, 500.0, 5000.0, None][k % 5]
            actor.gmp = ["gmp_clinical", "gmp_commercial", None, "none"][k % 4]
            for facet, code in (("modalities", ["car_t", "viral_vector", "mab"][k % 3]),
                                ("value_chain", ["research", "upstream"][k % 2])):
                s.add(Capability(actor_id=actor.id, facet=facet, code=code, source_id=src.id))
        s.commit()
        cases = [
            ("", ActorFilter(), Geo(), ()),
            ("", ActorFilter(region=("84",), kind=("company",)), Geo(), ()),
            ("institut", ActorFilter(), Geo(), ()),
            ("recherche", ActorFilter(region=("11",)), Geo(), ()),
            ("universite", ActorFilter(region=("84",), departement=("69", "38")), Geo(), ()),
            ("", ActorFilter(modality=("cell_therapy",)), Geo(), ()),
            ("institut", ActorFilter(modality=("cell_therapy", "mab"), step=("research",)), Geo(), ()),
            ("sanofy", ActorFilter(), Geo(), ()),  # typo
            ("genethn", ActorFilter(), Geo(), ()),
            ("EFS", ActorFilter(), Geo(), ()),  # exact acronym first
            ("hopital", ActorFilter(), lyon, ()),
            ("institut", ActorFilter(kind=("company",)), paris, ()),
            ("centre", ActorFilter(), Geo(), ("lt10", "gte2000")),
            ("", ActorFilter(gmp=("gmp_clinical",)), Geo(), ("lt10",)),
            ("qui soigne à Lyon avec des CAR-T ou des vaccins?", ActorFilter(), Geo(), ()),  # any word
        ]
        totals = [same_as_sql(s, taxonomies, q, f, geo, scale).total for q, f, geo, scale in cases]
        assert index_cache.stats().builds == builds + 1
        assert totals[0] > 4000 and all(t > 0 for t in totals[1:]), totals  # every case has answers to compare


def test_vocab_expands_pairs_with_ancestors(taxonomies):
    vocab = Vocab(taxonomies["modalities"])
    car_t, cell = vocab.id("car_t"), vocab.id("cell_therapy")
    rows, codes = vocab.expand(np.array([3, 3, 1]), np.array([car_t, cell, car_t], dtype=np.int32))
    assert sorted(zip(rows.tolist(), codes.tolist())) == sorted([(1, car_t), (1, cell), (3, car_t), (3, cell)])
    assert vocab.selection(("cell_therapy",), True)[car_t] and not vocab.selection(("car_t",), True)[cell]


def _edit(s, **kw):
    src = get_or_create_source(s, SOURCE)
    upsert_actor(s, ActorRecord(**kw), source=src)
    s.commit()


@pytest.fixture
def other_engine(engine):
    """A second engine on the same database: its own index, as another process would have."""
    other = make_engine(engine.url.render_as_string(hide_password=False))
    yield other
    other.dispose()


def test_writer_edits_are_absorbed_here_and_seen_by_another_engine(db, eco, taxonomies, other_engine):
    vaccine = ActorFilter(modality=("vaccine",), region=("84",))
    with db() as s:
        assert run(s, taxonomies, "", vaccine).total == 0
    with make_sessionmaker(other_engine)() as s2:
        assert run(s2, taxonomies, "", vaccine).total == 0
    builds, absorbs = index_cache.stats().builds, index_cache.stats().absorbs
    with db() as s:
        _edit(s, name="Sensorion", kind="startup", capabilities={"modalities": ["vaccine"]}, sites=[site("69001")])
        r = run(s, taxonomies, "sensorion", vaccine)
        assert [s.get(Actor, i).name for i in r.ids] == ["Sensorion"]
        assert r.facets["modality"] == {"vaccine": 1} and r.facets["region"]["84"] == 1
        assert run(s, taxonomies, "", vaccine).total == 1
        _edit(s, name="Lyonbiopôle", kind="cluster", sites=[site("69007")])  # a new actor: appended to the index
        browse = run(s, taxonomies, "", ActorFilter(region=("84",)))
        assert browse.total == 2 and browse.facets["kind"] == {"startup": 1, "company": 1, "cluster": 1}
    with make_sessionmaker(other_engine)() as s2:
        assert run(s2, taxonomies, "", vaccine).total == 1
        assert run(s2, taxonomies, "", ActorFilter(region=("84",))).total == 2
    assert index_cache.stats().builds == builds and index_cache.stats().absorbs >= absorbs + 3
    with db() as s:
        s.delete(s.get(Actor, eco["Sensorion"]))
        s.commit()
        assert run(s, taxonomies, "", vaccine).total == 0 and run(s, taxonomies, "").total == 7  # 7 - 1 + 1
    with make_sessionmaker(other_engine)() as s2:
        assert run(s2, taxonomies, "", vaccine).total == 0


def test_a_wiped_and_refilled_log_rebuilds_the_index(db, eco, taxonomies):
    with db() as s:
        assert run(s, taxonomies, "").total == 7
    from tests.conftest import _wipe

    _wipe(db.kw["bind"])
    with db() as s:
        src = get_or_create_source(s, SOURCE)
        for name in ("Alpha", "Beta"):
            upsert_actor(s, ActorRecord(name=name, kind="company"), source=src)
        s.commit()
        assert run(s, taxonomies, "").total == 2  # not the 7 actors of the index built before the wipe

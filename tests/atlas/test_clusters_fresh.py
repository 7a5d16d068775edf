"""The map index stays exact after edits: a site moved, added or removed, an actor's status or
kind changed, an actor deleted — made through another engine on the same database (another
process) or through this one — is visible at the next request, absorbed without rebuilding the
index (tombstones + delta); too many changes rebuild it. Every answer is compared with the SQL
brute force of test_clusters_index.py."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bioatlas.atlas import clusters, map_index
from bioatlas.atlas.filters import ActorFilter
from bioatlas.atlas.models import Actor, Site
from bioatlas.core.db import make_engine, make_sessionmaker
from tests.atlas.test_clusters_index import (
    as_dict,
    assert_same,
    brute_force,
    indexed,
    load_real_atlas,
)

FRANCE = clusters.parse_viewport("-5.5,41.0,10.0,51.5", 5)
PARIS = clusters.parse_viewport("2.0,48.6,2.7,49.0", 11)
DIJON = (47.3220, 5.0415)
VIEWS = [(FRANCE, ActorFilter()), (FRANCE, ActorFilter(kind=("company",))), (PARIS, ActorFilter()),
         (FRANCE, ActorFilter(region=("27",))), (PARIS, ActorFilter(status=""))]


@pytest.fixture(scope="module")
def atlas(engine, tmp_path_factory):
    from tests.conftest import _wipe

    yield load_real_atlas(engine, tmp_path_factory, records=300)
    _wipe(engine)


@pytest.fixture(scope="module")
def other(atlas, database_url):
    """A second engine on the same database: what another worker process would hold."""
    from bioatlas.core.config import load_settings

    eng = make_engine(load_settings(database_url=database_url, environment="test").resolved_database_url)
    yield make_sessionmaker(eng)
    map_index.forget(eng)
    eng.dispose()


def check_all(factory, taxonomies) -> None:
    with factory() as session:
        for view, f in VIEWS:
            assert_same(as_dict(indexed(session, taxonomies, view, f)), brute_force(session, taxonomies, view, f))


def state(factory) -> tuple[int, int, int]:
    """(builds, absorbed changes, delta sites) of that engine's index."""
    with factory() as session, map_index.current(session) as index:
        return index.generation, index.version, len(index.delta)


def paris_site(session) -> Site:
    return session.scalars(select(Site).join(Actor).where(Site.departement == "75", Actor.status == "active")
                           .order_by(Site.id).limit(1)).one()


def test_edits_in_another_process_are_seen_at_the_next_request_without_rebuild(atlas, other, taxonomies):
    check_all(atlas, taxonomies)
    check_all(other, taxonomies)
    builds, _, _ = state(atlas)
    with other() as session:  # moved, added, removed
        site = paris_site(session)
        moved_actor = site.actor_id
        before = indexed(session, taxonomies, PARIS, ActorFilter()).total
        site.latitude, site.longitude = DIJON
        session.add(Site(actor_id=moved_actor, role="rd", country="FR", latitude=48.85, longitude=2.35,
                         departement="75", region="11", source_id=site.source_id))
        gone = session.scalars(select(Site).where(Site.departement == "75", Site.actor_id != moved_actor)
                               .order_by(Site.id.desc()).limit(1)).one()
        session.delete(gone)
        session.commit()
    with atlas() as session:
        after = indexed(session, taxonomies, PARIS, ActorFilter()).total
    assert after == before - 1  # one moved out, one added, one removed
    check_all(atlas, taxonomies)
    generation, version, delta = state(atlas)
    assert generation == builds and version >= 1 and delta >= 1  # absorbed, not rebuilt


def test_status_and_kind_changes_follow_the_filters(atlas, other, taxonomies):
    companies = ActorFilter(kind=("company",))
    with atlas() as session:
        site = paris_site(session)
        actor = session.get(Actor, site.actor_id)
        n_sites = len([s for s in actor.sites if s.latitude is not None])
        total = indexed(session, taxonomies, FRANCE, ActorFilter()).total
        kind_total = indexed(session, taxonomies, FRANCE, companies).total  # cached filter state
        was_company = actor.kind in taxonomies["kinds"].descendants("company")
        actor.kind = "university" if was_company else "company"
        session.commit()
    with other() as session:  # the other process sees this process's edit
        assert indexed(session, taxonomies, FRANCE, companies).total == kind_total + (-n_sites if was_company else n_sites)
    with other() as session:
        session.get(Actor, actor.id).status = "closed"
        session.commit()
    with atlas() as session:
        assert indexed(session, taxonomies, FRANCE, ActorFilter()).total == total - n_sites
        assert indexed(session, taxonomies, FRANCE, ActorFilter(status="closed")).total == n_sites
    check_all(atlas, taxonomies)
    check_all(other, taxonomies)


def test_a_deleted_actor_leaves_the_map(atlas, other, taxonomies):
    with other() as session:
        total = indexed(session, taxonomies, FRANCE, ActorFilter()).total
        site = paris_site(session)
        actor = session.get(Actor, site.actor_id)
        n_sites = len([s for s in actor.sites if s.latitude is not None])
        session.delete(actor)
        session.commit()
    with atlas() as session:
        assert indexed(session, taxonomies, FRANCE, ActorFilter()).total == total - n_sites
    check_all(atlas, taxonomies)


def test_too_many_changes_rebuild_the_index(atlas, taxonomies, monkeypatch):
    builds, _, _ = state(atlas)
    monkeypatch.setattr(map_index, "ABSORB_MAX", 1)
    with atlas() as session:
        sites = session.scalars(select(Site).where(Site.latitude.isnot(None)).order_by(Site.id).limit(40)).all()
        assert len({s.actor_id for s in sites}) >= 2
        for s in sites:
            s.latitude += 0.001
        session.commit()
    check_all(atlas, taxonomies)
    generation, version, delta = state(atlas)
    assert generation == builds + 1 and version == 0 and delta == 0


def test_a_delta_past_its_bound_rebuilds_too(atlas, taxonomies, monkeypatch):
    builds, _, _ = state(atlas)
    monkeypatch.setattr(map_index, "DELTA_MAX", 2)
    with atlas() as session:
        for s in session.scalars(select(Site).where(Site.departement == "75").limit(3)):
            s.longitude += 0.001
        session.commit()
    check_all(atlas, taxonomies)
    assert state(atlas)[0] == builds + 1


def test_the_endpoint_follows_an_edit_made_by_another_process(atlas, other, database_url, tmp_path):
    """The route's own engine (the app's) is a third process: it sees an edit made through `other`."""
    from fastapi.testclient import TestClient

    from bioatlas.app import create_app
    from bioatlas.core.config import load_settings

    settings = load_settings(database_url=database_url, environment="test", data_dir=tmp_path, admin_token="t" * 32)
    params = {"bbox": "2.0,48.6,2.7,49.0", "zoom": 11}
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        before = client.get("/api/v1/map/clusters", params=params).json()["total"]
        with other() as session:
            paris_site(session).latitude = DIJON[0]
            session.commit()
        assert client.get("/api/v1/map/clusters", params=params).json()["total"] == before - 1

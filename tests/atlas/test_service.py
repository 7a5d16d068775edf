"""The atlas's public interface (atlas/service.py): what other rooms call, on the small real ecosystem."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bioatlas.atlas import service
from bioatlas.atlas.models import Actor, ActorChange, Relation
from bioatlas.core.dialect import dialect_for
from tests.atlas.ecosystem import ARTICLE_IDF, load


def test_functions_are_keyword_only(session):
    with pytest.raises(TypeError):
        service.get_actor(session, 1)  # type: ignore[misc]
    with pytest.raises(TypeError):
        service.upsert_actor(session, service.ActorRecord(name="X", kind="other"), None)  # type: ignore[misc]


def test_get_find_and_upsert(session):
    ids = load(session)
    assert service.get_actor(session, actor_id=ids["Genopole"]).name == "Genopole"
    assert service.get_actor(session, actor_id=10**6) is None
    assert service.actor_exists(session, actor_id=ids["Sensorion"])
    assert not service.actor_exists(session, actor_id=10**6)
    # a name matches the usual name and the other names, folded (case, accents)
    assert [a.name for a in service.find_actors(session, name="MEDICEN")] == ["Medicen Paris Region"]
    assert [a.id for a in service.find_actors(session, name="region ile-de-france")] == [ids["Région Île-de-France"]]
    assert service.find_actors(session, name="  ") == []
    ror = ("ror", "https://ror.org/0377z4z10")
    assert [a.name for a in service.find_actors(session, identifier=ror)] == ["CHU Dijon Bourgogne"]
    assert service.find_actors(session, identifier=ror, name="Genopole") == []  # criteria combine
    assert {a.name for a in service.find_actors(session, ids=[ids["Cellectis"], ids["Sensorion"], 10**6])} == {
        "Cellectis", "Sensorion"}
    assert service.find_actors(session, ids=[]) == []
    assert service.actor_ids_by_identifier(session, scheme="ror") == {
        "https://ror.org/0380k9k47": ids["Genopole"], "https://ror.org/0377z4z10": ids["CHU Dijon Bourgogne"]}

    source = service.get_or_create_source(session, record=ARTICLE_IDF)
    out = service.upsert_actor(session, record=service.ActorRecord(name="Sensorion", kind="startup", gmp="gmp_clinical"),
                               source=source)
    assert (out.actor_id, out.status) == (ids["Sensorion"], "updated")
    assert service.get_actor(session, actor_id=ids["Sensorion"]).gmp == "gmp_clinical"
    assert service.find_source(session, key=ARTICLE_IDF.key).id == source.id
    assert [s.key for s in service.find_sources(session, key_prefix="test:assises-")] == [
        "test:assises-idf", "test:assises-bfc"]
    assert service.find_sources(session, key_prefix="test:assises_") == []  # the prefix is literal, not LIKE


def test_actor_scope_is_plain_data(session):
    ids = load(session)
    chu, genopole = ids["CHU Dijon Bourgogne"], ids["Genopole"]
    session.add(Relation(actor_id=chu, target_id=genopole, relation="member_of",
                         source_id=service.find_source(session, key="test:assises-bfc").id))
    session.flush()
    session.expire_all()
    scope = service.actor_scope(session, actor_id=chu)
    assert scope == service.ActorScopeData(chu, frozenset({"27"}), frozenset({genopole}))
    assert service.actor_scope(session, actor_id=10**6) == service.ActorScopeData(None)
    assert service.actor_scope(session, actor_id=None).regions == frozenset()


def test_view_predicates_and_conditions_agree(session, taxonomies):
    ids = load(session)
    view = service.parse_view({"kind": ["company"], "region": ["11,27"]}, taxonomies=taxonomies,
                              gazetteer=service.gazetteer())
    p = service.view_predicates(view, taxonomies=taxonomies)
    assert p.actor == {"kind": taxonomies["kinds"].descendants("company")}  # the subtree, once
    assert "startup" in p.actor["kind"] and p.site == {"region": frozenset({"11", "27"})}
    assert not p.status_only
    assert service.view_predicates(service.ActorFilter(region=("11",)), taxonomies=taxonomies).status_only
    with pytest.raises(service.FilterError) as exc:
        service.parse_view({"kind": ["nope"]}, taxonomies=taxonomies, gazetteer=service.gazetteer())
    assert exc.value.field == "kind"

    def matching(v, sites):
        conds = service.view_conditions(v, taxonomies=taxonomies, sites=sites, dialect=dialect_for(session))
        return set(session.scalars(select(Actor.id).where(*conds)))

    located = service.ActorFilter(departement=("21",))
    for v in (located, service.ActorFilter(modality=("cell_therapy",)), service.ActorFilter(kind=("public_agency",),
                                                                                            region=("27",))):
        assert matching(v, "in") == matching(v, "exists")
    assert matching(located, "in") == {ids["Région Bourgogne-Franche-Comté"], ids["CHU Dijon Bourgogne"]}
    assert len(matching(located, "skip")) == 7  # the sites are left to the caller
    with pytest.raises(ValueError):
        matching(located, "sometimes")
    counts = service.facet_counts(session, view=service.ActorFilter(), taxonomies=taxonomies,
                                  extra=[Actor.id != ids["Genopole"]])
    assert counts["kind"]["cluster"] == 1  # Medicen only: the extra condition is kept


def test_revert_change_through_the_atlas(session):
    ids = load(session)
    source = service.get_or_create_source(session, record=ARTICLE_IDF)
    service.upsert_actor(session, record=service.ActorRecord(name="Sensorion", kind="company"), source=source)
    change = session.scalars(select(ActorChange).where(ActorChange.actor_id == ids["Sensorion"],
                                                       ActorChange.field == "kind")).one()
    actor, n = service.revert_change(session, change=change, source=source, at=datetime.now(UTC))
    assert (actor.kind, n) == ("startup", 1)
    created = session.scalars(select(ActorChange).where(ActorChange.actor_id == ids["Sensorion"],
                                                        ActorChange.action == "created")).one()
    with pytest.raises(service.RevertError):
        service.revert_change(session, change=created, source=source, at=datetime.now(UTC))


def test_region_statistics(session):
    ids = load(session)
    assert service.located_actor_total(session, country="FR") == 4
    assert dict(service.located_actors_per_region(session, country="FR")) == {"11": 2, "27": 2}
    facts = service.region_facts(session, region="27")
    assert facts.count == 2
    assert {a.name for a in facts.actors} == {"Région Bourgogne-Franche-Comté", "CHU Dijon Bourgogne"}
    assert facts.capabilities["value_chain"] == [(ids["CHU Dijon Bourgogne"], "clinical_batches")]
    assert service.region_facts(session, region="84").count == 0


def test_taxonomies_and_change_log(session, settings):
    assert set(service.taxonomies(settings)) == set(service.taxonomies())
    assert "kinds" in service.taxonomies() and service.gazetteer() is service.gazetteer()
    load(session)
    session.commit()
    top = service.latest_change(session)
    assert top > 0 and service.changes_since(session, seq=top, limit=10) == set()
    assert service.changes_since(session, seq=0, limit=2) is None  # more than the limit: rebuild

import pytest
from sqlalchemy import func, select

from bioatlas.atlas.models import Actor, Capability, FieldSource, Site
from bioatlas.atlas.records import ActorRecord, SourceRecord
from bioatlas.atlas.writer import MatchError, get_or_create_source, upsert_actor

from tests.atlas.ecosystem import load, site


def test_create_then_unchanged(session):
    ids = load(session)
    assert session.scalar(select(func.count()).select_from(Actor)) == 7
    again = load(session)
    assert again == ids
    src = get_or_create_source(session, SourceRecord(key="test:assises-idf", title="x", kind="article"))
    out = upsert_actor(session, ActorRecord(name="Genopole", kind="cluster", sites=[site("91000")]), source=src)
    assert out.status == "unchanged"


def test_match_by_identifier_then_by_folded_name(session):
    ids = load(session)
    src = get_or_create_source(session, SourceRecord(key="t:file", title="file"))
    by_ror = upsert_actor(session, ActorRecord(name="GENOPOLE (France)", identifiers={"ror": ["https://ror.org/0380k9k47"]}), source=src)
    assert by_ror.actor_id == ids["Genopole"]
    by_name = upsert_actor(session, ActorRecord(name="region ile de france"), source=src)
    assert by_name.actor_id == ids["Région Île-de-France"]
    by_acronym = upsert_actor(session, ActorRecord(name="MEDICEN"), source=src)
    assert by_acronym.actor_id == ids["Medicen Paris Region"]


def test_same_name_on_two_actors_is_an_error(session):
    src = get_or_create_source(session, SourceRecord(key="t:ror", title="ror", kind="open_data"))
    for ror in ("https://ror.org/03hf69k85", "https://ror.org/0380k9k47"):
        upsert_actor(session, ActorRecord(name="Homonym", identifiers={"ror": [ror]}), source=src,
                     match_by_name=False, schemes=("ror",))
    with pytest.raises(MatchError, match="matches several actors"):
        upsert_actor(session, ActorRecord(name="homonym"), source=src)


def test_facts_are_replaced_per_source(session):
    ids = load(session)
    chu = ids["CHU Dijon Bourgogne"]
    other = get_or_create_source(session, SourceRecord(key="t:member", title="member edit", kind="user"))
    upsert_actor(session, ActorRecord(name="CHU Dijon Bourgogne", capabilities={"modalities": ["aav"]}), source=other)
    modalities = select(Capability.code).where(Capability.actor_id == chu, Capability.facet == "modalities")
    assert set(session.scalars(modalities)) == {"car_t", "aav"}
    bfc = get_or_create_source(session, SourceRecord(key="test:assises-bfc", title="x", kind="article"))
    out = upsert_actor(session, ActorRecord(name="CHU Dijon Bourgogne", capabilities={"modalities": []}), source=bfc)
    assert out.status == "updated"
    assert set(session.scalars(modalities)) == {"aav"}  # the member's statement stays


def test_registry_does_not_overwrite_a_curated_value(session):
    ids = load(session)
    registry = get_or_create_source(session, SourceRecord(key="t:ror", title="ROR", kind="open_data"))
    out = upsert_actor(session, ActorRecord(name="Genopole", kind="company", identifiers={"ror": ["https://ror.org/0380k9k47"]}),
                       source=registry)
    actor = session.get(Actor, ids["Genopole"])
    assert actor.kind == "cluster" and out.status == "unchanged"  # the article's kind is kept
    prov = session.get(FieldSource, (actor.id, "kind"))
    assert prov.source.key == "test:assises-idf"


def test_site_geography_is_stored(session):
    ids = load(session)
    s = session.scalars(select(Site).where(Site.actor_id == ids["Région Île-de-France"])).one()
    assert (s.commune_insee, s.departement, s.region) == ("93070", "93", "11")


def test_history_records_what_changed(session):
    from bioatlas.atlas.history import history

    ids = load(session)
    chu = ids["CHU Dijon Bourgogne"]
    created = history(session, actor_id=chu)
    assert [(c.action, c.field) for c in created] == [("created", "*")]
    bfc = get_or_create_source(session, SourceRecord(key="test:assises-bfc", title="x", kind="article"))
    upsert_actor(session, ActorRecord(name="CHU Dijon Bourgogne", capabilities={"modalities": ["car_t", "aav"]}), source=bfc)
    upsert_actor(session, ActorRecord(name="CHU Dijon Bourgogne", capabilities={"modalities": ["car_t", "aav"]}), source=bfc)
    changes = history(session, actor_id=chu)
    assert len(changes) == 2  # the unchanged second run records nothing
    latest = changes[0]
    assert latest.field == "capabilities.modalities" and latest.source.key == "test:assises-bfc"
    assert latest.old_value == '["car_t"]' and latest.new_value == '["aav", "car_t"]'

"""Partner search: suggestions from the demo step (synthetic, idempotent) and from actors' stated
capabilities, with their reasons. Synthetic test actors."""

from __future__ import annotations

from sqlalchemy import select

from bioatlas.accounts.policy import ANONYMOUS
from bioatlas.atlas.service import (
    ActorRecord,
    SiteRecord,
    SourceRecord,
    gazetteer,
    get_or_create_source,
    upsert_actor,
)
from bioatlas.capacity import demo as capacity_demo
from bioatlas.opportunities import demo, service
from bioatlas.opportunities.models import Opportunity
from tests.opportunities.world import (
    doc,
    publish_via_api,
    world,  # noqa: F401  (fixture)
)


def test_demo_step_is_synthetic_and_idempotent(db, taxonomies):
    capacity_demo.run(db, taxonomies=taxonomies)
    assert demo.run(db, taxonomies=taxonomies)["opportunities_added"] == 2
    assert demo.run(db, taxonomies=taxonomies)["opportunities_added"] == 0
    with db() as s:
        rows = list(s.scalars(select(Opportunity)))
        assert all(o.synthetic_note and "synthétique" in o.synthetic_note for o in rows)
        request = next(o for o in rows if o.direction == "request")
        found = service.matches(s, opportunity_id=request.id, taxonomies=taxonomies, principal=ANONYMOUS)
    assert found[0].actor_name == demo.CDMO and found[0].source == "opportunity"
    assert {c for c, _, ok in found[0].reasons if ok} >= {"scale", "gmp", "window", "modality", "step"}


def test_actors_with_stated_capabilities_are_suggested(client, db, world):
    place = gazetteer().geocode(postcode="69007")
    with db() as s:
        source = get_or_create_source(s, record=SourceRecord(key="test:capabilities", kind="synthetic", title="Test"))
        lab = upsert_actor(s, record=ActorRecord(
            name="Laboratoire test F (synthétique)", kind="research_unit",
            capabilities={"modalities": ["aav"], "value_chain": ["process_development"]},
            sites=[SiteRecord(role="hq", postcode="69007", commune_insee=place.insee, commune_name=place.name,
                              departement=place.departement, region=place.region, latitude=place.latitude,
                              longitude=place.longitude)]), source=source, match_by_name=False, schemes=()).actor_id
        s.commit()
    a = world["actors"]
    # a technology request for AAV process development, no capacity constraint: the lab is suggested
    technology = publish_via_api(client, a["startup"], doc(direction="request", kind="technology", capacity=None,
                                                    steps=["process_development"]))
    found = client.get(f"/api/v1/opportunities/{technology}/matches").json()["matches"]
    lab_match = next(m for m in found if m["actor_id"] == lab)
    assert lab_match["source"] == "actor"
    assert {r["criterion"]: r["met"] for r in lab_match["reasons"]}["complementary"] is True  # start-up ↔ lab
    assert {r["criterion"]: r["label"] for r in lab_match["reasons"]}["complementary"] == "industrie ↔ recherche académique"
    # a capacity request (a scale asked): an actor without capacity facts cannot meet it
    request = publish_via_api(client, a["startup"], doc(direction="request", title_fr="Besoin AAV 200 L (test)"))
    assert lab not in [m["actor_id"] for m in client.get(f"/api/v1/opportunities/{request}/matches").json()["matches"]]
    assert 'data-source="actor"' in client.get(f"/opportunities/{technology}/matches").text

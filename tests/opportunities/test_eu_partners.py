"""EU partner searches: an R&D partner request for a named call whose country scope names other
countries suggests the actors located there whose name says one of its modalities (as the ROR
registry gives them: a name, a type, a place, no capabilities), with its reasons. Synthetic
test actors."""

from __future__ import annotations

from datetime import date, timedelta

from bioatlas.accounts.policy import ANONYMOUS
from bioatlas.atlas.service import ActorRecord, SiteRecord, SourceRecord, get_or_create_source, upsert_actor
from bioatlas.opportunities import service
from bioatlas.opportunities.models import Opportunity
from tests.contributions.helpers import add_actor

LATER = (date.today() + timedelta(days=120)).isoformat()
TEXT = "Consortium synthétique de test pour un appel européen : partenaires en thérapie génique (synthétique)."


def _abroad(db, name: str, kind: str, country: str, lat: float, lon: float) -> int:
    rec = ActorRecord(name=name, kind=kind, sites=[SiteRecord(role="hq", country=country, latitude=lat, longitude=lon,
                                                              precision="city_registry")])
    with db() as s:
        source = get_or_create_source(s, record=SourceRecord(key="test:abroad", kind="open_data", title="test (synthetic)"))
        actor_id = upsert_actor(s, record=rec, source=source, match_by_name=False, schemes=()).actor_id
        s.commit()
    return actor_id


def _request(db, taxonomies, actor_id: int, **doc) -> int:
    raw = {"direction": "request", "kind": "rd_partner", "call_ref": "HORIZON-HLTH-2027-TEST", "title_fr": "Appel test",
           "title_en": "Test call", "description_fr": TEXT, "modalities": ["viral_vector"], "countries": ["DE", "BE"],
           "expires_on": LATER, **doc}
    with db() as s:
        service.put_demo(s, actor_id=actor_id, raw=raw, note="test (synthetic)", taxonomies=taxonomies)
        return s.query(Opportunity.id).filter_by(actor_id=actor_id, title_fr=raw["title_fr"]).scalar()


def test_rd_partner_request_with_an_eu_scope_suggests_actors_abroad(db, taxonomies):
    asker = add_actor(db, "Start-up test (synthétique)", "91000", kind="startup")
    gene = _abroad(db, "Institut test de thérapie génique (synthétique)", "research_unit", "DE", 52.52, 13.40)
    aav = _abroad(db, "Centre test for AAV vectors (synthetic)", "university", "BE", 50.85, 4.35)
    _abroad(db, "Laboratoire test des vaccins (synthétique)", "research_unit", "DE", 48.14, 11.58)
    _abroad(db, "Institut test de thérapie génique d'ailleurs (synthétique)", "research_unit", "IT", 45.46, 9.19)
    _abroad(db, "Centre test des cellules (synthétique)", "research_unit", "DE", 50.11, 8.68)  # a generic word only
    rid = _request(db, taxonomies, asker)
    with db() as s:
        found = service.matches(s, opportunity_id=rid, taxonomies=taxonomies, principal=ANONYMOUS)
    assert {m.actor_id for m in found} == {gene, aav}
    by_actor = {m.actor_id: m for m in found}
    assert ("country", "DE", True) in by_actor[gene].reasons and ("modality", "viral_vector", True) in by_actor[gene].reasons
    assert ("country", "BE", True) in by_actor[aav].reasons and ("modality", "aav", True) in by_actor[aav].reasons
    assert all(m.source == "actor" and m.actor_name for m in found)
    assert any(c == "distance" for c, _, _ in by_actor[gene].reasons)  # France → Berlin, from the sites
    # not an R&D partner search, or no scope abroad: nobody abroad is suggested
    tech = _request(db, taxonomies, asker, kind="technology", call_ref=None, title_fr="Techno test")
    home = _request(db, taxonomies, asker, countries=[], title_fr="Appel test France")
    with db() as s:
        for oid in (tech, home):
            assert not {gene, aav} & {m.actor_id for m in service.matches(
                s, opportunity_id=oid, taxonomies=taxonomies, principal=ANONYMOUS)}

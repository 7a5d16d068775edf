"""Actors for the contribution tests: real organisations, placed by the offline gazetteer."""

from __future__ import annotations

from bioatlas.atlas.geocode import gazetteer
from bioatlas.atlas.records import ActorRecord, SiteRecord, SourceRecord
from bioatlas.atlas.writer import get_or_create_source, upsert_actor

ROR = SourceRecord(key="ror", title="Research Organization Registry", kind="open_data", url="https://ror.org",
                   licence="CC0-1.0")


def add_actor(db, name: str, postcode: str, *, kind: str = "company", website: str | None = None,
              relations=None) -> int:
    place = gazetteer().geocode(postcode=postcode)
    site = SiteRecord(role="hq", postcode=postcode, commune_insee=place.insee, commune_name=place.name,
                      departement=place.departement, region=place.region, latitude=place.latitude,
                      longitude=place.longitude)
    rec = ActorRecord(name=name, kind=kind, sites=[site], identifiers={"website": [website]} if website else {},
                      relations=relations)
    with db() as s:
        actor_id = upsert_actor(s, rec, source=get_or_create_source(s, ROR), match_by_name=False).actor_id
        s.commit()
    return actor_id

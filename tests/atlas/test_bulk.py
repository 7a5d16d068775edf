"""bulk_upsert gives the same atlas as the writer called record by record, and re-runs are free.

The records are synthetic: invented names and identifiers that belong to no real organisation."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from bioatlas.atlas.bulk import bulk_upsert
from bioatlas.atlas.geocode import gazetteer
from bioatlas.atlas.models import Actor, ActorChange, ActorName, Capability, FieldSource, Identifier, Relation, Site, Source
from bioatlas.atlas.records import ActorRecord, SiteRecord, SourceRecord
from bioatlas.atlas.writer import MatchError, get_or_create_source, upsert_actor

REGISTRY = SourceRecord(key="test:registry", title="synthetic registry", kind="open_data")
MEMBER = SourceRecord(key="test:member", title="a member's edit", kind="user")
SHEET = SourceRecord(key="test:sheet", title="a spreadsheet", kind="file")


def site(insee: str, role: str = "hq", address: str | None = None) -> SiteRecord:
    p = gazetteer().by_insee[insee][0]
    return SiteRecord(role=role, address=address, postcode=p.postcode, commune_insee=p.insee, commune_name=p.name,
                      departement=p.departement, region=p.region, latitude=p.latitude, longitude=p.longitude)


def records(parent_id: int | None = None) -> list[ActorRecord]:
    """Synthetic establishments covering every kind of fact a record can carry."""
    out = [
        ActorRecord(name="SYNTHETIC BIO ONE", kind="sme", status="active",
                    names=[("legal", "SYNTHETIC BIO ONE SAS", None), ("acronym", "SB1", None),
                           ("alias", "SYNTHETIC BIO ONE", None), ("alias", " SB ONE ", "fr"), ("alias", "SB ONE", "en")],
                    identifiers={"siret": ["00000000100011"], "siren": ["000000001"]},
                    sites=[site("91228", address="1 RUE DE L'ESSAI")]),
        ActorRecord(name="SYNTHETIC BIO ONE LYON", kind="sme", status="active", names=[("legal", "SYNTHETIC BIO ONE SAS", None)],
                    identifiers={"siret": ["00000000100029"], "siren": ["000000001"]},
                    sites=[site("69387", role="other"), site("69387", role="other")]),
        ActorRecord(name="Synthétique Pharma", kind="midcap", description_fr="Fabricant fictif", scale_litres=2000.0,
                    gmp="certified", identifiers={"siret": ["00000000200018"]},
                    capabilities={"modalities": ["aav", "car_t", "aav"], "value_chain": ["fill_finish"]}, sites=[]),
        ActorRecord(name="Fictive Lab", identifiers={"siret": ["00000000300015"]}, names=None, sites=None),
    ]
    if parent_id is not None:
        out[1].relations = [("part_of", parent_id)]
    return out


def dump(session) -> dict[str, list]:
    """The atlas' content with actor ids replaced by their SIRET (or name), timestamps left out."""
    key = {a.id: a.name for a in session.scalars(select(Actor))}
    key.update(dict(session.execute(select(Identifier.actor_id, Identifier.value).where(Identifier.scheme == "siret")).all()))
    src = dict(session.execute(select(Source.id, Source.key)).all())

    def relations_keyed(value: str | None) -> str | None:
        if value is None:
            return None
        snap = json.loads(value)
        if isinstance(snap, dict) and "relations" in snap:
            snap["relations"] = sorted(f"{r.split(':')[0]}:{key[int(r.split(':')[1])]}" for r in snap["relations"])
        return json.dumps(snap, sort_keys=True)

    return {
        "actors": sorted((key[a.id], a.name, a.name_key, a.kind, a.status, a.description_fr, a.description_en,
                          a.scale_litres, a.gmp) for a in session.scalars(select(Actor))),
        "names": sorted((key[n.actor_id], n.type, n.value, n.value_key, n.lang or "", src[n.source_id])
                        for n in session.scalars(select(ActorName))),
        "identifiers": sorted((key[i.actor_id], i.scheme, i.value, src[i.source_id]) for i in session.scalars(select(Identifier))),
        "sites": sorted((key[s.actor_id], s.role, s.address or "", s.postcode, s.commune_insee, s.commune_name, s.departement,
                         s.region, s.country, s.latitude, s.longitude, src[s.source_id]) for s in session.scalars(select(Site))),
        "capabilities": sorted((key[c.actor_id], c.facet, c.code, src[c.source_id]) for c in session.scalars(select(Capability))),
        "relations": sorted((key[r.actor_id], r.relation, key[r.target_id], src[r.source_id])
                            for r in session.scalars(select(Relation))),
        "field_sources": sorted((key[f.actor_id], f.field, src[f.source_id]) for f in session.scalars(select(FieldSource))),
        "changes": sorted((key[c.actor_id], c.action, c.field, relations_keyed(c.old_value) or "",
                           relations_keyed(c.new_value) or "", src[c.source_id])
                          for c in session.scalars(select(ActorChange))),
    }


def with_writer(session, recs, source) -> dict[str, int]:
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for rec in recs:
        counts[upsert_actor(session, copy.deepcopy(rec), source=source, match_by_name=False, schemes=("siret",)).status] += 1
    return counts


def with_bulk(session, recs, source, batch_size=2) -> dict[str, int]:
    return bulk_upsert(session, copy.deepcopy(recs), source=source, scheme="siret", batch_size=batch_size)


def parent(session) -> int:
    src = get_or_create_source(session, SHEET)
    return upsert_actor(session, ActorRecord(name="Synthetic Holding", kind="large_group"), source=src).actor_id


def run_scenario(db, loader) -> tuple[dict, list]:
    """Load, re-load unchanged, edit from other sources, re-load changed: the dump and the counts."""
    session = db()
    try:
        reg = get_or_create_source(session, REGISTRY)
        recs = records(parent(session))
        counts = [loader(session, recs, reg), loader(session, recs, reg)]
        member = get_or_create_source(session, MEMBER)
        sheet = get_or_create_source(session, SHEET)
        upsert_actor(session, ActorRecord(name="x", kind="cdmo", identifiers={"siret": ["00000000200018"]}), source=member,
                     match_by_name=False, schemes=("siret",))
        upsert_actor(session, ActorRecord(name="SYNTHETIC BIO ONE", names=[("alias", "SB-1", None)],
                                          sites=[site("91228", address="1 RUE DE L'ESSAI")],
                                          capabilities={"modalities": ["mrna"]}, identifiers={"siret": ["00000000100011"]}),
                     source=sheet, match_by_name=False, schemes=("siret",))
        counts.append(loader(session, recs, reg))  # the member's kind and the sheet's facts stay
        changed = copy.deepcopy(recs)
        changed[0].sites = [site("91228", address="3 RUE DE L'ESSAI")]
        changed[2].capabilities = {"modalities": ["aav"]}
        changed[2].kind = "large_group"  # outranked by the member: unchanged
        changed[3].names = [("acronym", "FL", None)]
        changed.append(ActorRecord(name="SYNTHETIC NEW", identifiers={"siret": ["00000000400012"]}))
        changed.append(ActorRecord(name="SYNTHETIC NEW", kind="sme", identifiers={"siret": ["00000000400012"]}))  # again
        counts.append(loader(session, changed, reg))
        session.flush()
        return dump(session), counts
    finally:
        session.rollback()
        session.close()


def test_bulk_gives_the_same_atlas_as_the_writer(db):
    by_writer, writer_counts = run_scenario(db, with_writer)
    by_bulk, bulk_counts = run_scenario(db, with_bulk)
    for table in by_writer:
        assert by_bulk[table] == by_writer[table], table
    assert bulk_counts == writer_counts
    assert bulk_counts[0] == {"created": 4, "updated": 0, "unchanged": 0}
    assert bulk_counts[1] == {"created": 0, "updated": 0, "unchanged": 4}
    assert bulk_counts[2] == {"created": 0, "updated": 0, "unchanged": 4}
    assert bulk_counts[3] == {"created": 1, "updated": 4, "unchanged": 1}


def test_big_batches_and_small_batches_agree(db):
    results = []
    for size in (1, 3, 5000):
        session = db()
        try:
            reg = get_or_create_source(session, REGISTRY)
            counts = bulk_upsert(session, records(), source=reg, scheme="siret", batch_size=size)
            session.flush()
            results.append((dump(session), counts))
        finally:
            session.rollback()
            session.close()
    assert results[0] == results[1] == results[2]


def test_rerun_writes_nothing_and_changes_go_to_history(session):
    reg = get_or_create_source(session, REGISTRY)
    assert with_bulk(session, records(), reg) == {"created": 4, "updated": 0, "unchanged": 0}
    n_changes = session.scalar(select(func.count()).select_from(ActorChange))
    assert n_changes == 4
    assert with_bulk(session, records(), reg) == {"created": 0, "updated": 0, "unchanged": 4}
    assert session.scalar(select(func.count()).select_from(ActorChange)) == n_changes
    changed = records()
    changed[1].name = "SYNTHETIC BIO ONE LYON GERLAND"
    assert with_bulk(session, changed, reg) == {"created": 0, "updated": 1, "unchanged": 3}
    actor_id = session.scalar(select(Identifier.actor_id).where(Identifier.value == "00000000100029"))
    last = session.scalars(select(ActorChange).where(ActorChange.actor_id == actor_id).order_by(ActorChange.id.desc())).first()
    assert (last.action, last.field) == ("updated", "name")
    assert json.loads(last.old_value) == "SYNTHETIC BIO ONE LYON"
    assert json.loads(last.new_value) == "SYNTHETIC BIO ONE LYON GERLAND"


def test_identifier_held_by_two_actors_is_an_error(session):
    reg = get_or_create_source(session, REGISTRY)
    for name in ("Twin A", "Twin B"):  # created without matching, so both hold the SIRET
        upsert_actor(session, ActorRecord(name=name, identifiers={"siret": ["00000000900014"], "ror": [name]}),
                     source=reg, match_by_name=False, schemes=("ror",))
    with pytest.raises(MatchError, match="several actors"):
        with_bulk(session, [ActorRecord(name="Twin", identifiers={"siret": ["00000000900014"]})], reg)


def test_record_without_its_identifier_is_refused(session):
    reg = get_or_create_source(session, REGISTRY)
    with pytest.raises(ValueError, match="exactly one 'siret'"):
        with_bulk(session, [ActorRecord(name="No id", identifiers={"siren": ["000000009"]})], reg)


def test_a_new_edition_takes_over_what_the_earlier_one_said(session):
    march = get_or_create_source(session, SourceRecord(key="test:registry:03", title="march", kind="open_data"))
    april = get_or_create_source(session, SourceRecord(key="test:registry:04", title="april", kind="open_data"))
    bulk_upsert(session, records(), source=march, scheme="siret")
    changes = session.scalar(select(func.count()).select_from(ActorChange))
    described = records()[:3]  # April no longer describes the last one
    assert bulk_upsert(session, described, source=april, scheme="siret", supersedes=[march.id]) == {
        "created": 0, "updated": 0, "unchanged": 3}
    assert session.scalar(select(func.count()).select_from(ActorChange)) == changes  # nothing to record
    held = {}
    for model in (ActorName, Identifier, Site, Capability, FieldSource):
        for row in session.scalars(select(model)):
            held.setdefault(row.actor_id, set()).add(row.source_id)
    last = session.scalar(select(Identifier.actor_id).where(Identifier.value == "00000000300015"))
    assert held.pop(last) == {march.id}
    assert all(sources == {april.id} for sources in held.values())
    moved = records()[:3]
    moved[0].sites = [site("69387")]
    assert bulk_upsert(session, moved, source=april, scheme="siret", supersedes=[march.id]) == {
        "created": 0, "updated": 1, "unchanged": 2}
    first = session.scalar(select(Identifier.actor_id).where(Identifier.value == "00000000100011"))
    assert [s.commune_insee for s in session.scalars(select(Site).where(Site.actor_id == first))] == ["69387"]

"""The change log: one row per actor a commit touched, in commit order, nothing on rollback.

The records are synthetic: invented names that belong to no real organisation."""

from __future__ import annotations

from sqlalchemy import select

from bioatlas.atlas import changelog
from bioatlas.atlas.bulk import bulk_upsert
from bioatlas.atlas.models import Actor, ChangeLogEntry, Site
from bioatlas.atlas.records import ActorRecord, SourceRecord
from bioatlas.atlas.writer import get_or_create_source, upsert_actor

SHEET = SourceRecord(key="test:changelog", title="a synthetic spreadsheet", kind="file")


def _actor(session, name: str) -> int:
    source = get_or_create_source(session, SHEET)
    outcome = upsert_actor(session, ActorRecord(name=name, kind="sme", status="active"), source=source)
    session.commit()
    return outcome.actor_id


def test_a_commit_logs_the_actors_it_touched(session):
    start = changelog.latest(session)
    a = _actor(session, "SYNTHETIC CHANGELOG ONE")
    b = _actor(session, "SYNTHETIC CHANGELOG TWO")
    assert changelog.latest(session) > start
    assert changelog.since(session, start, 10) == {a, b}
    middle = changelog.latest(session)
    assert changelog.since(session, middle, 10) == set()

    session.add(Site(actor_id=a, role="hq", country="FR", latitude=48.85, longitude=2.35,
                     source_id=session.scalar(select(Actor).where(Actor.id == a)).field_sources[0].source_id))
    session.commit()
    assert changelog.since(session, middle, 10) == {a}

    session.delete(session.get(Actor, b))
    session.commit()
    assert changelog.since(session, middle, 10) == {a, b}


def test_seqs_grow_in_commit_order_and_a_rollback_logs_nothing(session):
    a = _actor(session, "SYNTHETIC CHANGELOG THREE")
    before = changelog.latest(session)
    actor = session.get(Actor, a)
    actor.description_en = "changed, then rolled back"
    session.flush()
    session.rollback()
    assert changelog.latest(session) == before
    actor = session.get(Actor, a)
    actor.description_en = "changed"
    session.commit()
    seqs = session.scalars(select(ChangeLogEntry.seq).order_by(ChangeLogEntry.seq)).all()
    assert seqs == sorted(set(seqs)) and seqs[-1] == changelog.latest(session) > before


def test_bulk_loads_and_limits(session):
    source = get_or_create_source(session, SourceRecord(key="test:changelog-bulk", title="synthetic", kind="open_data"))
    start = changelog.latest(session)
    records = [ActorRecord(name=f"SYNTHETIC BULK {i}", kind="sme", status="active",
                           identifiers={"siren": [f"00000{i:04d}"]}) for i in range(30)]
    bulk_upsert(session, records, source=source, scheme="siren")
    session.commit()
    ids = set(session.scalars(select(Actor.id).where(Actor.name.like("SYNTHETIC BULK %"))))
    assert len(ids) == 30
    assert changelog.since(session, start, 100) == ids
    assert changelog.since(session, start, 29) is None  # more than the caller wants: it rebuilds


def test_a_reader_older_than_the_pruned_log_is_told_to_rebuild(session):
    start = changelog.latest(session)
    for i in range(3):
        _actor(session, f"SYNTHETIC PRUNED {i}")
    assert changelog.prune(session, keep=1) >= 2
    session.commit()
    assert changelog.since(session, start, 100) is None
    assert changelog.since(session, changelog.latest(session) - 1, 100) is not None


def test_raw_rewrites_tell_readers_to_rebuild(session):
    start = changelog.latest(session)
    _actor(session, "SYNTHETIC RAW")
    assert changelog.since(session, start, 100) is not None
    changelog.note_everything(session.connection())
    session.commit()
    assert changelog.since(session, start, 100) is None
    assert changelog.since(session, changelog.latest(session), 100) == set()

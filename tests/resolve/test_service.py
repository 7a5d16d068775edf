"""The per-process resolver follows the atlas's change log: a few changed actors are re-read into
the same index; a large change rebuilds it."""

from __future__ import annotations

import json

from bioatlas.atlas.models import Actor
from bioatlas.atlas.records import ActorRecord, SiteRecord, SourceRecord
from bioatlas.atlas.writer import get_or_create_source, upsert_actor
from bioatlas.core.db import transaction
from bioatlas.resolve import service

from .conftest import ror

ARTICLE = SourceRecord(key="article:service", title="Press article", kind="article")


def _add(factory, name: str, alias: str | None = None) -> int:
    with transaction(factory) as session:
        record = ActorRecord(name=name, kind="company", names=[("acronym", alias, None)] if alias else [],
                             sites=[SiteRecord(commune_name="Évry-Courcouronnes", latitude=48.62, longitude=2.44)])
        return upsert_actor(session, record, source=get_or_create_source(session, ARTICLE), match_by_name=False).actor_id


def _chosen(factory, mention: str) -> list[str]:
    with factory() as session:
        return [c.id for c in service.resolver_for(session).resolve(mention).chosen]


def test_a_new_renamed_or_deleted_actor_is_followed_without_a_rebuild(registry):
    assert _chosen(registry, "Généthon, Évry") == [ror("03fj96t64")]
    with registry() as session:
        first = service.resolver_for(session)
        built = first.index
    yposkesi = _add(registry, "Yposkesi", alias="YPSK")
    assert _chosen(registry, "Yposkesi, Corbeil-Essonnes") == [str(yposkesi)]
    assert _chosen(registry, "YPSK") == [str(yposkesi)]
    with transaction(registry) as session:
        session.get(Actor, yposkesi).name = "Yposkesi SK pharmteco"
    assert str(yposkesi) in [c for c in _chosen(registry, "Yposkesi SK pharmteco")]
    with transaction(registry) as session:
        session.delete(session.get(Actor, yposkesi))
    assert _chosen(registry, "Yposkesi SK pharmteco") == []
    with registry() as session:
        again = service.resolver_for(session)
    assert again is first and again.index is built  # refreshed in place, never rebuilt
    assert _chosen(registry, "Généthon, Évry") == [ror("03fj96t64")]  # the others are untouched


def test_more_changes_than_the_limit_rebuild_the_index(registry, monkeypatch):
    with registry() as session:
        first = service.resolver_for(session)
    monkeypatch.setattr(service, "REFRESH_LIMIT", 1)
    a, b = _add(registry, "Yposkesi"), _add(registry, "Flash Therapeutics")
    with registry() as session:
        rebuilt = service.resolver_for(session)
    assert rebuilt is not first
    assert _chosen(registry, "Flash Therapeutics") == [str(b)] and _chosen(registry, "Yposkesi") == [str(a)]


def test_the_saved_index_is_read_back_then_refreshed(registry, engine, caplog, tmp_path):
    """`bioatlas serve` turns the index files on (core/index_files.py): a new process reads the
    resolver saved by the last build, and the changes since are refreshed in, never served stale;
    a damaged file is rebuilt with a log line naming it. Beside a SQLite atlas, or for PostgreSQL
    under the files' root (a folder per database)."""
    import logging
    import shutil

    from bioatlas.core import index_files

    index_files.enable(root=tmp_path)
    folder = index_files.folder_for(engine)
    assert folder is not None
    try:
        assert _chosen(registry, "Généthon, Évry") == [ror("03fj96t64")]  # built, and saved
        assert (folder / "resolver.json").exists()
        yposkesi = _add(registry, "Yposkesi", alias="YPSK")  # after the save
        loads, builds = service.LIVE.stats.loads, service.LIVE.stats.builds
        service.LIVE.clear()  # a new process
        assert _chosen(registry, "YPSK") == [str(yposkesi)]
        assert _chosen(registry, "Généthon, Évry") == [ror("03fj96t64")]
        assert (service.LIVE.stats.loads, service.LIVE.stats.builds) == (loads + 1, builds)  # read, not built
        pointer = folder / "resolver.json"
        data = folder / json.loads(pointer.read_text())["folder"] / "object.pickle"
        data.write_bytes(data.read_bytes()[:100])  # truncated
        service.LIVE.clear()
        with caplog.at_level(logging.WARNING, logger="bioatlas.core.index_files"):
            assert _chosen(registry, "YPSK") == [str(yposkesi)]
        assert any(str(pointer) in r.getMessage() for r in caplog.records)
        assert service.LIVE.stats.builds == builds + 1
    finally:
        index_files.enable(False, root=None)
        shutil.rmtree(folder, ignore_errors=True)


def test_an_index_entry_and_actor_pickle_as_their_constructor_arguments():
    """The resolver's index file pickles each name and actor as its constructor's arguments (one
    call per object when read, instead of dataclass(slots=True)'s state functions): every field is
    written and read back, so a field added later without its place in `__reduce__` fails here."""
    import pickle
    from dataclasses import astuple, fields

    from bioatlas.resolve.index import ActorInfo, Entry

    entry = Entry(7, "Institut Pasteur", "institut pasteur", ("institut", "pasteur"), True, 2.5, ("institut",),
                  "institut pasteur")
    info = ActorInfo(7, "Institut Pasteur", "0495fxg12", False, {"FR"}, {"paris"}, {3}, {9})
    for obj in (entry, info):
        assert len(obj.__reduce__()[1]) == len(fields(obj))
        assert astuple(pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))) == astuple(obj)

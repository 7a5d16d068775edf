"""The per-process resolver follows the atlas's change log: a few changed actors are re-read into
the same index; a large change rebuilds it."""

from __future__ import annotations

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

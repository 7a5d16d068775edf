"""The actor detail read set-based (issue 19): the plain rows give exactly what the ORM actor
gives; the page and the API run as many SQL statements for an actor with many sites, names and
links as for an actor with one site; the page lists the first 200 members and counts the rest."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bioatlas.atlas import detail
from bioatlas.atlas.models import Actor, Relation
from bioatlas.atlas.queries import get_actor
from bioatlas.atlas.records import ActorRecord, SourceRecord
from bioatlas.atlas.serialize import actor_to_dict
from bioatlas.atlas.service import actor_scope
from bioatlas.atlas.writer import get_or_create_source, upsert_actor
from tests.atlas.ecosystem import site

# Real organisations and places; the synthetic members are labelled as such.
ARTICLE = SourceRecord(key="test:detail", title="Assises des biothérapies (test)", kind="article")
MEMBERS = 205


@pytest.fixture
def atlas(db):
    with db() as s:
        src = get_or_create_source(s, ARTICLE)
        other = get_or_create_source(s, SourceRecord(key="test:detail-ror", title="ROR (test)", kind="registry"))
        ids = {rec.name: upsert_actor(s, rec, source=src).actor_id for rec in (
            ActorRecord(name="Medicen Paris Region", kind="cluster", sites=[site("75013")]),
            ActorRecord(name="Région Île-de-France", kind="public_agency", sites=[site("93400")]),
            ActorRecord(name="CHU Dijon Bourgogne", kind="hospital", sites=[site("21000")]),
        )}
        genopole = upsert_actor(s, ActorRecord(
            name="Genopole", kind="cluster", description_fr="Biocluster d'Évry", gmp="none",
            names=[("acronym", "GNP", None), ("alias", "Génopole Évry", "fr")],
            identifiers={"ror": ["https://ror.org/0380k9k47"], "website": ["https://www.genopole.fr"]},
            sites=[site("91000"), site("91000", role="rd"), site("94000", role="rd"), site("21000", role="rd")],
            capabilities={"modalities": ["aav", "car_t"], "value_chain": ["clinical_batches"]},
            relations=[("member_of", ids["Medicen Paris Region"]), ("related", ids["Région Île-de-France"])],
        ), source=src).actor_id
        upsert_actor(s, ActorRecord(name="Genopole", names=[("label_en", "Genopole Biocluster", "en")],
                                    actor_id=genopole), source=other)
        members = [Actor(name=f"Membre synthétique {i}", name_key=f"membre synthetique {i}", kind="startup")
                   for i in range(MEMBERS)]
        s.add_all(members)
        s.flush()
        s.add_all(Relation(actor_id=m.id, relation="member_of", target_id=genopole, source_id=src.id) for m in members)
        s.commit()
        ids["Genopole"] = genopole
        ids["first member"] = members[0].id
    return ids


def test_plain_actor_serialises_as_the_orm_actor(db, atlas, taxonomies):
    with db() as s:
        for actor_id in atlas.values():
            for lang in ("fr", "en"):
                plain = actor_to_dict(detail.plain_actor(s, actor_id=actor_id), lang, taxonomies=taxonomies)
                s.expunge_all()
                assert plain == actor_to_dict(get_actor(s, actor_id=actor_id), lang, taxonomies=taxonomies)
        genopole = actor_to_dict(detail.plain_actor(s, actor_id=atlas["Genopole"]), "en", taxonomies=taxonomies)
        assert detail.plain_actor(s, actor_id=max(atlas.values()) + 10_000) is None
    assert len(genopole["sites"]) == 4 and genopole["sites"][0]["role"] == "hq"
    assert [r["target_name"] for r in genopole["relations"]] == ["Medicen Paris Region", "Région Île-de-France"]
    assert [s["title"] for s in genopole["sources"]] == ["Assises des biothérapies (test)", "ROR (test)"]


def test_inbound_count_and_first_rows(db, atlas):
    with db() as s:
        total, shown = detail.inbound_of(s, actor_id=atlas["Genopole"])
        assert detail.inbound_of(s, actor_id=atlas["CHU Dijon Bourgogne"]) == (0, [])
        assert detail.inbound_of(s, actor_id=atlas["Medicen Paris Region"]) == (
            1, [{"actor_id": atlas["Genopole"], "name": "Genopole"}])
    assert total == MEMBERS and len(shown) == detail.INBOUND_SHOWN
    assert shown[0] == {"actor_id": atlas["first member"], "name": "Membre synthétique 0"}


def test_actor_scope_reads_regions_and_clusters(db, atlas):
    with db() as s:
        scope = actor_scope(s, actor_id=atlas["Genopole"])
        member = actor_scope(s, actor_id=atlas["first member"])
        missing = actor_scope(s, actor_id=max(atlas.values()) + 10_000)
    assert scope.regions == {"11", "27"} and scope.clusters == {atlas["Medicen Paris Region"]}
    assert member.regions == frozenset() and member.clusters == {atlas["Genopole"]}
    assert missing.actor_id is None


@contextlib.contextmanager
def _statements():
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", count)


@pytest.mark.parametrize(("url", "bound"), [("/actors/{}", 25), ("/api/v1/actors/{}", 9)])
def test_statements_do_not_grow_with_sites_names_and_links(client, atlas, url, bound):
    counts = {}
    for name in ("Medicen Paris Region", "Genopole"):  # one site and one member; 4 sites, 205 members...
        client.get(url.format(atlas[name]))  # the app's first request of each kind loads its caches
        with _statements() as seen:
            r = client.get(url.format(atlas[name]))
        assert r.status_code == 200, r.text[:300]
        counts[name] = len(seen)
    assert counts["Genopole"] == counts["Medicen Paris Region"], counts
    # the API: the actor, its 6 kinds of facts, its scope reasons, whether the scope was computed;
    # the page: also the members, the history and the other rooms' panels
    assert counts["Genopole"] <= bound, counts


def test_page_lists_200_members_and_counts_the_rest(client, atlas):
    page = client.get(f"/actors/{atlas['Genopole']}", headers={"accept": "text/html"}).text
    assert page.count("Membre synthétique") == detail.INBOUND_SHOWN
    assert f"… {MEMBERS - detail.INBOUND_SHOWN}</li>" in page
    assert "Membre synthétique 199<" in page and "Membre synthétique 200<" not in page
    assert "Medicen Paris Region" in page and "Région Île-de-France" in page

"""Filtered directory views (issue 19): a page read by walking the name-order index lists the
same actors in the same order as one read through the filter's indexes; the directory page takes
its total from the facet counts instead of counting the view a second time in SQL."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bioatlas.atlas import queries
from bioatlas.atlas.filters import ActorFilter
from tests.atlas.ecosystem import load

VIEWS = [
    ActorFilter(kind=("company",)), ActorFilter(kind=("cluster", "public_agency")), ActorFilter(gmp=("none",)),
    ActorFilter(kind=("company",), status=""), ActorFilter(scope="sector"),
    ActorFilter(modality=("cell_therapy",)), ActorFilter(region=("27",), kind=("hospital",)),  # not walked
]


@pytest.mark.parametrize("f", VIEWS)
def test_walked_pages_equal_the_indexed_pages(session, taxonomies, monkeypatch, f):
    load(session)
    session.commit()
    total = queries.count_actors(session, f=f, taxonomies=taxonomies)
    pages = {}
    for walk in (True, False):
        monkeypatch.setattr(queries, "_walk_name_order", lambda *a, walk=walk, **k: walk)
        pages[walk] = [[a.id for a in queries.list_actors(session, f=f, taxonomies=taxonomies, limit=2, offset=o,
                                                        total=total)[1]] for o in (0, 2, 4)]
    assert pages[True] == pages[False]
    assert sum(len(p) for p in pages[True]) == total


def test_walk_only_when_the_view_is_broad(session, taxonomies):
    ids = load(session)
    session.commit()
    n = max(ids.values())
    walk = queries._walk_name_order
    expected = session.get_bind().dialect.name == "sqlite"  # PostgreSQL's planner has statistics
    assert walk(session, total=n, upto=2) is expected  # every actor matches: a page is found at once
    assert walk(session, total=1, upto=50) is False  # one match: read it through the filter's index
    assert walk(session, total=0, upto=50) is False


def test_the_directory_page_does_not_count_twice(client, db):
    with db() as s:
        load(s)
        s.commit()
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    client.get("/actors", params={"kind": "company"}, headers={"accept": "text/html"})  # warm: indexes
    event.listen(Engine, "before_cursor_execute", count)
    try:
        page = client.get("/actors", params={"kind": "company"}, headers={"accept": "text/html"})
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert page.status_code == 200 and "Cellectis" in page.text and "Sensorion" in page.text
    assert not [s for s in seen if "count(" in s.lower()], seen  # the total is the facet index's


@pytest.mark.parametrize("f", [ActorFilter(q="gen"), ActorFilter(q="région", kind=("public_agency",)),
                               ActorFilter(q="o", region=("27",)), ActorFilter(q="medicen", status=""),
                               ActorFilter(q="nothing like this")])
def test_name_filter_counts_read_the_names_once(session, taxonomies, monkeypatch, f):
    load(session)
    session.commit()
    reference = (queries.count_actors(session, f=f, taxonomies=taxonomies),
                 queries.facet_counts(session, f=f, taxonomies=taxonomies))
    seen: list[str] = []
    listener = lambda conn, cursor, statement, *a: seen.append(statement)  # noqa: E731
    event.listen(Engine, "before_cursor_execute", listener)
    try:
        assert queries.view_counts(session, f=f, taxonomies=taxonomies) == reference
    finally:
        event.remove(Engine, "before_cursor_execute", listener)
    assert sum(" like " in s.lower() for s in seen) == 1, seen  # one scan of the names, the ids reused
    monkeypatch.setattr(queries, "NAME_MATCHES_INLINE", 0)  # too many matches: every count filters by name
    assert queries.view_counts(session, f=f, taxonomies=taxonomies) == reference


def test_an_empty_view_lists_without_reading_the_actors(session, taxonomies):
    load(session)
    session.commit()
    seen: list[str] = []
    listener = lambda conn, cursor, statement, *a: seen.append(statement)  # noqa: E731
    event.listen(Engine, "before_cursor_execute", listener)
    try:
        assert queries.list_actors(session, f=ActorFilter(q="nothing like this"), taxonomies=taxonomies) == (0, [])
        assert queries.list_actors(session, f=ActorFilter(), taxonomies=taxonomies, offset=50, total=7) == (7, [])
    finally:
        event.remove(Engine, "before_cursor_execute", listener)
    assert len(seen) == 1 and "count(" in seen[0].lower(), seen  # the count only

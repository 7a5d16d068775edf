import pytest

from bioatlas.atlas import queries
from bioatlas.atlas.filters import ActorFilter, FilterError, parse_filter
from bioatlas.atlas.geocode import gazetteer

from tests.atlas.ecosystem import load


def names(session, taxonomies, **kw):
    _, actors = queries.list_actors(session, f=ActorFilter(**kw), taxonomies=taxonomies, limit=100)
    return {a.name for a in actors}


def test_filter_by_kind_with_hierarchy(session, taxonomies):
    load(session)
    assert names(session, taxonomies, kind=("public_agency",)) == {"Région Île-de-France", "Région Bourgogne-Franche-Comté"}
    assert names(session, taxonomies, kind=("company",)) == {"Cellectis", "Sensorion"}  # startup is a company


def test_filters_combine_and_across_or_within(session, taxonomies):
    load(session)
    assert names(session, taxonomies, region=("27",)) == {"Région Bourgogne-Franche-Comté", "CHU Dijon Bourgogne"}
    assert names(session, taxonomies, region=("27",), kind=("hospital",)) == {"CHU Dijon Bourgogne"}
    assert names(session, taxonomies, region=("27", "11")) >= {"Genopole", "Région Île-de-France", "CHU Dijon Bourgogne"}
    assert names(session, taxonomies, modality=("cell_therapy",)) == {"Cellectis", "CHU Dijon Bourgogne"}
    assert names(session, taxonomies, step=("clinical_batches",), departement=("21",)) == {"CHU Dijon Bourgogne"}


def test_text_filter_is_escaped(session, taxonomies):
    load(session)
    assert names(session, taxonomies, q="medicen") == {"Medicen Paris Region"}
    assert names(session, taxonomies, q="%") == set()
    assert names(session, taxonomies, q="_") == set()


def test_facet_counts_leave_out_their_own_facet(session, taxonomies):
    load(session)
    counts = queries.facet_counts(session, f=ActorFilter(kind=("public_agency",)), taxonomies=taxonomies)
    assert counts["kind"]["cluster"] == 2  # kind counts ignore the kind filter
    assert counts["kind"]["company"] == 2  # parent counts its children once each
    assert counts["region"] == {"11": 1, "27": 1}  # other facets follow the kind filter
    assert counts["departement"] == {"93": 1, "21": 1}


def test_map_points_only_located_sites_in_view(session, taxonomies):
    load(session)
    pts = queries.map_points(session, f=ActorFilter(), taxonomies=taxonomies)
    assert {p[2] for p in pts} == {"Genopole", "Région Île-de-France", "Région Bourgogne-Franche-Comté", "CHU Dijon Bourgogne"}
    pts = queries.map_points(session, f=ActorFilter(departement=("21",)), taxonomies=taxonomies)
    assert {p[2] for p in pts} == {"Région Bourgogne-Franche-Comté", "CHU Dijon Bourgogne"}


def test_pagination(session, taxonomies):
    load(session)
    total, first = queries.list_actors(session, f=ActorFilter(), taxonomies=taxonomies, limit=3, offset=0)
    _, second = queries.list_actors(session, f=ActorFilter(), taxonomies=taxonomies, limit=3, offset=3)
    assert total == 7 and len(first) == 3
    assert not {a.id for a in first} & {a.id for a in second}
    assert [a.name.lower() for a in first] == sorted(a.name.lower() for a in first)


@pytest.mark.parametrize(
    "params, field",
    [({"kind": ["spaceship"]}, "kind"), ({"region": ["99"]}, "region"), ({"departement": ["20"]}, "departement"),
     ({"q": ["x" * 201]}, "q"), ({"modality": [",".join(["mab"] * 51)]}, "modality")],
)
def test_parse_filter_rejects_unknown_values(taxonomies, params, field):
    with pytest.raises(FilterError) as exc:
        parse_filter(params, taxonomies, gazetteer())
    assert exc.value.field == field


def test_parse_filter_accepts_commas_and_repeats(taxonomies):
    f = parse_filter({"kind": ["cluster,cdmo", "cluster"], "departement": ["2a"]}, taxonomies, gazetteer())
    assert f.kind == ("cluster", "cdmo") and f.departement == ("2A",)
    assert ("kind", "cdmo") in f.as_query()



def test_name_order_index_serves_the_listing(session, taxonomies):
    """Migration 0039's (lower(name), id) index exists on both backends; on SQLite the directory's
    pages (no filter but the status) walk it instead of sorting every active actor, in name order."""
    from sqlalchemy import event, text

    from bioatlas.atlas.models import NAME_ORDER_INDEX

    load(session)
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    catalog = ("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :n" if sqlite
               else "SELECT indexdef FROM pg_indexes WHERE indexname = :n")
    definition = conn.execute(text(catalog), {"n": NAME_ORDER_INDEX}).scalar()
    assert definition is not None and "lower(name" in definition.replace('"', "").replace("(name)::text", "name").lower()
    plans: list[str] = []

    def explain(c, cursor, statement, parameters, context, executemany):
        if sqlite and statement.startswith("SELECT actors.id, actors.name,"):
            plans.append(" ".join(str(r[-1]) for r in cursor.connection.execute(f"EXPLAIN QUERY PLAN {statement}",
                                                                                   parameters)))

    event.listen(conn, "before_cursor_execute", explain)
    try:
        total, first = queries.list_actors(session, f=ActorFilter(), taxonomies=taxonomies, limit=4)
        _, rest = queries.list_actors(session, f=ActorFilter(), taxonomies=taxonomies, limit=50, offset=4)
    finally:
        event.remove(conn, "before_cursor_execute", explain)
    listed = [(a.name.lower(), a.id) for a in first + rest]
    assert len({i for _, i in listed}) == len(listed) == total
    if sqlite:  # PostgreSQL orders by its collation
        assert listed == sorted(listed)
        assert len(plans) == 2 and all(NAME_ORDER_INDEX in p and "TEMP B-TREE" not in p for p in plans), plans

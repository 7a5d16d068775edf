"""The synthetic generator of the scale benchmarks yields valid, labelled, reproducible records."""

from bench.synthetic import SCHEME, SOURCE, generate_actors
from bioatlas.atlas.geocode import gazetteer
from bioatlas.atlas.taxonomy import load_taxonomies


def test_records_are_valid_labelled_and_real_places():
    records = list(generate_actors(1000, seed=7))
    assert len(records) == 1000
    tax = load_taxonomies()
    geo = gazetteer()
    ids = set()
    for r in records:
        assert r.source == SOURCE and "synthetic" in r.source.title
        assert r.description_en.startswith("[synthetic]") and r.description_fr.startswith("[synthétique]")
        assert r.kind in tax["kinds"].terms
        assert r.gmp is None or r.gmp in tax["gmp_status"].terms
        for facet, codes in r.capabilities.items():
            assert set(codes) <= set(tax[facet].terms), (facet, codes)
        (value,) = r.identifiers[SCHEME]
        ids.add(value)
        assert r.sites
        for site in r.sites:
            place = geo.by_insee[site.commune_insee][0]  # a real commune of the shipped file
            assert site.departement == place.departement and site.region == place.region
            assert abs(site.latitude - place.latitude) <= 0.0100001
            assert abs(site.longitude - place.longitude) <= 0.0100001
    assert len(ids) == 1000  # one distinct identifier per record (the bulk loader's key)
    assert len({r.name for r in records}) > 800
    assert len({r.sites[0].region for r in records}) >= 12


def test_same_seed_same_records_other_seed_others():
    a = [(r.name, r.sites[0].commune_insee) for r in generate_actors(50, seed=1)]
    b = [(r.name, r.sites[0].commune_insee) for r in generate_actors(50, seed=1)]
    c = [(r.name, r.sites[0].commune_insee) for r in generate_actors(50, seed=2)]
    assert a == b and a != c


def test_loads_through_the_bulk_loader(db, taxonomies):
    from sqlalchemy import func, select

    from bioatlas.atlas.bulk import bulk_upsert
    from bioatlas.atlas.models import Actor, Site
    from bioatlas.atlas.writer import get_or_create_source

    with db() as session:
        source = get_or_create_source(session, SOURCE)
        counts = bulk_upsert(session, generate_actors(300, seed=5), source=source, scheme=SCHEME)
        session.commit()
        assert counts == {"created": 300, "updated": 0, "unchanged": 0}
        assert session.scalar(select(func.count()).select_from(Actor)) == 300
        assert session.scalar(select(func.count()).where(Site.cell_g8.is_(None))) == 0

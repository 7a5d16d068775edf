"""The demo ecosystem that `make run` loads: real ROR records and the seed articles' actors."""

from sqlalchemy import func, select

from bioatlas.atlas import queries
from bioatlas.demo.load import load_demo, ror_count
from bioatlas.atlas.filters import ActorFilter
from bioatlas.atlas.models import Actor, FieldSource, Identifier, Relation, Source


def test_demo_loads_real_data_once_and_refreshes_idempotently(db, taxonomies):
    report = load_demo(db, taxonomies=taxonomies)
    n_ror = ror_count()
    assert report.counts["created"] == n_ror == 4605
    seeds = report.seeds
    assert seeds["rejected"] == 0 and seeds["created"] + seeds["updated"] == 21
    assert seeds["updated"] == 5  # Genopole, bioMérieux, Sanofi, Servier, EIT Manufacturing are in ROR

    with db() as s:
        total = s.scalar(select(func.count()).select_from(Actor))
        # the rooms' demo steps add synthetic organisations (capacity's providers, calls' applicants),
        # each named by a source of kind "synthetic": never a real actor
        synthetic = s.scalar(select(func.count(func.distinct(FieldSource.actor_id))).join(
            Source, Source.id == FieldSource.source_id).where(Source.kind == "synthetic", FieldSource.field == "name"))
        assert synthetic >= 5  # calls: an incubator and four start-ups, "fictifs de démonstration"
        assert total == n_ror + seeds["created"] + synthetic
        genopole = s.scalars(select(Actor).join(Identifier).where(Identifier.value == "https://ror.org/0380k9k47")).one()
        assert genopole.kind == "cluster"  # the article's kind outranks the registry's
        campus = s.scalars(select(Actor).where(Actor.name == "Campus Biotech Digital")).one()
        members = s.scalars(select(Relation).where(Relation.target_id == campus.id, Relation.relation == "member_of")).all()
        assert {m.actor.name for m in members} == {"bioMérieux", "Novasep", "Sanofi", "Servier"}
        n_active, _ = queries.list_actors(s, f=ActorFilter(), taxonomies=taxonomies, limit=1)
        assert 4000 < n_active < total  # inactive and withdrawn ROR records stay out of the map
        idf = queries.map_points(s, f=ActorFilter(region=("11",)), taxonomies=taxonomies)
        assert len(idf) > 500
        bfc = queries.map_points(s, f=ActorFilter(region=("27",), kind=("public_agency",)), taxonomies=taxonomies)
        assert "Région Bourgogne-Franche-Comté" in {p[2] for p in bfc}

    assert [e["created"] for e in report.ema] == [1562, 1088]  # the 2018 list, then what the 2026 list adds
    assert report.rome["occupations"]["created"] == 1584 and report.rome["titles"]["created"] == 13120
    assert sum(report.observatory["computed"].values()) > 0

    again = load_demo(db, taxonomies=taxonomies)
    assert again.counts == {"created": 0, "updated": 0, "unchanged": n_ror}
    assert again.relations == 0
    assert (again.seeds["created"], again.seeds["updated"], again.seeds["unchanged"]) == (0, 0, 21)
    assert [(e["created"], e["updated"]) for e in again.ema] == [(0, 0), (0, 0)]
    assert (again.rome["occupations"]["created"], again.rome["occupations"]["updated"]) == (0, 0)

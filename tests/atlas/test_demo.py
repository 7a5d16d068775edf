"""The demo ecosystem that `make run` loads: real ROR records, the seed articles' actors, the sector part
of RNSR, i-Lab, IREP and Transparence-Santé, linked across sources."""

from sqlalchemy import func, or_, select, union

from bioatlas.atlas import queries
from bioatlas.demo.load import load_demo, ror_count
from bioatlas.atlas.filters import ActorFilter
from bioatlas.atlas.models import Actor, FieldSource, Identifier, Relation, Site, Source


def test_demo_loads_real_data_once_and_refreshes_idempotently(db, taxonomies):
    report = load_demo(db, taxonomies=taxonomies)
    n_ror = ror_count()
    assert report.counts["created"] == n_ror == 4605
    seeds = report.seeds
    assert seeds["rejected"] == 0 and seeds["created"] + seeds["updated"] == 21
    assert seeds["updated"] == 5  # Genopole, bioMérieux, Sanofi, Servier, EIT Manufacturing are in ROR

    # the sector part of four registries, through their connectors (demo step "registries")
    registries = report.steps["registries"]
    assert {k: v["read"] for k, v in registries.items()} == {
        "rnsr": 1862, "ilab": 966, "irep": 117, "transparence_sante": 390}
    assert {k: v["created"] for k, v in registries.items()} == {
        "rnsr": 1862, "ilab": 589, "irep": 117, "transparence_sante": 390}
    assert registries["rnsr"]["supervisors created"] == 266
    created = sum(v["created"] for v in registries.values()) + registries["rnsr"]["supervisors created"]
    # then linked across sources (demo step "links"): 619 sure links, 488 pairs queued on SQLite
    links = report.steps["links"]
    assert 580 <= links["linked"] <= 660 and 440 <= links["queued"] <= 540
    assert int(links["rnsr ↔ ror (sure/queued)"].split("/")[0]) > 500
    assert links["articles ↔ transparence_sante (sure/queued)"] == "1/0"  # Sensorion
    assert links["article-named with a site"] == "7 -> 8 of 21"

    with db() as s:
        total = s.scalar(select(func.count()).select_from(Actor))
        # the actors of ROR, the articles and the four registries (later demo steps add their own)
        ours = or_(Source.key.in_(("ror", "rnsr", "ilab", "irep", "transparence_sante")), Source.kind == "article")
        held = union(*(select(t.actor_id).join(Source, Source.id == t.source_id).where(ours)
                       for t in (Identifier, FieldSource, Site)))
        n_ours = s.scalar(select(func.count()).select_from(held.subquery()))
        assert n_ours == n_ror + seeds["created"] + created - links["linked"]  # each link folds one actor
        # the rooms' demo steps add synthetic organisations (capacity's providers, calls' applicants),
        # each named by a source of kind "synthetic": never a real actor
        synthetic = s.scalar(select(func.count(func.distinct(FieldSource.actor_id))).join(
            Source, Source.id == FieldSource.source_id).where(Source.kind == "synthetic", FieldSource.field == "name"))
        assert synthetic >= 5 and total == n_ours + synthetic
        sensorion = s.scalars(select(Actor).where(Actor.name == "Sensorion")).one()
        assert {site.commune_name for site in sensorion.sites} == {"Montpellier"}  # from Transparence-Santé
        cellectis = s.scalars(select(Actor).where(Actor.name == "Cellectis")).one()
        assert ("siren", "428859052") in {(i.scheme, i.value) for i in cellectis.identifiers}  # its i-Lab record
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
    assert all(v["created"] == 0 for v in again.steps["registries"].values())
    # known: an RNSR acronym equal to its record's name is stored once the linked actor bears another
    # registry's name (2 structures on the demo, on the second run only; see docs/linking.md)
    assert again.steps["registries"]["rnsr"]["updated"] <= 5
    assert all(v["updated"] == 0 for k, v in again.steps["registries"].items() if k != "rnsr")
    # nothing merged again; the few names the RNSR re-import stored may queue a pair or two for review
    assert again.steps["links"]["linked"] == 0 and again.steps["links"]["queued"] <= 5

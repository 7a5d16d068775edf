"""Full-text search, one suite for SQLite FTS5 and PostgreSQL tsvector (the backend is the run's)."""

from sqlalchemy import delete, select

from bioatlas.atlas.filters import ActorFilter
from bioatlas.atlas.models import Actor, ActorName, Capability
from bioatlas.atlas.records import ActorRecord, SourceRecord
from bioatlas.atlas.service import note_everything
from bioatlas.atlas.writer import get_or_create_source, upsert_actor
from bioatlas.search.index import counts, reindex_all
from bioatlas.search.models import SearchDocument
from bioatlas.search.params import Geo, parse_geo
from bioatlas.search.service import search
from bioatlas.search.suggest import suggest


def names(s, result):
    by_id = dict(s.execute(select(Actor.id, Actor.name)).all())
    return [by_id[i] for i in result.ids]


def run(s, taxonomies, q, **kw):
    kw.setdefault("mode", "fulltext")
    return search(s, q=q, f=kw.pop("f", ActorFilter()), taxonomies=taxonomies, **kw)


def test_accents_case_stems_prefix_and_typos(db, eco, taxonomies):
    with db() as s:
        assert names(s, run(s, taxonomies, "REGION ILE DE FRANCE"))[0] == "Région Île-de-France"
        assert names(s, run(s, taxonomies, "genop")) == ["Genopole"]  # last word as a prefix
        assert "CHU Dijon Bourgogne" in names(s, run(s, taxonomies, "hôpitaux"))  # kind label, French plural
        assert "CHU Dijon Bourgogne" in names(s, run(s, taxonomies, "hospitals"))  # English label, stemmed
        assert names(s, run(s, taxonomies, "car-t cells Dijon")) == ["CHU Dijon Bourgogne"]  # capability + place
        assert "Cellectis" in names(s, run(s, taxonomies, "cellules allogéniques"))
        typo = run(s, taxonomies, "celectis ")
        assert names(s, typo) == ["Cellectis"] and typo.corrected == {"celectis": ["cellectis"]}
        assert names(s, run(s, taxonomies, "Essonne")) == ["Genopole"]  # département name of its site
        assert run(s, taxonomies, "bourgogne").total == 2


def test_exact_name_and_acronym_come_first(db, eco, taxonomies):
    with db() as s:
        src = get_or_create_source(s, SourceRecord(key="test:x", title="x", kind="article"))
        upsert_actor(s, ActorRecord(name="Medicen Paris Region Partners", kind="company",
                                    description_fr="Partenaires de Medicen, Medicen, Medicen"), source=src)
        s.commit()
        r = run(s, taxonomies, "medicen")
        assert names(s, r)[0] == "Medicen Paris Region" and r.exact == {eco["Medicen Paris Region"]}
        assert names(s, run(s, taxonomies, "Medicen Paris Region"))[0] == "Medicen Paris Region"


def test_filters_geo_and_facets_in_one_answer(db, eco, taxonomies):
    with db() as s:
        r = run(s, taxonomies, "region", f=ActorFilter(kind=("public_agency",)))
        assert set(names(s, r)) == {"Région Île-de-France", "Région Bourgogne-Franche-Comté"}
        assert r.facets["kind"]["public_agency"] == 2 and r.facets["kind"]["cluster"] == 1  # own facet left out
        r = run(s, taxonomies, "region", f=ActorFilter(region=("27",)))
        assert names(s, r) == ["Région Bourgogne-Franche-Comté"]
        assert r.facets["region"]["11"] == 1 and r.facets["region"]["27"] == 1
        dijon = parse_geo(None, "Dijon", 10)
        assert set(names(s, run(s, taxonomies, "", geo=dijon))) == {"Région Bourgogne-Franche-Comté", "CHU Dijon Bourgogne"}
        paris_box = parse_geo("2.0,48.5,2.8,49.0", None, None)
        assert set(names(s, run(s, taxonomies, "region", geo=paris_box))) == {"Région Île-de-France"}
        assert run(s, taxonomies, "genopole", geo=Geo(near=(47.32, 5.04), radius_km=50)).total == 0


def test_no_word_in_common_falls_back_to_any_word(db, eco, taxonomies):
    with db() as s:
        r = run(s, taxonomies, "qui soigne à Dijon avec des CAR-T ou des vaccins?")
        assert r.match == "any" and names(s, r)[0] == "CHU Dijon Bourgogne"


def test_cursor_pages_cover_every_result_once(db, eco, taxonomies):
    with db() as s:
        seen, cursor = [], None
        full = run(s, taxonomies, "")
        assert full.total == 7
        while True:
            page = run(s, taxonomies, "a e i o u region genopole", limit=2, cursor=cursor)
            seen += page.ids
            cursor = page.next_cursor
            if not cursor:
                break
        assert len(seen) == len(set(seen)) == page.total


def test_index_follows_edits_deletes_and_rebuilds(db, eco, taxonomies):
    with db() as s:
        assert run(s, taxonomies, "thermoformage").total == 0
        actor = s.get(Actor, eco["Sensorion"])
        s.add(ActorName(actor_id=actor.id, type="alias", value="Thermoformage Labs", value_key="thermoformage labs",
                        source_id=s.scalars(select(Capability.source_id)).first()))
        s.commit()
        assert names(s, run(s, taxonomies, "thermoformage")) == ["Sensorion"]
        actor.description_en = "Hearing loss gene therapies"
        s.commit()
        assert names(s, run(s, taxonomies, "hearing")) == ["Sensorion"]
        s.delete(actor)
        s.commit()
        assert run(s, taxonomies, "thermoformage").total == 0
        assert s.get(SearchDocument, eco["Sensorion"]) is None
        s.execute(delete(SearchDocument))
        note_everything(s)  # a raw SQL rewrite is logged (architecture.md): the Tantivy index follows the log
        s.commit()
        assert run(s, taxonomies, "genop").total == 0  # no document left (exact names need none)
        assert reindex_all(s) == 6
        s.commit()
        assert names(s, run(s, taxonomies, "genop")) == ["Genopole"] and counts(s)["documents"] == 6


def test_rollback_writes_nothing(db, eco, taxonomies):
    with db() as s:
        actor = s.get(Actor, eco["Cellectis"])
        actor.description_fr = "xylophone"
        s.flush()
        s.rollback()
        s.commit()
        assert run(s, taxonomies, "xylophone").total == 0


def test_suggest_as_you_type(db, eco, taxonomies):
    with db() as s:
        assert [i["name"] for i in suggest(s, "gen", taxonomies, "fr")] == ["Genopole"]
        assert [i["name"] for i in suggest(s, "région b", taxonomies, "fr")] == ["Région Bourgogne-Franche-Comté"]
        assert suggest(s, "Medicen", taxonomies, "en")[0]["kind_label"] == "Cluster / competitiveness pole"
        assert suggest(s, "  ", taxonomies, "fr") == []
        assert suggest(s, '"*)(', taxonomies, "fr") == []


def test_scale_facet_and_filter(db, eco, taxonomies):
    with db() as s:
        s.get(Actor, eco["Cellectis"]).scale_litres = 500.0
        s.get(Actor, eco["Sensorion"]).scale_litres = 5.0
        s.commit()
        r = run(s, taxonomies, "")
        assert r.facets["scale"] == {"lt10": 1, "10-200": 0, "200-2000": 1, "gte2000": 0}
        r = run(s, taxonomies, "", scale=("200-2000", "gte2000"))
        assert names(s, r) == ["Cellectis"] and r.facets["scale"]["lt10"] == 1  # its own selection left out

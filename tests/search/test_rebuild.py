"""The set-based full rebuild (`reindex_all`, by id ranges) writes exactly the documents and the
vocabulary that the per-actor path (commit hook, `reindex`) writes, and the documents an
independent construction from the ORM objects gives; the fast word splitting equals the
reference `fold` + regex."""

import re

from sqlalchemy import select
from sqlalchemy import text as sql
from sqlalchemy.orm import selectinload

from bioatlas.atlas.filters import ActorFilter
from bioatlas.atlas.geocode import gazetteer
from bioatlas.atlas.models import Actor
from bioatlas.atlas.records import ActorRecord, SiteRecord, SourceRecord
from bioatlas.atlas.writer import get_or_create_source, upsert_actor
from bioatlas.core.text import fold
from bioatlas.search import fts_build
from bioatlas.search.index import _term_texts, rebuild, reindex, reindex_all
from bioatlas.search.models import SearchDocument, SearchTerm
from bioatlas.search.service import search
from bioatlas.search.text import MAX_WORD, index_text, words


def _documents(s):
    return {i: (n, b) for i, n, b in s.execute(select(SearchDocument.actor_id, SearchDocument.names, SearchDocument.body))}


def _terms(s):
    return set(s.scalars(select(SearchTerm.term)))


def _add_facts(db, eco):
    """More facts on the real ecosystem's actors: a second site (real commune), an alias, a
    description, GMP status; so that documents have several names, places and capabilities."""
    with db() as s:
        src = get_or_create_source(s, SourceRecord(key="test:rebuild", title="rebuild test", kind="file"))
        p = gazetteer().geocode(postcode="69007", commune="Lyon")
        second = SiteRecord(role="production", postcode=p.postcode, commune_insee=p.insee, commune_name=p.name,
                            departement=p.departement, region=p.region, latitude=p.latitude, longitude=p.longitude)
        upsert_actor(s, ActorRecord(
            name="Cellectis", kind="company", names=[("alias", "Cellectis SA", None), ("acronym", "CLLS", None)],
            description_fr="Thérapies géniques allogéniques", description_en="Allogeneic gene-edited CAR-T",
            gmp="gmp_clinical", sites=[second], capabilities={"value_chain": ["clinical_batches"]},
        ), source=src)
        s.commit()


def _orm_documents(s, taxonomies):
    """Documents built from the ORM objects, one actor at a time, with `index_text` on the texts."""
    geo, out = gazetteer(), {}
    actors = s.scalars(select(Actor).options(selectinload(Actor.names), selectinload(Actor.sites),
                                             selectinload(Actor.capabilities)))
    for a in actors:
        caps = [t for c in sorted(a.capabilities, key=lambda c: c.id) if c.facet in taxonomies
                for t in _term_texts(taxonomies[c.facet], c.code)]
        places = [t for site in sorted(a.sites, key=lambda x: x.id) for t in (
            site.commune_name or "", geo.departement_name(site.departement) if site.departement else "",
            geo.region_name(site.region) if site.region else "")]
        names_col, _ = index_text([a.name, *(n.value for n in sorted(a.names, key=lambda n: n.id))])
        body_col, _ = index_text([a.description_fr, a.description_en, *_term_texts(taxonomies["kinds"], a.kind),
                                  *_term_texts(taxonomies["gmp_status"], a.gmp), *caps, *places])
        out[a.id] = (names_col, body_col)
    return out


def test_full_rebuild_equals_per_actor_documents(db, eco, taxonomies):
    _add_facts(db, eco)
    with db() as s:
        hook = _documents(s)  # written by the commit hook (per-actor path)
        hook_terms = _terms(s)
        assert set(hook) == set(eco.values())
        assert "clls" in hook[eco["Cellectis"]][0] and "lyon" in hook[eco["Cellectis"]][1]
        assert hook == _orm_documents(s, taxonomies)
    with db() as s:
        assert reindex_all(s, batch=2) == len(eco)  # several id ranges, one actor alone in the last
        s.commit()
    with db() as s:
        assert _documents(s) == hook
        assert _terms(s) == hook_terms
        assert reindex(s, list(eco.values())) == len(eco)  # and the per-actor path again
        s.flush()
        assert _documents(s) == hook
        s.rollback()


def test_search_after_rebuild_and_edits_after_it(db, eco, taxonomies):
    with db() as s:
        reindex_all(s, batch=3)
        s.commit()
    with db() as s:
        r = search(s, q="car-t cells Dijon", f=ActorFilter(), taxonomies=taxonomies, mode="fulltext")
        assert r.ids == [eco["CHU Dijon Bourgogne"]]
    _add_facts(db, eco)  # the FTS triggers are back: the edit is searchable
    with db() as s:
        r = search(s, q="clls", f=ActorFilter(), taxonomies=taxonomies, mode="fulltext")
        assert r.ids == [eco["Cellectis"]]
    with db() as s:  # an empty atlas rebuilds to nothing
        s.execute(SearchDocument.__table__.delete())
        s.execute(Actor.__table__.delete())
        assert reindex_all(s) == 0
        s.commit()
        assert _documents(s) == {} and _terms(s) == set()


def test_fast_word_splitting_equals_fold_and_regex():
    samples = [
        "Côte-d'Or", "ŒUVRE Œuvre cœur", "ﬁlm ﬂacon", "İstanbul", "caf\u0065\u0301 crème", "a\u00a0b\u2009c",
        "Straße ½ ²³", "  CAR-T / ARNm & AAV+ ", "\u0301début", "ÉVRY-COURCOURONNES (91)", "x" * 60 + " é" * 10,
        "[synthétique] Bio Lyon : thérapie cellulaire ; contrôle qualité ; Lyon (69).", "plain ascii, words 42",
        "Ünïcödé " * 40,  # over 200 characters: the uncached path
    ]
    for text in samples:
        assert words(text) == [w[:MAX_WORD] for w in re.findall(r"[a-z0-9]+", fold(text))], text


def test_parent_facet_counts_cover_their_subtree(db, eco, taxonomies):
    """Parents count distinct actors of their subtree (one query per facet, see search/facets.py)."""
    _add_facts(db, eco)  # Cellectis: allogeneic_cell; CHU Dijon: car_t (both under cell_therapy)
    with db() as s:
        r = search(s, q="", f=ActorFilter(), taxonomies=taxonomies, mode="fulltext")
        assert r.facets["modality"]["cell_therapy"] == 2
        assert r.facets["modality"]["car_t"] == 1 and r.facets["modality"]["allogeneic_cell"] == 1
        kinds = taxonomies["kinds"]
        company_subtree = kinds.descendants("company")
        expected = sum(1 for k in ("cluster", "public_agency", "public_agency", "cluster", "company", "startup", "hospital")
                       if k in company_subtree)
        assert r.facets["kind"].get("company", 0) == expected and expected >= 2  # company + startup
        r = search(s, q="dijon", f=ActorFilter(), taxonomies=taxonomies, mode="fulltext")
        assert r.facets["modality"] == {"car_t": 1, "cell_therapy": 1}
        assert r.facets["step"]["clinical_batches"] == 1


def _found(s, taxonomies, q: str) -> list[int]:
    return sorted(search(s, q=q, f=ActorFilter(), taxonomies=taxonomies, mode="fulltext").ids)


def test_rebuild_equals_reindex_all(db, eco, taxonomies, monkeypatch):
    """`rebuild` (the CLI's: the FTS5 index built in a scratch file beside the atlas, then copied
    in) indexes what FTS5's own 'rebuild' in place indexes (the path of a database without a
    file); the FTS5 merge settings are FTS5's defaults after it; later edits follow."""
    _add_facts(db, eco)
    queries = ["clls", "lyon", "genopole", "car-t", "dijon"]
    with db() as s, monkeypatch.context() as m:
        m.setattr(fts_build, "open_scratch", lambda conn: None)
        reindex_all(s, batch=3)
        s.commit()
        one = {q: _found(s, taxonomies, q) for q in queries}
        assert one["clls"] == [eco["Cellectis"]]
    assert rebuild(db) == len(eco)
    with db() as s:
        assert {q: _found(s, taxonomies, q) for q in queries} == one
        if s.get_bind().dialect.name == "sqlite":  # the FTS5 index itself
            assert list(s.scalars(sql("SELECT rowid FROM search_fts WHERE search_fts MATCH 'clls'"))) == [eco["Cellectis"]]
            s.execute(sql("INSERT INTO search_fts(search_fts) VALUES ('integrity-check')"))
            config = dict(s.execute(sql("SELECT k, v FROM search_fts_config WHERE k IN ('automerge', 'crisismerge')")).all())
            assert config == {"automerge": 4, "crisismerge": 16}
    with db() as s:  # an edit after the rebuild is searchable (the triggers are back)
        upsert_actor(s, ActorRecord(name="Sensorion", kind="startup", description_fr="thermoformage auditif",
                                    actor_id=eco["Sensorion"]),
                     source=get_or_create_source(s, SourceRecord(key="test:rebuild-2", title="rebuild 2", kind="file")))
        s.commit()
        assert _found(s, taxonomies, "thermoformage") == [eco["Sensorion"]]

"""Sector vocabulary in search (issue 13 item 6): taxonomy synonyms and acronyms, the closest few
when no actor has every word, a place typed in the text, an ambiguous commune asked about."""

from sqlalchemy import select

from bioatlas.atlas.filters import ActorFilter
from bioatlas.atlas.models import Actor
from bioatlas.atlas.records import ActorRecord
from bioatlas.atlas.writer import get_or_create_source, upsert_actor
from bioatlas.search import service
from bioatlas.search.places import extract_place
from bioatlas.search.service import search
from bioatlas.search.text import parse_query
from bioatlas.search.vocabulary import expand
from tests.atlas.ecosystem import ARTICLE_IDF


def run(s, taxonomies, q, **kw):
    return search(s, q=q, f=kw.pop("f", ActorFilter()), taxonomies=taxonomies, mode="fulltext", **kw)


def names(s, result):
    by_id = dict(s.execute(select(Actor.id, Actor.name)).all())
    return [by_id[i] for i in result.ids]


def roots_total(facets, taxonomies, facet="kind", tax="kinds"):
    """Sum of a single-valued facet's top-level counts: each actor has one kind, counted once."""
    return sum(n for code, n in facets[facet].items() if taxonomies[tax].terms[code].parent is None)


def test_acronyms_expand_within_their_taxonomy_term(taxonomies):
    terms = parse_query("CMO MTI lv cnrs", as_you_type=False)
    expand(terms, taxonomies)
    forms = {t.word: set(t.forms) for t in terms}
    assert {"cdmo", "cmos"} <= forms["cmo"] and "atmp" in forms["mti"] and "lvv" in forms["lv"]
    assert "umr" not in forms["cnrs"]  # a kind's synonym naming an organisation does not expand (UMR)


def test_a_synonym_finds_the_holders_of_the_capability(db, eco, taxonomies):
    with db() as s:
        # Cellectis holds allogeneic cell therapy: ATMP/MTI are synonyms of cell therapy, in no text of theirs
        assert "Cellectis" in names(s, run(s, taxonomies, "MTI"))
        assert "Cellectis" in names(s, run(s, taxonomies, "ATMP allogénique"))
        assert names(s, run(s, taxonomies, "lymphocytes CAR-T")) == ["CHU Dijon Bourgogne"]


def test_an_acronym_finds_the_sibling_acronym_in_a_text(db, eco, taxonomies):
    with db() as s:
        src = get_or_create_source(s, ARTICLE_IDF)
        upsert_actor(s, ActorRecord(name="Acteur de test", kind="company",
                                    description_fr="Prestataire CDMO pour les biothérapies."), source=src)
        s.commit()
        assert names(s, run(s, taxonomies, "CMO")) == ["Acteur de test"]  # kind company: only the text says CDMO


def test_no_exact_result_gives_the_closest_few_most_words_first(db, eco, taxonomies, monkeypatch):
    with db() as s:
        r = run(s, taxonomies, "Dijon CAR-T vaccins")  # no actor has the three words
        assert r.partial and r.match == "any"
        got = names(s, r)
        assert got[0] == "CHU Dijon Bourgogne"  # Dijon and CAR-T, before Dijon alone
        assert "Région Bourgogne-Franche-Comté" in got
        assert r.total == len(got) and roots_total(r.facets, taxonomies) == r.total
        monkeypatch.setattr(service, "PARTIAL_MAX", 1)
        r = run(s, taxonomies, "Dijon CAR-T vaccins")
        assert r.total == 1 and names(s, r) == ["CHU Dijon Bourgogne"] and r.next_cursor is None
        assert roots_total(r.facets, taxonomies) == 1 and r.facets["kind"] == {"hospital": 1}
        full = run(s, taxonomies, "region")
        assert not full.partial and roots_total(full.facets, taxonomies) == full.total == 3


def test_closest_in_the_api_and_the_page(client, eco):
    body = client.get("/api/v1/search", params={"q": "Dijon CAR-T vaccins", "mode": "fulltext"}).json()
    assert body["partial"] is True and body["items"][0]["name"] == "CHU Dijon Bourgogne"
    assert all(i["partial"] for i in body["items"]) and body["total"] == len(body["items"])
    exact = client.get("/api/v1/search", params={"q": "CAR-T", "mode": "fulltext"}).json()
    assert exact["partial"] is False and not any(i["partial"] for i in exact["items"])
    page = client.get("/search", params={"q": "Dijon CAR-T vaccins", "mode": "fulltext", "lang": "fr"}).text
    assert "Aucun résultat exact — les plus proches\u202f:" in page
    page = client.get("/search", params={"q": "Dijon CAR-T vaccins", "mode": "fulltext", "lang": "en"}).text
    assert "No exact result — closest:" in page
    assert "closest" not in client.get("/search", params={"q": "CAR-T", "lang": "en"}).text


def test_place_phrases_in_the_text():
    p = extract_place("CDMO près d'Évry")
    assert p.text == "CDMO" and p.place is None and {c.near for c in p.candidates} == {"89162", "91228"}
    p = extract_place("AAV à Dijon")
    assert p.text == "AAV" and p.place.near == "21231"
    p = extract_place("stem cells and brain institute near Lyon")
    assert p.text == "stem cells and brain institute" and p.place.name == "Lyon"  # the arrondissements' centre
    assert extract_place("expertise in AAV").place is None  # not a commune: the words stay
    assert extract_place("thérapie génique Nantes").text == "thérapie génique Nantes"  # no preposition


def test_a_place_in_the_query_becomes_the_radius_filter(db, eco, taxonomies):
    with db() as s:
        r = run(s, taxonomies, "hôpital à Dijon")
        assert names(s, r) == ["CHU Dijon Bourgogne"] and r.place.near == "21231" and r.text == "hôpital"
        r = run(s, taxonomies, "near Dijon")  # the place alone: every actor around it
        assert set(names(s, r)) == {"CHU Dijon Bourgogne", "Région Bourgogne-Franche-Comté"}
        assert roots_total(r.facets, taxonomies) == r.total == 2
        assert run(s, taxonomies, "hôpital près de Villejuif").total == 0  # the place filters, not a word


def test_an_ambiguous_commune_asks_which_one(client, eco):
    body = client.get("/api/v1/search", params={"q": "cluster près d'Évry", "mode": "fulltext"}).json()
    assert body["match"] == "place" and body["total"] == 0 and body["items"] == []
    assert {c["near"]: c["departement"] for c in body["candidates"]} == {"89162": "89", "91228": "91"}
    page = client.get("/search", params={"q": "cluster près d'Évry", "lang": "fr"}).text
    assert "Plusieurs communes s’appellent «\u00a0Évry\u00a0»\u202f: laquelle\u202f?" in page
    assert "near=91228" in page and "near=89162" in page
    picked = client.get("/api/v1/search", params={"q": "cluster", "near": "91228", "mode": "fulltext"}).json()
    assert picked["match"] == "all" and picked["place"] is None  # near given: the text is not read for a place


def test_a_synonym_of_two_terms_is_searched_for_both_never_resolved(taxonomies):
    mod = taxonomies["modalities"]
    assert mod.resolve("ATMP") is None and mod.resolve("MTI") is None  # cell and gene therapy
    assert taxonomies["value_chain"].resolve("bioproduction clinique") == "clinical_batches"
    assert mod.resolve("AAV") == "aav" and mod.resolve("thérapies géniques") == "viral_vector"
    assert taxonomies["expression_systems"].resolve("CHO") == "cho"  # a parent naming its child: the child

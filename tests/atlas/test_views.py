import re

from bioatlas.atlas.records import ActorRecord, SourceRecord
from bioatlas.atlas.writer import get_or_create_source, upsert_actor

from tests.atlas.ecosystem import load

HTML = {"accept": "text/html"}


def test_map_page_renders_filters_with_counts(client, db):
    with db.begin() as s:
        load(s)
    r = client.get("/", params={"kind": "hospital"})
    assert r.status_code == 200
    assert 'value="hospital" checked' in r.text
    assert "Hôpital" in r.text  # French by default


def test_directory_lists_and_paginates(client, db):
    with db.begin() as s:
        load(s)
    r = client.get("/actors", params={"region": "27"})
    assert r.status_code == 200
    assert "CHU Dijon Bourgogne" in r.text and "Genopole" not in r.text
    assert "/api/v1/export?region=27&amp;scope=all&amp;format=csv" in r.text  # the view says its scope


def test_actor_page_shows_facts_with_sources(client, db):
    with db.begin() as s:
        ids = load(s)
    r = client.get(f"/actors/{ids['CHU Dijon Bourgogne']}")
    assert r.status_code == 200
    assert "<h1>CHU Dijon Bourgogne</h1>" in r.text
    assert "Assises des Biothérapies et de la Bioproduction (BFC)" in r.text
    assert "CAR-T" in r.text and "Bourgogne-Franche-Comté" in r.text


def test_english_is_available(client, db):
    with db.begin() as s:
        ids = load(s)
    r = client.get(f"/actors/{ids['CHU Dijon Bourgogne']}", params={"lang": "en"})
    assert 'lang="en"' in r.text and "Hospital" in r.text
    assert "lang=en" in r.headers.get("set-cookie", "")
    again = client.get("/actors")  # the cookie keeps the choice
    assert 'lang="en"' in again.text


def test_script_in_data_is_escaped_everywhere(client, db):
    evil = '<script>alert("x")</script>'
    with db.begin() as s:
        src = get_or_create_source(s, SourceRecord(key="t:evil", title=evil, url="javascript:alert(1)"))
        actor_id = upsert_actor(s, ActorRecord(name=evil, kind="other", description_fr=evil,
                                               identifiers={"website": ["javascript:alert(1)"]}), source=src).actor_id
    for url in (f"/actors/{actor_id}", "/actors", "/"):
        r = client.get(url)
        assert r.status_code == 200
        assert evil not in r.text and 'href="javascript:' not in r.text
        if url != "/":  # the map page lists actors from the API, in JavaScript (textContent)
            assert "&lt;script&gt;" in r.text


def test_unknown_actor_page_is_a_404_page(client):
    r = client.get("/actors/99999", headers=HTML)
    assert r.status_code == 404 and "<h1>404</h1>" in r.text


def test_bad_filter_on_a_page_is_a_422_page(client):
    r = client.get("/actors", params={"kind": "spaceship"}, headers=HTML)
    assert r.status_code == 422 and "spaceship" in r.text


def test_sources_page_gives_attribution(client):
    r = client.get("/sources")
    assert "CC0" in r.text and "La Poste" in r.text and "Licence Ouverte" in r.text


def test_actor_page_shows_history_and_source_dates(client, db):
    with db.begin() as s:
        ids = load(s)
        src = get_or_create_source(s, SourceRecord(key="t:edit", title="Member edit", kind="user"))
        upsert_actor(s, ActorRecord(name="Genopole", description_fr="Biocluster à Évry"), source=src)
    r = client.get(f"/actors/{ids['Genopole']}")
    assert "Historique" in r.text and "Member edit" in r.text
    # the changed field by its label in the reader's language, its stored key only as data
    assert 'data-field="description_fr">Description (français)</td>' in r.text
    assert ">description_fr<" not in r.text
    english = client.get(f"/actors/{ids['Genopole']}?lang=en")
    # a site's role, then the colon of the reader's language and a space ("Headquarters: 91000 …")
    assert re.search(r"<strong>[^<]+</strong>:\s+\S", english.text) and "</strong> :" not in english.text
    assert re.search(r"<strong>[^<]+</strong>\u202f:\s+\S", r.text)
    assert 'data-field="description_fr">Description (French)</td>' in english.text
    assert 'title="Member edit"' in r.text  # each fact's marker names its source

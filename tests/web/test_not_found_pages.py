"""A typed address that names nothing (an unknown route, a static file, an object id that does not
exist or is not a number, under each room) answers 404 in the reader's language: a page in the
site's layout, or for the API `{"detail", "field", "message"}` (`web.refusals.not_found`)."""

from __future__ import annotations

import html

import pytest

from tests.accounts.fixtures import login, make_user

MISSING = 999999
# (room, address, the reason in French, in English); the signed-in ones need an account to reach the object
PAGES = [
    ("web", "/no/such/page", "Cette page n'existe pas.", "This page does not exist."),
    ("static", "/static/no-such-file.css", "Cette page n'existe pas.", "This page does not exist."),
    ("typed", "/events/abc", "Cette page n'existe pas.", "This page does not exist."),
    ("atlas", f"/actors/{MISSING}", "Aucun acteur ne porte ce numéro.", "No actor with this number."),
    ("calls", f"/calls/{MISSING}", "Aucun appel avec ce numéro.", "No call with this number."),
    ("events", f"/events/{MISSING}/programme", "Aucun événement ne porte ce numéro.", "No event with this number."),
    ("jobboard", f"/jobboard/offers/{MISSING}", "Aucune offre d'emploi ne porte ce numéro.",
     "No job offer with this number."),
    ("opportunities", f"/opportunities/{MISSING}", "Aucune opportunité ne porte ce numéro.",
     "No opportunity with this number."),
    ("observatory", "/observatory/charts/no-such-chart.csv", "Aucun graphique ne porte ce nom.", "No chart with this name."),
    ("capacity", f"/capacity/actors/{MISSING}", "Aucun acteur ne porte ce numéro.", "No actor with this number."),
    ("signed-in capacity", f"/capacity/actors/{MISSING}/edit", "Aucun acteur ne porte ce numéro.",
     "No actor with this number."),
    ("signed-in jobboard", f"/jobboard/offers/{MISSING}/edit", "Aucune offre d'emploi ne porte ce numéro.",
     "No job offer with this number."),
    ("signed-in oneshop", f"/oneshop/cases/{MISSING}", "Aucun dossier avec ce numéro.", "No case with this number."),
    ("signed-in messaging", f"/messages/{MISSING}", "Conversation introuvable.", "No such conversation."),
]


@pytest.mark.parametrize(("room", "path", "french", "english"), PAGES, ids=[p[0] for p in PAGES])
def test_a_missing_page_answers_in_the_reader_language_in_the_layout(client, db, room, path, french, english):
    if room.startswith("signed-in"):
        make_user(db, "admin@example.org", admin=True)
        assert login(client, "admin@example.org").status_code == 303
    client.cookies.set("lang", "fr")
    r = client.get(path, headers={"Accept": "text/html"})
    page = html.unescape(r.text)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in page and 'class="topbar"' in page  # the site's layout, in French
    assert french in page and english not in page and "Not Found" not in page and "no " not in page.split("<main>")[1]
    r = client.get(path, params={"lang": "en"}, headers={"Accept": "text/html"})
    assert r.status_code == 404 and english in html.unescape(r.text)


API = [
    (f"/api/v1/jobboard/offers/{MISSING}", "offer_id", "Aucune offre d'emploi ne porte ce numéro.",
     "No job offer with this number.", f"no job offer with id {MISSING}"),
    (f"/api/v1/actors/{MISSING}", "actor_id", "Aucun acteur ne porte ce numéro.", "No actor with this number.",
     f"no actor with id {MISSING}"),
    (f"/api/v1/products/{MISSING}", "product_id", "Aucun produit ne porte ce numéro.", "No product with this number.",
     f"no product with id {MISSING}"),
    ("/api/v1/no-such-endpoint", "path", "Cette page n'existe pas.", "This page does not exist.", "Not Found"),
    # the pages' own 404s asked for JSON: detail English (was the reader's language), message translated
    ("/observatory/roadmaps/nope", "code", "Aucune feuille de route avec ce code.", "No roadmap with this code.",
     "No roadmap with this code."),
    (f"/capacity/actors/{MISSING}", "actor_id", "Aucun acteur ne porte ce numéro.", "No actor with this number.",
     "No actor with this number."),
    (f"/events/{MISSING}/programme", "event_id", "Aucun événement ne porte ce numéro.", "No event with this number.",
     "No event with this number."),
]


@pytest.mark.parametrize(("path", "field", "french", "english", "detail"), API, ids=[a[0] for a in API])
def test_a_missing_object_of_the_api_names_its_field(client, path, field, french, english, detail):
    r = client.get(path, params={"lang": "fr"})
    assert r.status_code == 404 and r.json() == {"detail": detail, "field": field, "message": french}
    assert client.get(path, params={"lang": "en"}).json()["message"] == english

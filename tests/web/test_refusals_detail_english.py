"""Refusals that put the reader's language into `detail` (the calls' 404s, the job board's "only
offers published here" 409): `detail` stays English, as every other API answer's, and `message`
carries the reader's language (were French in `detail` for a French reader). The server's own
refusals (a busy database, text that is not Unicode, a bug) were English on a French page."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient

from bioatlas.app import create_app
from bioatlas.jobboard.models import JobOffer
from tests.accounts.fixtures import login, make_user
from tests.atlas.ecosystem import load
from tests.jobboard.helpers import add_rome, make_offer

MISSING = 999999


def test_a_missing_call_keeps_its_detail_in_english(client, db):
    for lang, message in (("fr", "Aucun appel avec ce numéro."), ("en", "No call with this number.")):
        r = client.get(f"/api/v1/calls/{MISSING}", params={"lang": lang})
        assert r.status_code == 404
        assert r.json() == {"detail": "No call with this number.", "field": "call_id", "message": message}, r.json()
    client.cookies.clear()  # (`?lang=` set the cookie, which comes before the browser's language)
    r = client.get(f"/api/v1/calls/{MISSING}/results", headers={"accept-language": "fr"})
    assert r.json()["detail"] == "No call with this number." and r.json()["message"] == "Aucun appel avec ce numéro."


def test_an_offer_published_elsewhere_is_refused_with_an_english_detail(client, db):
    add_rome(db)
    with db() as s:
        actor_id = load(s)["Genopole"]
        s.commit()
    offer_id = make_offer(db, actor_id=actor_id)
    with db() as s:  # an offer read from another board (France Travail): no actor publishes it here
        s.get(JobOffer, offer_id).actor_id = None
        s.commit()
    make_user(db, "admin@example.org", admin=True)
    assert login(client, "admin@example.org").status_code == 303
    french = "Seules les offres publiées ici peuvent être modifiées ici."
    for lang, message in (("fr", french), ("en", "Only offers published here can be edited here.")):
        r = client.get(f"/jobboard/offers/{offer_id}/edit", params={"lang": lang})
        assert r.status_code == 409
        assert r.json() == {"detail": "Only offers published here can be edited here.", "message": message}, r.json()
    page = client.get(f"/jobboard/offers/{offer_id}/edit", params={"lang": "fr"}, headers={"accept": "text/html"})
    assert page.status_code == 409 and french in html.unescape(page.text)


def test_the_server_refusals_are_said_in_the_reader_language(settings, db):
    app = create_app(settings)

    @app.get("/test/unicode")
    def unicode_text():
        raise UnicodeEncodeError("utf-8", "\udfff", 0, 1, "surrogates not allowed")

    @app.get("/test/bug")
    def bug():
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        for path, status, english, french in (
                ("/test/unicode", 422, "the request holds text that is not valid Unicode (a lone surrogate): nothing was stored",
                 "la requête contient du texte qui n'est pas de l'Unicode valide (un demi-codet isolé)\u202f: rien n'a été enregistré"),
                ("/test/bug", 500, "internal error", "erreur interne")):
            r = client.get(path, params={"lang": "fr"})
            assert r.status_code == status and r.json() == {"detail": english, "message": french}, r.text
            page = client.get(path, params={"lang": "fr"}, headers={"accept": "text/html"})
            assert page.status_code == status and french in html.unescape(page.text) and english not in page.text
            assert english in client.get(path, params={"lang": "en"}, headers={"accept": "text/html"}).text

"""Refusals that put the reader's language into `detail` (the calls' 404s, the job board's "only
offers published here" 409): `detail` stays English, as every other API answer's, and `message`
carries the reader's language (were French in `detail` for a French reader)."""

from __future__ import annotations

import html

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

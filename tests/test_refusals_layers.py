"""The refusals of the lower layers (the commune resolver's GeocodeError, the review engine's
ReviewError) are shown in the reader's language on the pages that pass them through (a
contribution, a call's reviewers), French by default and English on request; the JSON API
answers them in English, in its unchanged shape."""

from __future__ import annotations

from bioatlas.atlas.geocode import GeocodeError, gazetteer
from bioatlas.core.fields import FieldError, refusal_text
from bioatlas.core.i18n import Translator
from tests.accounts.fixtures import csrf_of, login, make_user
from tests.calls.conftest import story  # noqa: F401  (the calls story: a manager, a submitted application)
from tests.calls.helpers import client_for
from tests.contributions.helpers import add_actor
from tests.opportunities.world import doc, login_as, publish_via_api
from tests.opportunities.world import world  # noqa: F401  (fixture: synthetic actors and their members)

HTML = {"accept": "text/html"}


def test_a_commune_refusal_is_a_message_id_translated_even_inside_another():
    try:
        gazetteer().geocode(postcode="91000", commune="Lyon")
    except GeocodeError as exc:
        err = exc
    assert str(err).startswith("commune 'Lyon' not found under postcode 91000 (communes: ")  # English, as before
    assert refusal_text(Translator("fr"), err).startswith("commune 'Lyon' introuvable sous le code postal 91000")
    wrapped = err.as_field("near")
    outer = FieldError("near", "not a French commune: {exc}", params={"exc": err})
    assert wrapped.field == "near" and refusal_text(Translator("fr"), wrapped) == refusal_text(Translator("fr"), err)
    assert refusal_text(Translator("fr"), outer).startswith("pas une commune française\u202f: commune 'Lyon' introuvable")
    assert outer.message.startswith("not a French commune: commune 'Lyon' not found")


def test_a_contribution_commune_refusal_in_the_reader_language(client, db):
    ypo = add_actor(db, "Yposkesi", "91000", kind="cluster")
    make_user(db, "ann@test.invalid", roles=[("member", "actor", ypo)])
    assert login(client, "ann@test.invalid").status_code == 303
    csrf = csrf_of(client, f"/actors/{ypo}/propose")
    for lang, expected in (("fr", "code postal inconnu &#39;99999&#39;"), ("en", "unknown postcode &#39;99999&#39;")):
        r = client.post("/contribute/new", params={"lang": lang}, headers=HTML,
                        data={"csrf_token": csrf, "kind": "startup", "name": "Start", "postcode": "99999"})
        assert r.status_code == 422 and expected in r.text, r.text
        assert lang == "en" or "unknown postcode" not in r.text


def test_a_review_refusal_on_a_calls_page_in_the_reader_language_and_the_api_unchanged(db, story):  # noqa: F811
    m, mh = client_for(story, db, "manager")
    url = f"/calls/{story['call']}/reviewers"
    for lang, expected in (("fr", "cette personne a candidaté à cet appel et ne peut pas l&#39;évaluer"),
                           ("en", "this person applied to this call and cannot review it")):
        r = m.post(url, params={"lang": lang}, headers={**mh, **HTML}, data={"emails": "other@example.org"})
        assert r.status_code == 422 and expected in r.text, r.text
        assert lang == "en" or "applied to this call" not in r.text
    api = m.post(url, headers=mh, data={"emails": "other@example.org"})
    assert api.status_code == 422
    assert api.json()["detail"] == "reviewers: this person applied to this call and cannot review it"


def test_a_call_refusal_in_the_reader_language_and_the_api_unchanged(db, story):  # noqa: F811
    m, mh = client_for(story, db, "manager")
    url = f"/calls/{story['call']}/publish"
    for lang, expected in (("fr", "l&#39;appel est déjà publié"), ("en", "the call is already published")):
        r = m.post(url, params={"lang": lang}, headers={**mh, **HTML})
        assert r.status_code == 409 and expected in r.text, r.text
    api = m.post(f"/api/v1/calls/{story['call']}/publish", headers=mh)
    assert api.status_code == 409
    assert api.json()["detail"] == {"field": "status", "message": "status: the call is already published"}


def test_an_opportunity_refusal_in_the_reader_language_and_the_api_unchanged(client, world):  # noqa: F811
    cdmo = world["actors"]["cdmo"]
    oid = publish_via_api(client, cdmo, doc())  # published: no longer submitted
    h = login_as(client, "cdmo@test.invalid")
    token = csrf_of(client, f"/opportunities/{oid}")
    for lang, expected in (("fr", "l&#39;opportunité est publiée\u202f; seul un brouillon ou une opportunité refusée peut être soumis"),
                           ("en", "only a draft or a rejected one can be submitted")):
        r = client.post(f"/opportunities/{oid}/submit", params={"lang": lang}, headers=HTML, data={"csrf_token": token})
        assert r.status_code == 409 and expected in r.text, r.text
    api = client.post(f"/api/v1/opportunities/{oid}/submit", headers=h)
    assert api.status_code == 409 and api.json()["detail"] == {
        "field": "status", "message": "the opportunity is published; only a draft or a rejected one can be submitted"}

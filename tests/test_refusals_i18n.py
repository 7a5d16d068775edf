"""A refused field is shown in the reader's language on the rooms' pages (a contribution, an events
programme session, a job offer), too long or missing, French by default and English on request;
the JSON API answers the same input in English, in its unchanged shape."""

from __future__ import annotations

import pytest

from tests.accounts.fixtures import csrf_of, login, make_user
from tests.contributions.helpers import add_actor
from tests.events.helpers import DAY, make_event
from tests.jobboard.helpers import add_rome, good_offer, site_of

HTML = {"accept": "text/html"}
# (French, English) of the refusals these tests provoke
TOO_LONG = ("trop long (", "too long (")
REQUIRED = ("obligatoire", "required")
COLON = {"fr": "\u202f: ", "en": ": "}


@pytest.fixture
def world(db):
    add_rome(db)
    ypo = add_actor(db, "Yposkesi", "91000", kind="cluster")
    make_user(db, "ann@test.invalid", roles=[("member", "actor", ypo)])
    return {"ypo": ypo, "event": make_event(db, organiser=ypo)}


def _lang(i: int) -> str:
    return ("fr", "en")[i]


def test_a_contribution_refusal_in_the_reader_language_and_the_api_unchanged(client, world):
    actor = world["ypo"]
    assert login(client, "ann@test.invalid").status_code == 303
    limit = client.app.state.settings.max_contribution_chars
    csrf = csrf_of(client, f"/actors/{actor}/propose")
    for i, lang in enumerate(("fr", "en")):
        r = client.post(f"/actors/{actor}/propose", params={"lang": lang}, headers=HTML,
                        data={"csrf_token": csrf, "description_fr": "x" * (limit + 1)})
        assert r.status_code == 422
        label = ("Description (français)", "Description (French)")[i]  # the field by its label
        assert f"{label}{COLON[lang]}{TOO_LONG[i]}{limit + 1}" in r.text, r.text
        assert TOO_LONG[1 - i] not in r.text
        r = client.post("/contribute/new", params={"lang": lang}, headers=HTML,
                        data={"csrf_token": csrf, "kind": "startup", "postcode": "91000"})
        expected = ("le nom du nouvel acteur est obligatoire", "the name of the new actor is required")[i]
        assert r.status_code == 422 and f"{('Nom', 'Name')[i]}{COLON[lang]}{expected}" in r.text, r.text
    api = client.post(f"/api/v1/actors/{actor}/proposals", json={"fields": {"description_fr": "x" * (limit + 1)}},
                      headers={"X-CSRF-Token": csrf_of(client, "/account")})
    assert api.status_code == 422
    assert api.json() == {"detail": f"description_fr: too long ({limit + 1} characters, at most {limit})",
                          "field": "description_fr",  # the answer's field and message (ux6): the reader's language,
                          "message": f"too long ({limit + 1} characters, at most {limit})"}  # English (the last ?lang=)
    api = client.post(f"/api/v1/actors/{actor}/proposals", params={"lang": "fr"},
                      json={"fields": {"description_fr": "x" * (limit + 1)}}, headers={"X-CSRF-Token": csrf_of(client, "/account")})
    assert api.json()["message"] == f"trop long ({limit + 1} caractères, {limit} au plus)"


def test_an_events_form_refusal_in_the_reader_language(client, world):
    e = world["event"]
    assert login(client, "ann@test.invalid").status_code == 303
    csrf = csrf_of(client, f"/events/{e}/manage")
    form = {"kind": "plenary", "room": "Amphi", "day": DAY.isoformat(), "start": "09:00", "end": "10:00",
            "csrf_token": csrf}
    for i, lang in enumerate(("fr", "en")):
        long = client.post(f"/events/{e}/sessions", params={"lang": lang}, data={**form, "title": "T" * 301})
        assert long.status_code == 422
        label = ("Titre", "Title")[i]  # the field named by its label
        assert f"{label}{COLON[lang]}" + ("300 caractères au plus", "at most 300 characters")[i] in long.text
        missing = client.post(f"/events/{e}/sessions", params={"lang": lang}, data={**form, "title": ""})
        assert missing.status_code == 422 and f"{label}{COLON[lang]}{REQUIRED[i]}<" in missing.text


def test_a_job_offer_refusal_in_the_reader_language_and_the_api_unchanged(client, db, world):
    ypo = world["ypo"]
    assert login(client, "ann@test.invalid").status_code == 303
    url = f"/jobboard/actors/{ypo}/new"
    csrf = csrf_of(client, url)
    form = {k: v for k, v in good_offer().items() if k != "skills"}
    form.update(site_id=str(site_of(db, ypo)), skills="BPF", csrf_token=csrf)
    for i, lang in enumerate(("fr", "en")):
        long = client.post(url, params={"lang": lang}, data={**form, "title": "T" * 201}, follow_redirects=False)
        assert long.status_code == 422 and 'data-field="title"' in long.text
        assert f"{TOO_LONG[i]}201" in long.text and TOO_LONG[1 - i] not in long.text
        missing = client.post(url, params={"lang": lang}, data={**form, "title": ""}, follow_redirects=False)
        quoted = ("«\u00a0Titre\u00a0»", "“Title”")[i]  # in the language's quotation marks, held together
        assert missing.status_code == 422 and f"{quoted}{COLON[lang]}{REQUIRED[i]}</p>" in missing.text
    listing = client.get("/jobboard", params={"region": "xx", "lang": "fr"})  # the search page's refusal too
    assert listing.status_code == 422 and "code de région inconnu" in listing.text
    assert client.get("/api/v1/jobboard/offers", params={"region": "xx"}).json() == {
        "detail": {"field": "region", "message": "unknown region code"},  # unchanged, and in the reader's language:
        "field": "region", "message": "code de région inconnu"}
    api = client.post(f"/api/v1/jobboard/actors/{ypo}/offers", json={**good_offer(), "site_id": site_of(db, ypo),
                                                                      "title": "T" * 201},
                      headers={"X-CSRF-Token": csrf})
    assert api.status_code == 422
    assert api.json() == {"detail": {"field": "title", "message": "too long (201 characters, at most 200)"},
                          "field": "title", "message": "trop long (201 caractères, 200 au plus)"}


def test_the_forms_labels_naming_a_refused_field_are_translated():
    from bioatlas.capacity.views import FORM_LABELS as capacity
    from bioatlas.core.i18n import catalog
    from bioatlas.jobboard.views import FORM_LABELS as jobboard
    from bioatlas.oneshop.views import INTAKE_LABELS as oneshop
    from bioatlas.opportunities.views import FORM_LABELS as opportunities

    french = catalog("fr")
    labels = [*capacity.values(), *jobboard.values(), *opportunities.values(), *oneshop.values()]
    assert "Title" in labels and [label for label in labels if not french.get(label)] == []

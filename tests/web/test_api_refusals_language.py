"""Every refusal of the API in the reader's language: each `/api/v1` route that names an object is
asked for a missing one (999999; a code "no-such") in French and in English, as an administrator
(who reaches the lookup: 404, or FastAPI's 422 for a body not sent), and one route per method and
room as a signed-in user without the role (403) and a visitor (401). Each answer keeps its `detail` and adds `message` (and the refused
`field` when there is one) in the reader's language: the two languages differ and the French one
has no English words. Before, 401s, 403s, FastAPI's 422s and some 404s (role grants, saved
searches, roadmap actions) answered in English only."""

from __future__ import annotations

import re

import pytest

from bioatlas.core.i18n import Translator
from bioatlas.web.refusals import VALIDATION, validation_fields
from tests.accounts.fixtures import csrf_of, login, make_user
from tests.test_authz_matrix import routes

MISSING = "999999"
ENGLISH = re.compile(r"\b(no|not|with|the|of|is|required|should|allowed|expected|input|field|log in|must|at least|at most)\b",
                     re.IGNORECASE)


def _missing_path(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: MISSING if m.group(1).endswith("id") else "no-such", path)


def test_every_api_refusal_of_a_missing_object_is_in_the_reader_language(client, db):
    make_user(db, "admin@example.org", admin=True)
    make_user(db, "plain@example.org")
    table = [(m, p) for m, p, _r in routes(client.app) if p.startswith("/api/v1/") and "{" in p]
    assert len(table) > 60
    wrong: list[tuple] = []
    seen: dict[int, int] = {}
    for who in ("admin@example.org", "plain@example.org", None):
        client.cookies.clear()
        if who:
            assert login(client, who).status_code == 303
        token = {"X-CSRF-Token": csrf_of(client, "/account/login")}
        # the administrator walks every route (the lookups); the member and the visitor one route
        # per method and room (the policy's 403 and 401 are the same answer within a room)
        walked = table if who == "admin@example.org" else list({(m, p.split("/")[3]): (m, p) for m, p in table}.values())
        for method, path in walked:
            answers = []
            for lang in ("fr", "en"):
                r = client.request(method, _missing_path(path), params={"lang": lang}, headers=token,
                                   json={} if method in ("POST", "PUT", "PATCH") else None)
                json_answer = r.status_code >= 400 and r.headers["content-type"] == "application/json"
                answers.append((r.status_code, r.json() if json_answer else r.text))
            (status, fr), (_, en) = answers
            if status < 400:
                continue
            seen[status] = seen.get(status, 0) + 1
            if not isinstance(fr, dict) or "detail" not in fr or not fr.get("message") or fr["message"] == en.get("message") \
                    or ENGLISH.search(fr["message"]):
                wrong.append((who, method, path, status, fr, en))
    assert wrong == [], "\n".join(map(str, wrong))
    assert seen.get(404, 0) > 50 and seen.get(401, 0) > 10 and seen.get(403, 0) and seen.get(422, 0), seen


def test_a_value_refused_before_the_handler_names_its_field_in_both_languages(client):
    r = client.get("/api/v1/occupations/H23", params={"lang": "fr"})
    body = r.json()
    assert r.status_code == 422 and body["field"] == "code" and body["detail"][0]["field"] == "code"
    assert body["message"] == "code\u202f: pas au format attendu (^[A-Na-n][0-9]{4}$)"
    english = client.get("/api/v1/occupations/H23", params={"lang": "en"}).json()
    assert english["message"] == "code: not in the expected form (^[A-Na-n][0-9]{4}$)"
    assert english["detail"] == body["detail"]  # FastAPI's own list, unchanged
    # pydantic's "'a', 'b' or 'c'" loses its English "or"; a type without a message id keeps pydantic's words
    fr = Translator("fr")
    choice = [{"type": "literal_error", "loc": ("query", "lang"), "msg": "Input should be 'fr' or 'en'",
               "ctx": {"expected": "'fr' or 'en'"}}]
    assert validation_fields(fr, choice) == {"field": "lang", "message": "lang\u202f: une de ces valeurs attendue\u202f: 'fr', 'en'"}
    other = [{"type": "uuid_parsing", "loc": ("body", "key"), "msg": "Input should be a valid UUID"}]
    assert validation_fields(fr, other)["message"] == "key\u202f: Input should be a valid UUID"


@pytest.mark.parametrize("msgid", sorted({m for m, _ in VALIDATION.values()}))
def test_every_validation_message_has_its_french_form(msgid):
    fr = Translator("fr")
    params = {name: 1 for name in re.findall(r"\{(\w+)\}", msgid)}
    assert fr(msgid, **params) != Translator("en")(msgid, **params), msgid


def test_the_forms_missing_objects_answer_in_the_reader_language(client, db):
    """The duplicates review (a pair, a merge), an inferred capability and a roadmap action: their
    404 was the service's English text on a French page and in the JSON answer."""
    from tests.contributions.helpers import add_actor

    actor = add_actor(db, "Yposkesi", "91000")
    make_user(db, "admin@example.org", admin=True)
    assert login(client, "admin@example.org").status_code == 303
    csrf = csrf_of(client, "/account")
    asks = [("POST", f"/admin/duplicates/{MISSING}/merge", None, "Aucune paire de doublons possibles ne porte ce numéro.",
             "No pair of possible duplicates with this number."),
            ("POST", f"/admin/duplicates/{MISSING}/reject", None, "Aucune paire de doublons possibles ne porte ce numéro.",
             "No pair of possible duplicates with this number."),
            ("POST", f"/admin/duplicates/merges/{MISSING}/undo", None, "Aucune fusion ne porte ce numéro.",
             "No merge with this number."),
            ("POST", f"/actors/{actor}/inferred", {"facet": "modalities", "code": "aav", "decision": "reject"},
             "Cet acteur n'a pas cette capacité déduite.", "This actor has no such inferred capability.")]
    for method, path, form, french, english in asks:
        data = {"csrf_token": csrf, **(form or {})}
        page = client.request(method, path, params={"lang": "fr"}, data=data, headers={"Accept": "text/html"})
        assert page.status_code == 404 and french.replace("'", "&#39;") in page.text, (path, page.text[-600:])
        for lang, text in (("fr", french), ("en", english)):
            r = client.request(method, path, params={"lang": lang}, data=data)
            assert r.status_code == 404 and r.json()["message"] == text, (path, r.json())
    for lang, text in (("fr", "Aucune action de feuille de route ne porte ce numéro."),
                       ("en", "No roadmap action with this number.")):
        r = client.patch(f"/api/v1/roadmaps/actions/{MISSING}", params={"lang": lang}, json={"status": "done"},
                         headers={"X-CSRF-Token": csrf})
        assert r.status_code == 404 and r.json() == {"detail": f"no roadmap action with id {MISSING}",
                                                     "field": "action_id", "message": text}


def test_the_rooms_value_refusals_answer_in_the_reader_language(client, db):
    """A room's own 422 (a search box, an opportunity filter, the map's viewport, an import's file,
    a proposal that changes nothing): `detail` as before, `field` and `message` in the reader's language."""
    from tests.contributions.helpers import add_actor

    actor = add_actor(db, "Yposkesi", "91000")
    make_user(db, "ann@example.org")
    bearer = {"Authorization": "Bearer " + "t" * 32}
    asks = [
        ("GET", "/api/v1/search", {"q": "bio", "bbox": "1,2"}, {}, "bbox", "attendu\u202f: quatre nombres ouest,sud,est,nord",
         "expected four numbers west,south,east,north"),
        ("GET", "/api/v1/opportunities", {"modality": "licorne"}, {}, "modality",
         "code inconnu\u202f: 'licorne' (taxonomie modalities)", "unknown code 'licorne' (taxonomy modalities)"),
        ("GET", "/api/v1/opportunities", {"region": "xx"}, {}, "region", None, "unknown region code 'xx'"),
        ("GET", "/api/v1/map/clusters", {"bbox": "1,2,3", "zoom": "5"}, {}, "bbox",
         "4 nombres séparés par des virgules attendus (ouest,sud,est,nord), 3 reçus",
         "expected 4 comma-separated numbers (west,south,east,north), got 3"),
        ("GET", "/api/v1/map/clusters", {"bbox": "1,40,5,45", "zoom": "x"}, {}, "zoom", "pas un nombre\u202f: 'x'",
         "not a number: 'x'"),
        ("POST", "/api/v1/imports/actors", {}, {"files": {"file": ("actors.pdf", b"%PDF", "application/pdf")},
                                                "headers": bearer}, "file",
         "type de fichier non pris en charge (.pdf)\u202f: envoyez un .csv ou un .xlsx",
         "unsupported file type .pdf: send .csv or .xlsx"),
    ]
    for method, path, params, extra, field, french, english in asks:
        answers = {}
        for lang in ("fr", "en"):
            r = client.request(method, path, params={**params, "lang": lang}, **extra)
            assert r.status_code == 422 and r.json()["field"] == field, (path, r.json())
            answers[lang] = r.json()
        assert answers["fr"]["detail"] == answers["en"]["detail"]  # the API's English detail, unchanged
        assert answers["en"]["message"] == english and answers["fr"]["message"] != english, answers
        assert french is None or answers["fr"]["message"] == french, answers["fr"]
        assert not ENGLISH.search(answers["fr"]["message"]), answers["fr"]
    for lang, text in (("fr", "fuseau horaire inconnu\u202f: 'Mars/Olympus'"), ("en", "unknown time zone 'Mars/Olympus'")):
        r = client.post("/api/v1/calls", params={"lang": lang}, json={"timezone": "Mars/Olympus"}, headers=bearer)
        assert r.status_code == 422 and r.json() == {  # the calls API's body refusals (calls.api_body.bad)
            "detail": {"field": "timezone", "message": "timezone: unknown time zone 'Mars/Olympus'"},
            "field": "timezone", "message": text}, r.json()
    for lang, text in (("fr", "action non autorisée\u202f: account.self"), ("en", "not allowed: account.self")):
        r = client.post("/api/v1/opportunities/alerts", params={"lang": lang}, json={}, headers=bearer)  # no account
        assert r.status_code == 403 and r.json() == {"detail": "not allowed: account.self", "message": text}, r.json()
    assert login(client, "ann@example.org").status_code == 303
    r = client.post(f"/api/v1/actors/{actor}/proposals", params={"lang": "fr"}, json={"fields": {"name": "Yposkesi"}},
                    headers={"X-CSRF-Token": csrf_of(client, "/account")})
    assert r.status_code == 422 and r.json() == {"detail": "fields: nothing differs from the actor's current values",
                                                 "field": "fields",
                                                 "message": "rien ne diffère des valeurs actuelles de l'acteur"}


def test_a_conflict_of_the_api_is_said_in_the_reader_language(client, db):
    """A 409 of a room (the job board's Conflict, a FieldError): `detail` the English text as before,
    `message` the reader's."""
    from tests.contributions.helpers import add_actor
    from tests.jobboard.helpers import add_rome, make_offer

    add_rome(db)
    ypo = add_actor(db, "Yposkesi", "91000")
    make_user(db, "ann@example.org", roles=[("member", "actor", ypo)])
    offer = make_offer(db, actor_id=ypo)
    assert login(client, "ann@example.org").status_code == 303
    csrf = {"X-CSRF-Token": csrf_of(client, "/account")}
    assert client.post(f"/api/v1/jobboard/offers/{offer}/close", headers=csrf).status_code == 200
    for lang, text in (("fr", "l'offre est déjà close"), ("en", "the offer is already closed")):
        again = client.post(f"/api/v1/jobboard/offers/{offer}/close", params={"lang": lang}, headers=csrf)
        assert again.status_code == 409 and again.json() == {"detail": "the offer is already closed", "message": text}


def test_a_profile_not_yet_written_is_said_in_the_reader_language(client, db):
    """Capacity: submitting or reviewing the profile of an actor that has none was the service's
    English text ("actor 5 has no capacity profile yet"), on the API and on a French page."""
    from tests.contributions.helpers import add_actor

    actor = add_actor(db, "Fournisseur test (synthétique)", "91000", kind="cdmo")
    bearer = {"Authorization": "Bearer " + "t" * 32}
    for path, body in ((f"/api/v1/capacity/actors/{actor}/submit", None),
                       (f"/api/v1/capacity/actors/{actor}/review", {"decision": "verify"})):
        for lang, text in (("fr", "Cet acteur n'a pas encore de profil de capacités."),
                           ("en", "This actor has no capacity profile yet.")):
            r = client.post(path, params={"lang": lang}, json=body, headers=bearer)
            assert r.status_code == 404 and r.json() == {"detail": f"actor {actor} has no capacity profile yet",
                                                         "field": "actor_id", "message": text}, r.json()


def test_a_role_grant_refused_is_said_in_the_reader_language(client, db):
    """An administrator's grant to an unknown address (404) or granted twice (409): English text only, before."""
    from tests.contributions.helpers import add_actor

    actor = add_actor(db, "Genethon", "91000")
    make_user(db, "admin@example.org", admin=True)
    make_user(db, "user@example.org")
    assert login(client, "admin@example.org").status_code == 303
    csrf = {"X-CSRF-Token": csrf_of(client, "/account")}
    grant = {"email": "user@example.org", "role": "member", "scope_kind": "actor", "scope_value": str(actor)}
    assert client.post("/api/v1/admin/roles", json=grant, headers=csrf).status_code == 201
    asks = [({**grant, "email": "nobody@example.org"}, 404, "no account with the address 'nobody@example.org'",
             {"field": "email"}, "Aucun compte n'a cette adresse e-mail.", "No account with this e-mail address."),
            (grant, 409, "this user already has this role", {}, "cette personne a déjà ce rôle",
             "this user already has this role")]
    for body, status, detail, field, french, english in asks:
        for lang, text in (("fr", french), ("en", english)):
            r = client.post("/api/v1/admin/roles", params={"lang": lang}, json=body, headers=csrf)
            assert r.status_code == status and r.json() == {"detail": detail, **field, "message": text}, r.json()


def test_the_observatory_forms_refusals_are_said_in_the_reader_language(client, db):
    """A region page's unknown `scope` and a roadmap action's unknown status: English on French pages, before."""
    from sqlalchemy import select

    from bioatlas.observatory.models import Roadmap, RoadmapAction, RoadmapAxis
    from bioatlas.observatory.reference import load_reference

    with db() as s:
        load_reference(s)
        s.commit()
        action = s.scalar(select(RoadmapAction.id).join(RoadmapAxis).join(Roadmap)
                          .where(Roadmap.code == "idf-assises-2021").limit(1))
    html = {"Accept": "text/html"}
    page = client.get("/observatory/regions/11", params={"scope": "bogus", "lang": "fr"}, headers=html)
    assert page.status_code == 422 and "scope\u202f: une de ces valeurs attendue\u202f: sector, all" in page.text
    r = client.get("/observatory/regions/11", params={"scope": "bogus", "lang": "en"})
    assert r.json() == {"detail": {"field": "scope", "message": "scope: expected one of sector, all"},
                        "field": "scope", "message": "expected one of sector, all"}
    make_user(db, "admin@example.org", admin=True)
    assert login(client, "admin@example.org").status_code == 303
    url = f"/observatory/roadmaps/idf-assises-2021/actions/{action}"
    data = {"status": "finished", "csrf_token": csrf_of(client, "/observatory/roadmaps/idf-assises-2021")}
    page = client.post(url, params={"lang": "fr"}, data=data, headers=html)
    assert page.status_code == 422 and "status\u202f: &#39;finished&#39; ne fait pas partie de\u202f: " in page.text, page.text[-800:]


def test_an_account_change_refused_is_said_in_the_reader_language(client, db):
    """The account's time zone (PATCH /account) and a role grant's scope that does not fit the role:
    their 422s were the English text only; `detail` is unchanged."""
    make_user(db, "admin@example.org", admin=True)
    make_user(db, "user@example.org")
    assert login(client, "admin@example.org").status_code == 303
    csrf = {"X-CSRF-Token": csrf_of(client, "/account")}
    for lang, text in (("fr", "Choisissez un fuseau horaire dans la liste."), ("en", "Choose a time zone from the list.")):
        r = client.patch("/api/v1/account", params={"lang": lang}, json={"time_zone": "Mars/Olympus"}, headers=csrf)
        assert r.status_code == 422 and r.json() == {
            "detail": [{"field": "time_zone", "message": "Choose a time zone from the list."}],
            "field": "time_zone", "message": text}, r.json()
    grant = {"email": "user@example.org", "role": "editor", "scope_kind": "region", "scope_value": "99"}
    for lang, text in (("fr", "'99' n'est pas un code de région INSEE (rôles d'éditeur seulement)"),
                       ("en", "'99' is not an INSEE region code (editor roles only)")):
        r = client.post("/api/v1/admin/roles", params={"lang": lang}, json=grant, headers=csrf)
        assert r.status_code == 422 and r.json() == {
            "detail": "scope_value: '99' is not an INSEE region code (editor roles only)",
            "field": "scope_value", "message": text}, r.json()
    for lang, text in (("fr", "aucun acteur ne porte le numéro '999999'"), ("en", "no actor with the number '999999'")):
        r = client.post("/api/v1/admin/roles", params={"lang": lang}, headers=csrf,
                        json={**grant, "role": "member", "scope_kind": "actor", "scope_value": "999999"})
        assert r.status_code == 422 and r.json() == {"detail": "scope_value: no actor with id '999999'",
                                                     "field": "scope_value", "message": text}, r.json()

"""Capacity profiles (the offer directory): validation, the directory's filter, the member →
editor workflow over HTTP (CSRF, policy, audit), the JSON API, the map layer, the actor page's
panel, personal data and the demo step. Providers here are synthetic test actors."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from bioatlas.accounts.models import User
from bioatlas.atlas.service import gazetteer
from bioatlas.capacity import demo, service
from bioatlas.capacity.fields import FieldError, clean
from bioatlas.capacity.models import CapacityProfile
from bioatlas.notifications.models import Notification
from bioatlas.capacity.query import line_reasons, parse_query
from bioatlas.core.moments import DAY_PATTERNS
from tests.accounts.fixtures import audit_events, csrf_of, login, make_user
from tests.contributions.helpers import add_actor

TODAY = date.today()
SOON, LATER = (TODAY + timedelta(days=10)).isoformat(), (TODAY + timedelta(days=200)).isoformat()
FRANCE = "-5.5,41.0,10.0,51.5"


def profile(**changes) -> dict:
    doc = {
        "summary_fr": "Production de vecteurs AAV (test).", "summary_en": "AAV vector production (test).",
        "lines": [{"step": "upstream", "modalities": ["aav"], "expression_systems": ["hek293"], "scale_min_l": 50,
                   "scale_max_l": 500, "gmp": "gmp_clinical", "batch_types": ["engineering", "clinical"]}],
        "certifications": ["gmp_ansm", "bsl2"], "available_from": SOON, "available_to": LATER, "on_request": False,
        "contact_kind": "url", "contact_value": "https://bioatlas.invalid/test/contact",
    }
    doc.update(changes)
    return doc


def line(**changes) -> dict:
    return {**profile()["lines"][0], **changes}


# --- validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize("changes, field", [
    ({"lines": [line(scale_min_l=600)]}, "lines[0].scale_min_l"),
    ({"lines": [line(scale_max_l=None)]}, "lines[0].scale_max_l"),
    ({"lines": [line(modalities=["aav", "unicorn"])]}, "lines[0].modalities"),
    ({"lines": [line(step="teleportation")]}, "lines[0].step"),
    ({"lines": [line(gmp="gmp_galactic")]}, "lines[0].gmp"),
    ({"lines": [line(batch_types=["party"])]}, "lines[0].batch_types"),
    ({"lines": [line(modalities=[])]}, "lines[0].modalities"),
    ({"lines": []}, "lines"),
    ({"certifications": ["iso9999"]}, "certifications"),
    ({"available_from": "2020-01-01", "available_to": "2020-06-30"}, "available_to"),
    ({"available_to": SOON, "available_from": LATER}, "available_to"),
    ({"available_from": "", "available_to": ""}, "available_from"),
    ({"on_request": True}, "on_request"),
    ({"summary_fr": "<script>alert(1)</script>"}, "summary_fr"),
    ({"summary_en": "Click <a href='x'>here</a>"}, "summary_en"),
    ({"summary_fr": "x" * 1_000_000}, "summary_fr"),
    ({"summary_fr": "Texte \u202e inversé"}, "summary_fr"),
    ({"contact_kind": "pigeon"}, "contact_kind"),
    ({"contact_kind": "email", "contact_value": "not an address"}, "contact_value"),
    ({"contact_kind": "url", "contact_value": "javascript:alert(1)"}, "contact_value"),
    ({"contact_kind": "url", "contact_value": "http://plain.example"}, "contact_value"),
    ({"verified": True}, "verified"),
])
def test_bad_input_names_the_field(taxonomies, changes, field):
    with pytest.raises(FieldError) as caught:
        clean(profile(**changes), taxonomies, today=TODAY)
    assert caught.value.field == field


def test_a_good_profile_is_cleaned(taxonomies):
    doc = clean(profile(lines=[line(scale_min_l="50", scale_max_l="500,5")], on_request="",
                        certifications="gmp_ansm,bsl2"), taxonomies, today=TODAY)
    assert doc["lines"][0]["scale_min_l"] == 50.0 and doc["lines"][0]["scale_max_l"] == 500.5
    assert doc["certifications"] == ["gmp_ansm", "bsl2"] and doc["on_request"] is False
    on_request = clean(profile(available_from="", available_to="", on_request="1"), taxonomies, today=TODAY)
    assert on_request["on_request"] is True and on_request["available_from"] is None
    # a window already open counts (from in the past, to in the future)
    assert clean(profile(available_from="2020-01-01"), taxonomies, today=TODAY)["available_from"] == "2020-01-01"


def test_query_parameters(taxonomies):
    q = parse_query({"modality": ["AAV"], "step": ["upstream"], "min_litres": ["200"], "gmp": ["gmp_clinical"],
                     "region": ["Île-de-France"]}, taxonomies=taxonomies, gazetteer=gazetteer(), today=TODAY)
    assert q.modalities == {"aav"} and q.steps == {"upstream"} and q.min_litres == 200 and q.regions == {"11"}
    assert q.chosen["modality"] == ("aav",)
    wide = parse_query({"modality": ["viral_vector"]}, taxonomies=taxonomies, gazetteer=gazetteer(), today=TODAY)
    assert {"aav", "lentiviral", "viral_vector"} <= wide.modalities
    for params, field in [({"modality": ["unicorn"]}, "modality"), ({"min_litres": ["lots"]}, "min_litres"),
                          ({"gmp": ["maybe"]}, "gmp"), ({"region": ["Atlantis"]}, "region"),
                          ({"available_on": ["2001-01-01"]}, "available_on"), ({"min_litres": ["-3"]}, "min_litres")]:
        with pytest.raises(FieldError) as caught:
            parse_query(params, taxonomies=taxonomies, gazetteer=gazetteer(), today=TODAY)
        assert caught.value.field == field


# --- the directory's filter --------------------------------------------------------------------------


def _publish(db, taxonomies, actor_id: int, doc: dict) -> None:
    with db() as s:
        service.save_draft(s, user_id=None, ip=None, actor_id=actor_id, raw=doc, taxonomies=taxonomies)
        service.submit(s, user_id=None, ip=None, actor_id=actor_id, taxonomies=taxonomies)
        service.review(s, user_id=None, ip=None, actor_id=actor_id, decision="verify")


@pytest.fixture
def providers(db, taxonomies):
    ids = {
        "idf_aav": add_actor(db, "Fournisseur test A (synthétique)", "91000", kind="tech_platform"),
        "lyon_mab": add_actor(db, "Fournisseur test B (synthétique)", "69007", kind="cdmo"),
        "idf_small": add_actor(db, "Fournisseur test C (synthétique)", "75013", kind="cdmo"),
    }
    _publish(db, taxonomies, ids["idf_aav"], profile())
    _publish(db, taxonomies, ids["lyon_mab"], profile(
        lines=[line(modalities=["mab"], expression_systems=["cho"], scale_min_l=200, scale_max_l=2000,
                    gmp="gmp_commercial", batch_types=["commercial"])],
        available_from="", available_to="", on_request=True, certifications=["gmp_ansm", "iso9001"]))
    # AAV upstream at GMP clinical, but small; its large line is not GMP: no single line meets all
    _publish(db, taxonomies, ids["idf_small"], profile(lines=[
        line(scale_min_l=1, scale_max_l=50), line(scale_min_l=200, scale_max_l=1000, gmp="none")]))
    return ids


def _search(db, taxonomies, **params):
    q = parse_query({k: [v] for k, v in params.items()}, taxonomies=taxonomies, gazetteer=gazetteer(), today=TODAY)
    with db() as s:
        return service.search_offers(s, query=q)


def test_search_meets_every_condition_on_one_line(db, taxonomies, providers):
    found = _search(db, taxonomies, modality="aav", step="upstream", min_litres="200", gmp="gmp_clinical", region="11")
    assert [o.actor_id for o in found.offers] == [providers["idf_aav"]] and found.total == 1
    assert found.offers[0].matched_lines == (0,)
    assert found.offers[0].reasons == ((("modality", "aav", True), ("step", "upstream", True), ("scale", "50-500", True),
                                        ("gmp", "gmp_clinical", True)),)
    # the reasons also say what a line misses (partner search ranks partial fits)
    q = parse_query({"modality": ["aav"], "min_litres": ["200"], "gmp": ["gmp_clinical"]}, taxonomies=taxonomies,
                    gazetteer=gazetteer(), today=TODAY)
    assert line_reasons(line(scale_min_l=200, scale_max_l=1000, gmp="none"), q) == [
        ("modality", "aav", True), ("scale", "200-1000", True), ("gmp", "none", False)]
    # GMP clinical is met by a commercial grade; a scale asked below a line's minimum is not
    assert {o.actor_id for o in _search(db, taxonomies, gmp="gmp_clinical", min_litres="1000").offers} == {providers["lyon_mab"]}
    assert {o.actor_id for o in _search(db, taxonomies, max_litres="10").offers} == {providers["idf_small"]}
    assert {o.actor_id for o in _search(db, taxonomies, modality="viral_vector").offers} == {providers["idf_aav"], providers["idf_small"]}
    assert {o.actor_id for o in _search(db, taxonomies, certification="iso9001").offers} == {providers["lyon_mab"]}
    assert {o.actor_id for o in _search(db, taxonomies, kind="cdmo", region="11").offers} == {providers["idf_small"]}
    assert _search(db, taxonomies, available_on=(TODAY + timedelta(days=1)).isoformat()).total == 1  # on request only
    everything = _search(db, taxonomies)
    assert everything.total == 3
    assert everything.facets["region"] == {"11": 2, "84": 1} and everything.facets["kind"] == {"cdmo": 2, "tech_platform": 1}
    assert sum(everything.facets["kind"].values()) == everything.total


# --- the workflow over HTTP --------------------------------------------------------------------------


def _as(client, email):
    client.cookies.clear()
    assert login(client, email).status_code == 303


def _form(doc: dict, csrf: str, then: str = "save") -> dict:
    data: dict = {"csrf_token": csrf, "then": then, "summary_fr": doc["summary_fr"], "summary_en": doc["summary_en"],
                  "available_from": doc["available_from"] or "", "available_to": doc["available_to"] or "",
                  "contact_kind": doc["contact_kind"], "contact_value": doc["contact_value"],
                  "certifications": doc["certifications"]}
    if doc["on_request"]:
        data["on_request"] = "1"
    for i, ln in enumerate(doc["lines"]):
        for key, value in ln.items():
            data[f"line-{i}-{key}"] = "" if value is None else value
    return data


def _count(db) -> int:
    with db() as s:
        return s.scalar(select(func.count()).select_from(CapacityProfile))


def test_members_fill_in_editors_verify(client, db, taxonomies):
    a = add_actor(db, "Fournisseur test A (synthétique)", "91000", kind="tech_platform")
    make_user(db, "member@test.invalid", roles=[("member", "actor", a)])
    make_user(db, "editor@test.invalid", roles=[("editor", "region", "11")])
    make_user(db, "far-editor@test.invalid", roles=[("editor", "region", "84")])
    make_user(db, "someone@test.invalid")
    edit = f"/capacity/actors/{a}/edit"
    # a stranger is refused (403) and the refusal audited; nothing stored
    _as(client, "someone@test.invalid")
    refused_before = len(audit_events(db, "refused"))
    r = client.post(edit, data=_form(profile(), csrf_of(client, "/capacity")))
    assert r.status_code == 403 and _count(db) == 0
    assert len(audit_events(db, "refused")) == refused_before + 1
    # the member: no CSRF token, refused; bad input: 422 naming the field, nothing stored, audited
    _as(client, "member@test.invalid")
    panel = client.get(f"/actors/{a}", params={"lang": "fr"}).text  # the actor page leads members to the form
    assert f'href="/capacity/actors/{a}/edit"' in panel and "Aucun profil de capacités publié" in panel
    assert client.post(edit, data={**_form(profile(), ""), "csrf_token": "forged"}).status_code == 403
    csrf = csrf_of(client, edit)
    bad = client.post(edit, data=_form(profile(lines=[line(scale_min_l=900)]), csrf))
    assert bad.status_code == 422 and "lines[0].scale_min_l" in bad.text and _count(db) == 0
    last = audit_events(db, "refused")[-1]
    assert json.loads(last.detail)["field"] == "lines[0].scale_min_l" and last.target == f"capacity:{a}"
    assert client.post(edit, data=_form(profile(summary_fr="<b>x</b>"), csrf)).status_code == 422
    # save and submit through the form
    r = client.post(edit, data=_form(profile(), csrf, then="submit"), follow_redirects=False)
    assert r.status_code == 303
    assert 'data-status="submitted"' in client.get(edit).text
    assert client.get(f"/api/v1/capacity/actors/{a}").status_code == 404  # not public before verification
    # an editor of another region cannot verify; the region's editor sees it in the queue and verifies
    _as(client, "far-editor@test.invalid")
    csrf = csrf_of(client, "/capacity/review")
    assert f'data-actor="{a}"' not in client.get("/capacity/review").text
    assert client.post(f"/capacity/actors/{a}/review", data={"csrf_token": csrf, "decision": "verify"}).status_code == 403
    _as(client, "editor@test.invalid")
    csrf = csrf_of(client, "/capacity/review")
    assert 'href="/capacity/review"' in client.get("/capacity").text  # editors get the link in the top bar
    assert f'data-actor="{a}"' in client.get("/capacity/review").text
    r = client.post(f"/capacity/actors/{a}/review", data={"csrf_token": csrf, "decision": "reject"})
    assert r.status_code == 422 and "reason" in r.text  # a rejection needs a reason
    r = client.post(f"/capacity/actors/{a}/review", data={"csrf_token": csrf, "decision": "verify"}, follow_redirects=False)
    assert r.status_code == 303
    public = client.get(f"/api/v1/capacity/actors/{a}").json()
    assert public["verified"] and public["lines"][0]["scale"] == "50–500 L" and public["lines"][0]["gmp"]["code"] == "gmp_clinical"
    # editing a verified profile sends it back to review; the verified version stays public meanwhile
    _as(client, "member@test.invalid")
    csrf = csrf_of(client, edit)
    changed = profile(lines=[line(scale_max_l=1000)])
    assert client.post(edit, data=_form(changed, csrf), follow_redirects=False).status_code == 303
    assert client.get(f"/api/v1/capacity/actors/{a}").json()["lines"][0]["scale_max_l"] == 500
    page = client.get(edit).text
    assert 'data-status="draft"' in page and "reste publique" in page
    assert client.post(f"/capacity/actors/{a}/submit", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    # submitting twice is a conflict (409), audited
    again = client.post(f"/capacity/actors/{a}/submit", data={"csrf_token": csrf}, headers={"accept": "text/html"})
    assert again.status_code == 409 and "le profil est soumis\u202f: seul un profil en brouillon ou refusé" in again.text
    _as(client, "editor@test.invalid")
    csrf = csrf_of(client, "/capacity/review")
    r = client.post(f"/capacity/actors/{a}/review", data={"csrf_token": csrf, "decision": "reject",
                                                          "reason": "Échelle 1000 L non documentée"}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get(f"/api/v1/capacity/actors/{a}").json()["lines"][0]["scale_max_l"] == 500
    _as(client, "member@test.invalid")
    assert "Échelle 1000 L non documentée" in client.get(edit).text
    with db() as s:  # the member was told both decisions, with the reason
        told = list(s.scalars(select(Notification).where(Notification.kind == "capacity.reviewed").order_by(Notification.id)))
        assert [n.subject for n in told] == [
            "Profil de capacités de Fournisseur test A (synthétique)\u202f: vérifié et publié",
            "Profil de capacités de Fournisseur test A (synthétique)\u202f: refusé"]
        assert "Échelle 1000 L non documentée" in told[1].body and told[1].link == edit
    actions = [json.loads(e.detail)["action"] for e in audit_events(db, "capacity")]
    assert actions == ["save", "submit", "verify", "save", "submit", "reject"]


def test_api_directory_page_and_map(client, db, taxonomies, providers):
    r = client.get("/api/v1/capacity/offers", params={"modality": "aav", "step": "upstream", "min_litres": "200",
                                                       "gmp": "gmp_clinical", "region": "11", "lang": "en"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 1 and body["offers"][0]["actor_id"] == providers["idf_aav"]
    assert body["offers"][0]["lines"][0]["modalities"] == [{"code": "aav", "label": "AAV vectors"}]
    assert [(r["label"], r["met"]) for r in body["offers"][0]["reasons"]["0"]] == [
        ("AAV vectors", True), ("Upstream processing (USP)", True), ("50–500 L", True), ("GMP (clinical)", True)]
    assert body["query"] == {"modality": ["aav"], "step": ["upstream"], "gmp": ["gmp_clinical"], "min_litres": ["200"],
                             "region": ["11"]}
    bad = client.get("/api/v1/capacity/offers", params={"modality": "unicorn"})
    assert bad.status_code == 422 and bad.json()["detail"]["field"] == "modality"
    page = client.get("/capacity", params={"modality": "aav", "step": "upstream", "min_litres": "200",
                                           "gmp": "gmp_clinical", "region": "11"})
    assert page.status_code == 200 and 'data-total="1"' in page.text and "Fournisseur test A" in page.text
    assert "Fournisseur test B" not in page.text
    assert 'href="/capacity/review"' not in page.text  # anonymous: no review link
    assert client.get("/capacity", params={"min_litres": "9", "max_litres": "x"}).status_code == 422
    # a facet value links to the directory with that filter added
    full = client.get("/capacity", params={"region": "11"}).text
    assert 'href="/capacity?region=11&amp;kind=cdmo"' in full
    assert 'class="facet-value chosen" href="/capacity" data-facet-value="11"' in full  # chosen: the link removes it
    english = client.get("/capacity", params={"lang": "en"}).text
    assert "3 matching offers" in english
    offer = client.get(f"/capacity/actors/{providers['lyon_mab']}", params={"lang": "fr"})
    assert offer.status_code == 200 and "200–2000 L" in offer.text and "Sur demande" in offer.text
    assert client.get(f"/capacity/actors/{providers['lyon_mab'] + 1000}").status_code == 404
    # the actor page shows the panel
    actor_page = client.get(f"/actors/{providers['idf_aav']}", params={"lang": "fr"}).text
    assert 'id="capacity"' in actor_page and "50–500 L" in actor_page
    # its availability's days as the reader writes them, not ISO dates ("Du 2026-12-17 au 2027-06-25")
    written = [format_date(date.fromisoformat(d), DAY_PATTERNS["long"], locale="fr") for d in (SOON, LATER)]
    assert f"Du {written[0]} au {written[1]}" in actor_page and SOON not in actor_page.split('id="capacity"')[1]
    # the map layer, filtered like the directory
    layers = {x["name"] for x in client.get("/api/v1/map/layers").json()["layers"]}
    assert "capacity-offers" in layers
    features = client.get("/api/v1/map/layers/capacity-offers", params={"bbox": FRANCE, "modality": "mab"}).json()["features"]
    assert [f["properties"]["title"] for f in features] == ["Fournisseur test B (synthétique)"]
    assert features[0]["properties"]["url"] == f"/capacity/actors/{providers['lyon_mab']}"
    assert client.get("/api/v1/map/layers/capacity-offers", params={"bbox": FRANCE, "gmp": "x"}).status_code == 422


def test_api_writes_for_members(client, db, taxonomies):
    a = add_actor(db, "Fournisseur test A (synthétique)", "91000", kind="cdmo")
    token = {"Authorization": "Bearer " + "t" * 32}  # the admin token (scripts)
    r = client.put(f"/api/v1/capacity/actors/{a}", json=profile(lines=[line(modalities=["nope"])]), headers=token)
    assert r.status_code == 422 and r.json()["detail"]["field"] == "lines[0].modalities" and _count(db) == 0
    r = client.put(f"/api/v1/capacity/actors/{a}", json=profile(), headers=token)
    assert r.status_code == 200 and r.json()["status"] == "draft"
    assert client.get(f"/api/v1/capacity/actors/{a}/draft", headers=token).json()["status"] == "draft"
    r = client.post(f"/api/v1/capacity/actors/{a}/review", json={"decision": "verify"}, headers=token)
    assert r.status_code == 409 and r.json()["detail"] == "status: the profile is draft, only a submitted profile can be reviewed"
    assert client.post(f"/api/v1/capacity/actors/{a}/submit", headers=token).status_code == 200
    r = client.post(f"/api/v1/capacity/actors/{a}/review", json={"decision": "perhaps"}, headers=token)
    assert r.status_code == 422 and r.json()["detail"]["field"] == "decision"
    assert client.post(f"/api/v1/capacity/actors/{a}/review", json={"decision": "verify"}, headers=token).status_code == 200
    assert client.get(f"/api/v1/capacity/actors/{a}").json()["verified"] is True
    assert client.put(f"/api/v1/capacity/actors/{a}", json=profile()).status_code == 401


def test_personal_data_export_and_erase(db, taxonomies):
    a = add_actor(db, "Fournisseur test A (synthétique)", "91000", kind="cdmo")
    uid = make_user(db, "member@test.invalid", roles=[("member", "actor", a)])
    doc = profile(contact_kind="email", contact_value="camille.test@bioatlas.invalid")
    with db() as s:
        service.save_draft(s, user_id=uid, ip=None, actor_id=a, raw=doc, taxonomies=taxonomies)
        service.submit(s, user_id=uid, ip=None, actor_id=a, taxonomies=taxonomies)
        service.review(s, user_id=None, ip=None, actor_id=a, decision="verify")
    with db() as s:
        assert service.export_personal(s, user_id=uid)[0]["contact_value"] == "camille.test@bioatlas.invalid"
        service.erase_personal(s, user_id=uid)
        s.commit()
    with db() as s:
        p = s.scalar(select(CapacityProfile))
        assert p.updated_by is None and p.draft["contact_value"] == "" and p.published["contact_value"] == ""
        assert service.export_personal(s, user_id=uid) == []
        assert s.scalar(select(User).where(User.id == uid)) is not None


def test_demo_step_is_synthetic_labelled_and_idempotent(db, taxonomies):
    first = demo.run(db, taxonomies=taxonomies)
    assert first == {"synthetic_providers": 4, "profiles_changed": 4, "kind": "synthetic"}
    assert demo.run(db, taxonomies=taxonomies)["profiles_changed"] == 0
    with db() as s:
        found = service.search_offers(s, query=parse_query(
            {"modality": ["aav"], "step": ["upstream"], "min_litres": ["200"], "gmp": ["gmp_clinical"], "region": ["11"]},
            taxonomies=taxonomies, gazetteer=gazetteer(), today=TODAY))
        assert [o.actor_name for o in found.offers] == ["Plateforme démo A (synthétique)"]
        every = service.search_offers(s).offers
        assert len(every) == 4 and all("(synthétique)" in o.actor_name for o in every)
        assert all(o.demo_note and o.demo_note.startswith("non vérifié — profil de démonstration") and not o.verified
                   for o in every)

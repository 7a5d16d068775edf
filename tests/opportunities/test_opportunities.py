"""Partner search: validation naming the field, the member → editor lifecycle over HTTP (policy,
CSRF, audit, nothing stored on a refusal), explainable matching (hard constraints first, one
suggestion per actor, reasons), expressions of interest opening a messaging thread, confidential
names, expiry and reminders, pages, personal data. Actors here are synthetic test actors."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from bioatlas.accounts.policy import ANONYMOUS
from bioatlas.atlas.service import (
    ActorRecord,
    SiteRecord,
    SourceRecord,
    gazetteer,
    get_or_create_source,
    upsert_actor,
)
from bioatlas.atlas.service import taxonomies as load_taxonomies
from bioatlas.capacity import demo as capacity_demo
from bioatlas.capacity import service as capacity
from bioatlas.messaging import service as messaging
from bioatlas.notifications.models import Notification
from bioatlas.observatory import compute
from bioatlas.opportunities import demo, service
from bioatlas.opportunities.fields import FieldError, clean
from bioatlas.opportunities.models import Interest, Opportunity
from tests.accounts.fixtures import audit_events, csrf_of, login, make_user
from tests.contributions.helpers import add_actor

TODAY = date.today()
SOON, LATER = (TODAY + timedelta(days=20)).isoformat(), (TODAY + timedelta(days=120)).isoformat()
TOKEN = {"Authorization": "Bearer " + "t" * 32}
LONG = "Production de lots cliniques de vecteurs AAV en bioréacteur, procédé amont et aval, documentation GMP (test)."


def doc(**changes) -> dict:
    out = {"direction": "offer", "kind": "capacity", "title_fr": "Lots AAV GMP 200-500 L (test)",
           "title_en": "GMP AAV batches 200-500 L (test)", "description_fr": LONG, "modalities": ["aav"],
           "steps": ["upstream"], "capacity": {"scale_min_l": 200, "scale_max_l": 500, "gmp": "gmp_clinical",
                                               "window_from": SOON, "window_to": LATER},
           "expires_on": LATER}
    out.update(changes)
    return out


def cap(**changes) -> dict:
    return {**doc()["capacity"], **changes}


# --- validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize("changes, field", [
    ({"capacity": cap(window_from="2020-01-01", window_to="2020-03-01")}, "capacity.window_to"),
    ({"capacity": cap(window_to=SOON, window_from=LATER)}, "capacity.window_to"),
    ({"capacity": cap(scale_min_l=900)}, "capacity.scale_min_l"),
    ({"capacity": cap(scale_max_l=None)}, "capacity.scale_max_l"),
    ({"capacity": cap(gmp="gmp_galactic")}, "capacity.gmp"),
    ({"capacity": cap(colour="blue")}, "capacity.colour"),
    ({"capacity": None}, "capacity"),
    ({"modalities": ["aav", "unicorn"]}, "modalities"),
    ({"steps": ["teleportation"]}, "steps"),
    ({"title_fr": "<script>alert(1)</script>"}, "title_fr"),
    ({"description_en": "Click <a href='x'>here</a>"}, "description_en"),
    ({"description_fr": "x" * 1_000_000}, "description_fr"),
    ({"title_fr": "", "title_en": ""}, "title_fr"),
    ({"direction": "sideways"}, "direction"),
    ({"kind": "rd_partner", "call_ref": ""}, "call_ref"),
    ({"regions": ["99"]}, "regions"),
    ({"countries": ["Germany"]}, "countries"),
    ({"partner_kinds": ["aliens"]}, "partner_kinds"),
    ({"deadline": "2020-01-01"}, "deadline"),
    ({"expires_on": (TODAY + timedelta(days=400)).isoformat()}, "expires_on"),
    ({"published": True}, "published"),
])
def test_bad_input_names_the_field(taxonomies, changes, field):
    with pytest.raises(FieldError) as caught:
        clean(doc(**changes), taxonomies, regions=gazetteer().regions, today=TODAY)
    assert caught.value.field == field


def test_a_good_document_is_cleaned(taxonomies):
    out = clean(doc(countries="de, it", regions=["11"], confidential="1", kind="rd_partner", call_ref="HORIZON-HLTH-2027-01",
                    capacity={}), taxonomies, regions=gazetteer().regions, today=TODAY)
    assert out["countries"] == ["DE", "IT"] and out["confidential"] is True and out["capacity"] is None
    assert out["expires_on"] == date.fromisoformat(LATER) and out["call_ref"] == "HORIZON-HLTH-2027-01"


# --- a world: a CDMO, a smaller one, a start-up, their members, an editor ---------------------------------


@pytest.fixture
def world(db, taxonomies):
    ids = {
        "cdmo": add_actor(db, "CDMO test A (synthétique)", "91000", kind="cdmo"),
        "small": add_actor(db, "CDMO test B (synthétique)", "75013", kind="cdmo"),
        "platform": add_actor(db, "Plateforme test C (synthétique)", "94000", kind="tech_platform"),
        "startup": add_actor(db, "Start-up test D (synthétique)", "75005", kind="startup"),
    }
    users = {
        "cdmo": make_user(db, "cdmo@test.invalid", roles=[("member", "actor", ids["cdmo"])]),
        "small": make_user(db, "small@test.invalid", roles=[("member", "actor", ids["small"])]),
        "startup": make_user(db, "startup@test.invalid", roles=[("member", "actor", ids["startup"])]),
        "editor": make_user(db, "editor@test.invalid", roles=[("editor", "region", "11")]),
        "someone": make_user(db, "someone@test.invalid"),
    }
    # a capacity profile (the directory of issue 9): AAV upstream, but only up to 100 L
    with db() as s:
        capacity.put_demo_profile(s, actor_id=ids["platform"], note="profil de test (synthétique)", taxonomies=taxonomies, doc={
            "summary_fr": "Vecteurs AAV (test)", "summary_en": "", "lines": [
                {"step": "upstream", "modalities": ["aav"], "scale_min_l": 10, "scale_max_l": 1000, "gmp": "gmp_clinical"},
                {"step": "downstream", "modalities": ["mab"], "scale_min_l": 1, "scale_max_l": 50, "gmp": "none"}],
            "certifications": [], "on_request": True, "contact_kind": "url", "contact_value": "https://bioatlas.invalid/c"})
        s.commit()
    return {"actors": ids, "users": users}


def _as(client, email):
    client.cookies.clear()
    assert login(client, email).status_code == 303
    return {"X-CSRF-Token": csrf_of(client, "/opportunities/review" if email.startswith("editor") else "/account")}


def _last_refused_field(db) -> str:
    return json.loads(audit_events(db, "refused")[-1].detail)["field"]


def _count(db, model=Opportunity) -> int:
    with db() as s:
        return s.scalar(select(func.count()).select_from(model))


def _publish(client, actor_id: int, body: dict) -> int:
    r = client.post(f"/api/v1/opportunities/actors/{actor_id}", json=body, headers=TOKEN)
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    assert client.post(f"/api/v1/opportunities/{oid}/submit", headers=TOKEN).status_code == 200
    assert client.post(f"/api/v1/opportunities/{oid}/review", json={"decision": "publish"}, headers=TOKEN).status_code == 200
    return oid


def test_lifecycle_matching_and_interest(client, db, world):
    a, u = world["actors"], world["users"]
    # a stranger cannot publish for the CDMO: 403, audited, nothing stored
    headers = _as(client, "someone@test.invalid")
    refused = len(audit_events(db, "refused"))
    r = client.post(f"/api/v1/opportunities/actors/{a['cdmo']}", json=doc(), headers=headers)
    assert r.status_code == 403 and _count(db) == 0 and len(audit_events(db, "refused")) == refused + 1
    # the CDMO's member: no CSRF token refused; bad input 422 naming the field, nothing stored, audited
    headers = _as(client, "cdmo@test.invalid")
    assert client.post(f"/api/v1/opportunities/actors/{a['cdmo']}", json=doc()).status_code == 403
    r = client.post(f"/api/v1/opportunities/actors/{a['cdmo']}", headers=headers,
                    json=doc(capacity=cap(scale_min_l=600)))
    assert r.status_code == 422 and r.json()["detail"]["field"] == "capacity.scale_min_l" and _count(db) == 0
    assert _last_refused_field(db) == "capacity.scale_min_l"
    # a draft failing a quality rule cannot be submitted (409 naming the rules)
    r = client.post(f"/api/v1/opportunities/actors/{a['cdmo']}", headers=headers, json=doc(description_fr="Court."))
    assert r.status_code == 201 and {q["met"] for q in r.json()["quality"]} == {True, False}
    short = r.json()["id"]
    r = client.post(f"/api/v1/opportunities/{short}/submit", headers=headers)
    assert r.status_code == 409 and r.json()["detail"]["field"] == "quality"
    # the real offer: created, submitted; not public before review (404 for others)
    r = client.post(f"/api/v1/opportunities/actors/{a['cdmo']}", headers=headers, json=doc())
    offer = r.json()["id"]
    assert client.post(f"/api/v1/opportunities/{offer}/submit", headers=headers).json()["status"] == "submitted"
    client.cookies.clear()
    assert client.get(f"/api/v1/opportunities/{offer}").status_code == 404
    assert client.get("/api/v1/opportunities").json()["total"] == 0
    # the members cannot publish it themselves; the region's editor does
    headers = _as(client, "cdmo@test.invalid")
    assert client.post(f"/api/v1/opportunities/{offer}/review", json={"decision": "publish"}, headers=headers).status_code == 403
    headers = _as(client, "editor@test.invalid")
    r = client.post(f"/api/v1/opportunities/{offer}/review", json={"decision": "perhaps"}, headers=headers)
    assert r.status_code == 422 and r.json()["detail"]["field"] == "decision"
    assert client.post(f"/api/v1/opportunities/{offer}/review", json={"decision": "publish"}, headers=headers).status_code == 200
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == u["cdmo"], Notification.kind == "opportunities.reviewed")) == 1
    # a smaller CDMO's offer (50 L, fails the scale) and an offer too far in time, both published
    _publish(client, a["small"], doc(capacity=cap(scale_min_l=1, scale_max_l=50)))
    _publish(client, a["small"], doc(capacity=cap(window_from=(TODAY + timedelta(days=200)).isoformat(),
                                                  window_to=(TODAY + timedelta(days=300)).isoformat())))
    # the start-up's request: AAV, 200 L at GMP clinical within the window
    request = _publish(client, a["startup"], doc(direction="request", title_fr="Besoin de lots AAV 200 L (test)",
                                                 capacity=cap(scale_min_l=200, scale_max_l=250, window_from=SOON,
                                                              window_to=(TODAY + timedelta(days=60)).isoformat())))
    listed = client.get("/api/v1/opportunities", params={"direction": "offer"}).json()
    assert listed["total"] == 3 and listed["facets"]["kind"] == {"capacity": 3}
    r = client.get(f"/api/v1/opportunities/{request}/matches")
    assert r.status_code == 200
    found = r.json()["matches"]
    # the CDMO first, with its reasons; the capacity profile (10-1000 L, on request) too; the small CDMO not
    assert found[0]["actor_id"] == a["cdmo"] and found[0]["source"] == "opportunity"
    reasons = {x["criterion"]: x["met"] for x in found[0]["reasons"]}
    assert reasons == {"scale": True, "gmp": True, "window": True, "modality": True, "step": True, "words": True,
                       "distance": True}
    distance = next(x["value"] for x in found[0]["reasons"] if x["criterion"] == "distance")
    assert distance.endswith(" km") and 20 <= int(distance[:-3]) <= 40  # Évry (91000) – Paris 5e (75005)
    assert [m["actor_id"] for m in found].count(a["cdmo"]) == 1
    assert a["small"] not in [m["actor_id"] for m in found]
    assert any(m["source"] == "capacity" and m["actor_id"] == a["platform"] for m in found)
    # the reverse: the CDMO's offer finds the start-up's request
    assert [m["opportunity_id"] for m in client.get(f"/api/v1/opportunities/{offer}/matches").json()["matches"]] == [request]
    # expressions of interest: on one's own refused (409), anonymous 401, bad input 422; nothing stored
    body = {"what": "Un besoin de 3 lots (test)", "why": "Essai clinique de phase I (test)", "message": "Bonjour"}
    client.cookies.clear()
    assert client.post(f"/api/v1/opportunities/{offer}/interest", json=body).status_code == 401
    headers = _as(client, "cdmo@test.invalid")
    r = client.post(f"/api/v1/opportunities/{offer}/interest", json=body, headers=headers)
    assert r.status_code == 409 and r.json()["detail"]["field"] == "opportunity"
    headers = _as(client, "startup@test.invalid")
    r = client.post(f"/api/v1/opportunities/{offer}/interest", json={**body, "why": "<b>x</b>"}, headers=headers)
    assert r.status_code == 422 and r.json()["detail"]["field"] == "why" and _count(db, Interest) == 0
    r = client.post(f"/api/v1/opportunities/{offer}/interest", json={**body, "actor_id": a["startup"]}, headers=headers)
    assert r.status_code == 201, r.text
    interest = r.json()["id"]
    assert client.post(f"/api/v1/opportunities/{offer}/interest", json=body, headers=headers).status_code == 409
    # the start-up cannot answer it; the CDMO's member accepts: a thread opens between them
    r = client.post(f"/api/v1/opportunities/{offer}/interests/{interest}/answer", json={"decision": "accept"}, headers=headers)
    assert r.status_code == 403
    headers = _as(client, "cdmo@test.invalid")
    assert client.get(f"/api/v1/opportunities/{offer}/interests", headers=headers).json()["interests"][0]["status"] == "pending"
    r = client.post(f"/api/v1/opportunities/{offer}/interests/{interest}/answer", json={"decision": "accept"}, headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "accepted" and r.json()["thread_id"]
    thread = r.json()["thread_id"]
    with db() as s:
        access = messaging.thread_access(s, thread_id=thread)
        assert access.status == "accepted" and set(access.member_ids) == {u["cdmo"], u["startup"]}
        assert messaging.thread_for_context(s, context_kind="opportunity", context_id=offer, user_id=u["startup"]) is not None
        opened = messaging.read_thread(s, thread_id=thread, user_id=u["cdmo"], mark_read=False)
        assert [m["body"] for m in opened.messages] == ["Un besoin de 3 lots (test)\n\nEssai clinique de phase I (test)\n\nBonjour"]
    assert client.post(f"/api/v1/opportunities/{offer}/interests/{interest}/answer", json={"decision": "decline"},
                       headers=headers).status_code == 409
    # closed with an outcome: out of the list, takes no more interest
    r = client.post(f"/api/v1/opportunities/{offer}/close", json={"outcome": "handshake"}, headers=headers)
    assert r.status_code == 422 and r.json()["detail"]["field"] == "outcome"
    assert client.post(f"/api/v1/opportunities/{offer}/close", json={"outcome": "subcontracting"}, headers=headers).status_code == 200
    assert offer not in [o["id"] for o in client.get("/api/v1/opportunities").json()["opportunities"]]
    headers = _as(client, "someone@test.invalid")
    r = client.post(f"/api/v1/opportunities/{offer}/interest", json=body, headers=headers)
    assert r.status_code == 409 and r.json()["detail"]["field"] == "opportunity"
    with db() as s:
        figures = service.figures(s)
    assert figures["published"] == 4 and figures["interests"] == 1 and figures["accepted"] == 1
    assert figures["agreements"] == {"subcontracting": 1} and figures["median_days_to_answer"] is not None


def test_confidential_names_and_rate_limit(client, db, world):
    a, u = world["actors"], world["users"]
    oid = _publish(client, a["cdmo"], doc(confidential=True))
    client.cookies.clear()
    assert client.get(f"/api/v1/opportunities/{oid}").json()["actor_name"] is None
    assert "CDMO test A" not in client.get("/opportunities").text
    headers = _as(client, "startup@test.invalid")
    body = {"what": "Trois lots (test)", "why": "Essai (test)"}
    interest = client.post(f"/api/v1/opportunities/{oid}/interest", json=body, headers=headers).json()["id"]
    assert client.get(f"/api/v1/opportunities/{oid}", headers=headers).json()["actor_name"] is None
    with db() as s:
        service.answer_interest(s, user_id=u["cdmo"], ip=None, opportunity_id=oid, interest_id=interest, decision="accept")
        s.commit()
    assert client.get(f"/api/v1/opportunities/{oid}", headers=headers).json()["actor_name"] == "CDMO test A (synthétique)"
    # repeated contacts: at most INTERESTS_PER_DAY in 24 hours (429), refused and audited
    others = [_publish(client, a["small"], doc(title_fr=f"Offre {i} (test)")) for i in range(service.INTERESTS_PER_DAY)]
    codes = [client.post(f"/api/v1/opportunities/{o}/interest", json=body, headers=headers).status_code for o in others]
    assert codes == [201] * (service.INTERESTS_PER_DAY - 1) + [429]
    assert _last_refused_field(db) == "interest"


def test_expiry_renewal_and_reminders(client, db, world):
    a, u = world["actors"], world["users"]
    with db() as s:
        opp = service.create(s, user_id=u["cdmo"], ip=None, actor_id=a["cdmo"], raw=doc(), taxonomies=_tax())
        service.submit(s, user_id=u["cdmo"], ip=None, opportunity_id=opp.id)
        service.review(s, user_id=u["editor"], ip=None, opportunity_id=opp.id, decision="publish")
        oid = opp.id
    later = TODAY + timedelta(days=200)
    with db() as s:
        assert [o.id for o in service.listing(s, today=TODAY)[0]] == [oid]
        assert service.listing(s, today=later)[0] == []  # out of the list on its expiry day, before the task
        assert service.expire_due(s, today=later) == 1 and service.get(s, opportunity_id=oid).status == "expired"
        service.renew(s, user_id=u["cdmo"], ip=None, opportunity_id=oid, days=30, today=later)
        assert service.get(s, opportunity_id=oid).expires_on == later + timedelta(days=30)
        with pytest.raises(FieldError):
            service.renew(s, user_id=u["cdmo"], ip=None, opportunity_id=oid, days=999)
        at = datetime.now(timezone.utc) + timedelta(days=service.STALE_DAYS + 1)
        assert service.remind_stale(s, at=at) == 1
        assert service.remind_stale(s, at=at + timedelta(days=1)) == 0  # at most one per period
        assert service.remind_stale(s, at=at + timedelta(days=service.STALE_DAYS + 1)) == 1
        kinds = [k for (k,) in s.execute(select(Notification.kind).where(Notification.user_id == u["cdmo"]))]
    assert kinds.count("opportunities.expired") == 1 and kinds.count("opportunities.stale") == 2


def _tax():
    return load_taxonomies()


def test_pages(client, db, world):
    a = world["actors"]
    oid = _publish(client, a["cdmo"], doc())
    request = _publish(client, a["startup"], doc(direction="request", title_fr="Besoin AAV (test)"))
    page = client.get("/opportunities")
    assert page.status_code == 200 and 'data-total="2"' in page.text and "Recherche de partenaires" in page.text
    assert client.get("/opportunities", params={"lang": "en"}).text.count("Partner search") >= 1
    assert client.get("/opportunities", params={"modality": "unicorn"}).status_code == 422
    assert client.get("/opportunities", params={"direction": "request"}).text.count("data-opportunity=") == 1
    r = client.get(f"/opportunities/{request}/matches")
    assert r.status_code == 200 and f'data-actor="{a["cdmo"]}"' in r.text and 'data-criterion="scale" data-met="true"' in r.text
    assert client.get(f"/opportunities/{oid}").status_code == 200
    # the members' form: refused input re-shown with the field named (422), nothing stored
    _as(client, "cdmo@test.invalid")
    token = csrf_of(client, f"/opportunities/actors/{a['cdmo']}/new")
    before = _count(db)
    r = client.post(f"/opportunities/actors/{a['cdmo']}/new", data={
        "csrf_token": token, "direction": "offer", "kind": "capacity", "title_fr": "Offre (test)",
        "capacity_scale_min_l": "500", "capacity_scale_max_l": "100", "capacity_gmp": "none"})
    assert r.status_code == 422 and 'data-field="capacity.scale_min_l"' in r.text and _count(db) == before
    r = client.post(f"/opportunities/actors/{a['cdmo']}/new", data={
        "csrf_token": token, "direction": "offer", "kind": "technology", "title_fr": "Offre techno (test)",
        "modalities": ["aav"], "capacity_gmp": "none"}, follow_redirects=False)
    assert r.status_code == 303 and _count(db) == before + 1
    page = client.get(r.headers["location"])
    assert page.status_code == 200 and 'data-met="false"' in page.text  # the quality rules shown to the author
    assert "Offre techno (test)" in client.get("/opportunities/mine").text


def test_personal_data(db, world, taxonomies):
    a, u = world["actors"], world["users"]
    with db() as s:
        opp = service.create(s, user_id=u["cdmo"], ip=None, actor_id=a["cdmo"], raw=doc(), taxonomies=taxonomies)
        service.submit(s, user_id=u["cdmo"], ip=None, opportunity_id=opp.id)
        service.review(s, user_id=None, ip=None, opportunity_id=opp.id, decision="publish")
        service.express_interest(s, user_id=u["startup"], ip=None, opportunity_id=opp.id,
                                 raw={"what": "Lots (test)", "why": "Essai (test)"}, member_of=set())
        assert [r["role"] for r in service.export_personal(s, user_id=u["startup"])] == ["expression of interest"]
        assert service.export_personal(s, user_id=u["cdmo"])[0]["role"] == "author"
        service.erase_personal(s, user_id=u["startup"])
        service.erase_personal(s, user_id=u["cdmo"])
        s.commit()
        assert s.scalar(select(func.count()).select_from(Interest)) == 0
        assert s.get(Opportunity, opp.id).author_id is None


def test_demo_step_is_synthetic_and_idempotent(db, taxonomies):
    capacity_demo.run(db, taxonomies=taxonomies)
    assert demo.run(db, taxonomies=taxonomies)["opportunities_added"] == 2
    assert demo.run(db, taxonomies=taxonomies)["opportunities_added"] == 0
    with db() as s:
        rows = list(s.scalars(select(Opportunity)))
        assert all(o.synthetic_note and "synthétique" in o.synthetic_note for o in rows)
        request = next(o for o in rows if o.direction == "request")
        found = service.matches(s, opportunity_id=request.id, taxonomies=taxonomies, principal=ANONYMOUS)
    assert found[0].actor_name == demo.CDMO and found[0].source == "opportunity"
    assert {c for c, _, ok in found[0].reasons if ok} >= {"scale", "gmp", "window", "modality", "step"}


def test_saved_search_alerts(client, db, world):
    a, u = world["actors"], world["users"]
    headers = _as(client, "someone@test.invalid")
    r = client.post("/api/v1/opportunities/alerts", json={"modalities": ["unicorn"]}, headers=headers)
    assert r.status_code == 422 and r.json()["detail"]["field"] == "modalities"
    r = client.post("/api/v1/opportunities/alerts", json={"regions": ["99"]}, headers=headers)
    assert r.status_code == 422 and r.json()["detail"]["field"] == "regions"
    r = client.post("/api/v1/opportunities/alerts", json={"direction": "offer", "modalities": ["aav"], "regions": ["11"]},
                    headers=headers)
    assert r.status_code == 201
    alert = r.json()["id"]
    _publish(client, a["cdmo"], doc())                                   # AAV offer in Île-de-France: told
    _publish(client, a["cdmo"], doc(modalities=["mab"], title_fr="Anticorps (test)"))  # another modality: not
    _publish(client, a["startup"], doc(direction="request"))           # a request: not
    with db() as s:
        told = s.scalars(select(Notification).where(Notification.user_id == u["someone"],
                                                    Notification.kind == "opportunities.alert")).all()
    assert len(told) == 1
    assert client.get("/api/v1/opportunities/alerts", headers=headers).json()["alerts"][0]["id"] == alert
    headers = _as(client, "startup@test.invalid")  # someone else's alert: 404
    assert client.delete(f"/api/v1/opportunities/alerts/{alert}", headers=headers).status_code == 404
    headers = _as(client, "someone@test.invalid")
    assert client.delete(f"/api/v1/opportunities/alerts/{alert}", headers=headers).status_code == 200
    assert client.get("/api/v1/opportunities/alerts", headers=headers).json()["alerts"] == []


def test_map_layer_leaves_confidential_out(client, db, world):
    a = world["actors"]
    _publish(client, a["cdmo"], doc())
    _publish(client, a["startup"], doc(direction="request", confidential=True))
    assert "opportunities" in {x["name"] for x in client.get("/api/v1/map/layers").json()["layers"]}
    features = client.get("/api/v1/map/layers/opportunities", params={"bbox": "-5.5,41.0,10.0,51.5"}).json()["features"]
    assert [f["properties"]["title"] for f in features] == ["CDMO test A (synthétique)"]
    only_requests = client.get("/api/v1/map/layers/opportunities",
                               params={"bbox": "-5.5,41.0,10.0,51.5", "direction": "request"}).json()["features"]
    assert only_requests == []
    assert client.get("/api/v1/map/layers/opportunities", params={"bbox": "-5.5,41.0,10.0,51.5",
                                                                  "kind": "x"}).status_code == 422


def test_observatory_figures(client, db, world):
    a, u = world["actors"], world["users"]
    oid = _publish(client, a["cdmo"], doc())
    with db() as s:
        i = service.express_interest(s, user_id=u["startup"], ip=None, opportunity_id=oid,
                                     raw={"what": "Lots (test)", "why": "Essai (test)"}, member_of=set())
        service.answer_interest(s, user_id=u["cdmo"], ip=None, opportunity_id=oid, interest_id=i.id, decision="accept")
        service.close(s, user_id=u["cdmo"], ip=None, opportunity_id=oid, outcome="licence")
        ctx = compute.Context(session=s)
        points = {name: compute.run_query(ctx, f"opportunities:{name}")
                  for name in ("published", "interests", "accepted", "agreements")}
        median = compute.run_query(ctx, "opportunities:median_days_to_answer")
    for name, result in points.items():
        assert [(p.scope, p.dimension, p.value) for p in result] == [("11", "modality=aav", 1)], name
    assert median[0].scope == "FR" and 0 <= median[0].value < 1


def test_accepting_someone_who_blocked_you_is_refused_not_a_crash(db, world, taxonomies):
    a, u = world["actors"], world["users"]
    with db() as s:
        opp = service.create(s, user_id=u["cdmo"], ip=None, actor_id=a["cdmo"], raw=doc(), taxonomies=taxonomies)
        service.submit(s, user_id=u["cdmo"], ip=None, opportunity_id=opp.id)
        service.review(s, user_id=None, ip=None, opportunity_id=opp.id, decision="publish")
        i = service.express_interest(s, user_id=u["startup"], ip=None, opportunity_id=opp.id,
                                     raw={"what": "Lots (test)", "why": "Essai (test)"}, member_of=set())
        messaging.block(s, blocker_id=u["startup"], blocked_id=u["cdmo"])
        s.commit()
        with pytest.raises(service.OpportunityError) as caught:
            service.answer_interest(s, user_id=u["cdmo"], ip=None, opportunity_id=opp.id, interest_id=i.id,
                                    decision="accept")
        assert caught.value.status == 403 and caught.value.field == "interest_id"
        assert s.get(Interest, i.id).status == "pending" and s.get(Interest, i.id).thread_id is None


def test_actors_with_stated_capabilities_are_suggested(client, db, world):
    place = gazetteer().geocode(postcode="69007")
    with db() as s:
        source = get_or_create_source(s, record=SourceRecord(key="test:capabilities", kind="synthetic", title="Test"))
        lab = upsert_actor(s, record=ActorRecord(
            name="Laboratoire test F (synthétique)", kind="research_unit",
            capabilities={"modalities": ["aav"], "value_chain": ["process_development"]},
            sites=[SiteRecord(role="hq", postcode="69007", commune_insee=place.insee, commune_name=place.name,
                              departement=place.departement, region=place.region, latitude=place.latitude,
                              longitude=place.longitude)]), source=source, match_by_name=False, schemes=()).actor_id
        s.commit()
    a = world["actors"]
    # a technology request for AAV process development, no capacity constraint: the lab is suggested
    technology = _publish(client, a["startup"], doc(direction="request", kind="technology", capacity=None,
                                                    steps=["process_development"]))
    found = client.get(f"/api/v1/opportunities/{technology}/matches").json()["matches"]
    lab_match = next(m for m in found if m["actor_id"] == lab)
    assert lab_match["source"] == "actor"
    assert {r["criterion"]: r["met"] for r in lab_match["reasons"]}["complementary"] is True  # start-up ↔ lab
    assert {r["criterion"]: r["label"] for r in lab_match["reasons"]}["complementary"] == "industrie ↔ recherche académique"
    # a capacity request (a scale asked): an actor without capacity facts cannot meet it
    request = _publish(client, a["startup"], doc(direction="request", title_fr="Besoin AAV 200 L (test)"))
    assert lab not in [m["actor_id"] for m in client.get(f"/api/v1/opportunities/{request}/matches").json()["matches"]]
    assert 'data-source="actor"' in client.get(f"/opportunities/{technology}/matches").text

"""Partner search: the member → editor lifecycle over HTTP (policy, CSRF, audit, nothing stored on a
refusal), explainable matching, expressions of interest opening a messaging thread, confidential
names and the contact rate limit, expiry, renewal and reminders. Synthetic test actors."""

from __future__ import annotations

import re

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from bioatlas.core.fields import refusal_text
from bioatlas.core.i18n import Translator
from bioatlas.messaging import service as messaging
from bioatlas.notifications.models import Notification
from bioatlas.opportunities import service
from bioatlas.opportunities.fields import FieldError
from bioatlas.opportunities.models import Interest
from tests.accounts.fixtures import audit_events
from tests.opportunities.world import (
    SOON,
    TODAY,
    cap,
    count_rows,
    doc,
    fresh_taxonomies,
    last_refused_field,
    login_as,
    publish_via_api,
    world,  # noqa: F401  (fixture)
)


def test_lifecycle_matching_and_interest(client, db, world):
    a, u = world["actors"], world["users"]
    # a stranger cannot publish for the CDMO: 403, audited, nothing stored
    headers = login_as(client, "someone@test.invalid")
    refused = len(audit_events(db, "refused"))
    r = client.post(f"/api/v1/opportunities/actors/{a['cdmo']}", json=doc(), headers=headers)
    assert r.status_code == 403 and count_rows(db) == 0 and len(audit_events(db, "refused")) == refused + 1
    # the CDMO's member: no CSRF token refused; bad input 422 naming the field, nothing stored, audited
    headers = login_as(client, "cdmo@test.invalid")
    assert client.post(f"/api/v1/opportunities/actors/{a['cdmo']}", json=doc()).status_code == 403
    r = client.post(f"/api/v1/opportunities/actors/{a['cdmo']}", headers=headers,
                    json=doc(capacity=cap(scale_min_l=600)))
    assert r.status_code == 422 and r.json()["detail"]["field"] == "capacity.scale_min_l" and count_rows(db) == 0
    assert last_refused_field(db) == "capacity.scale_min_l"
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
    headers = login_as(client, "cdmo@test.invalid")
    assert client.post(f"/api/v1/opportunities/{offer}/review", json={"decision": "publish"}, headers=headers).status_code == 403
    headers = login_as(client, "editor@test.invalid")
    r = client.post(f"/api/v1/opportunities/{offer}/review", json={"decision": "perhaps"}, headers=headers)
    assert r.status_code == 422 and r.json()["detail"]["field"] == "decision"
    assert client.post(f"/api/v1/opportunities/{offer}/review", json={"decision": "publish"}, headers=headers).status_code == 200
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == u["cdmo"], Notification.kind == "opportunities.reviewed")) == 1
    # a smaller CDMO's offer (50 L, fails the scale) and an offer too far in time, both published
    publish_via_api(client, a["small"], doc(capacity=cap(scale_min_l=1, scale_max_l=50)))
    publish_via_api(client, a["small"], doc(capacity=cap(window_from=(TODAY + timedelta(days=200)).isoformat(),
                                                  window_to=(TODAY + timedelta(days=300)).isoformat())))
    # the start-up's request: AAV, 200 L at GMP clinical within the window
    request = publish_via_api(client, a["startup"], doc(direction="request", title_fr="Besoin de lots AAV 200 L (test)",
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
    headers = login_as(client, "cdmo@test.invalid")
    r = client.post(f"/api/v1/opportunities/{offer}/interest", json=body, headers=headers)
    assert r.status_code == 409 and r.json()["detail"]["field"] == "opportunity"
    headers = login_as(client, "startup@test.invalid")
    r = client.post(f"/api/v1/opportunities/{offer}/interest", json={**body, "why": "<b>x</b>"}, headers=headers)
    assert r.status_code == 422 and r.json()["detail"]["field"] == "why" and count_rows(db, Interest) == 0
    r = client.post(f"/api/v1/opportunities/{offer}/interest", json={**body, "actor_id": a["startup"]}, headers=headers)
    assert r.status_code == 201, r.text
    interest = r.json()["id"]
    assert client.post(f"/api/v1/opportunities/{offer}/interest", json=body, headers=headers).status_code == 409
    # the start-up cannot answer it; the CDMO's member accepts: a thread opens between them
    r = client.post(f"/api/v1/opportunities/{offer}/interests/{interest}/answer", json={"decision": "accept"}, headers=headers)
    assert r.status_code == 403
    headers = login_as(client, "cdmo@test.invalid")
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
    # the owner's page: the interest's day as its reader writes it and its status in French (not ISO, not the code)
    page = client.get(f"/opportunities/{offer}?lang=fr").text
    line = re.search(r'data-interest="%d" data-status="accepted">\s*<p>(.*?)</p>' % interest, page).group(1)
    assert re.search(r" · \w+ \d{1,2} \w+ \d{4} · acceptée$", line) and not re.search(r"\d{4}-\d\d-\d\d", line), line
    # its expiry day too ("Expire le 2027-03-07" before)
    expiry = re.search(r"<dt>Expire le</dt><dd>(.*?)</dd>", page).group(1)
    assert re.fullmatch(r"\w+ \d{1,2} \w+ \d{4}", expiry), expiry
    # the marketplace: its count agrees with its number ("1 opportunités publiées" before) and an opportunity's kind
    # is its "Type" (it was headed "Type d'acteur", the atlas's word for an actor's kind)
    market = client.get("/opportunities?lang=fr").text
    n, words = re.search(r'data-total="(\d+)">\d+ (opportunités? publiées?)', market).groups()
    assert words == ("opportunité publiée" if int(n) <= 1 else "opportunités publiées"), (n, words)
    assert "<h2>Type</h2>" in market and "Type d’acteur" not in market
    # closed with an outcome: out of the list, takes no more interest
    r = client.post(f"/api/v1/opportunities/{offer}/close", json={"outcome": "handshake"}, headers=headers)
    assert r.status_code == 422 and r.json()["detail"]["field"] == "outcome"
    assert client.post(f"/api/v1/opportunities/{offer}/close", json={"outcome": "subcontracting"}, headers=headers).status_code == 200
    assert offer not in [o["id"] for o in client.get("/api/v1/opportunities").json()["opportunities"]]
    headers = login_as(client, "someone@test.invalid")
    r = client.post(f"/api/v1/opportunities/{offer}/interest", json=body, headers=headers)
    assert r.status_code == 409 and r.json()["detail"]["field"] == "opportunity"
    with db() as s:
        figures = service.figures(s)
    assert figures["published"] == 4 and figures["interests"] == 1 and figures["accepted"] == 1
    assert figures["agreements"] == {"subcontracting": 1} and figures["median_days_to_answer"] is not None


def test_confidential_names_and_rate_limit(client, db, world):
    a, u = world["actors"], world["users"]
    oid = publish_via_api(client, a["cdmo"], doc(confidential=True))
    client.cookies.clear()
    assert client.get(f"/api/v1/opportunities/{oid}").json()["actor_name"] is None
    assert "CDMO test A" not in client.get("/opportunities").text
    headers = login_as(client, "startup@test.invalid")
    body = {"what": "Trois lots (test)", "why": "Essai (test)"}
    interest = client.post(f"/api/v1/opportunities/{oid}/interest", json=body, headers=headers).json()["id"]
    assert client.get(f"/api/v1/opportunities/{oid}", headers=headers).json()["actor_name"] is None
    with db() as s:
        service.answer_interest(s, user_id=u["cdmo"], ip=None, opportunity_id=oid, interest_id=interest, decision="accept")
        s.commit()
    assert client.get(f"/api/v1/opportunities/{oid}", headers=headers).json()["actor_name"] == "CDMO test A (synthétique)"
    # repeated contacts: at most INTERESTS_PER_DAY in 24 hours (429), refused and audited
    others = [publish_via_api(client, a["small"], doc(title_fr=f"Offre {i} (test)")) for i in range(service.INTERESTS_PER_DAY)]
    codes = [client.post(f"/api/v1/opportunities/{o}/interest", json=body, headers=headers).status_code for o in others]
    assert codes == [201] * (service.INTERESTS_PER_DAY - 1) + [429]
    assert last_refused_field(db) == "interest"


def test_expiry_renewal_and_reminders(client, db, world):
    a, u = world["actors"], world["users"]
    with db() as s:
        opp = service.create(s, user_id=u["cdmo"], ip=None, actor_id=a["cdmo"], raw=doc(), taxonomies=fresh_taxonomies())
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
        assert caught.value.message == "this person does not accept your messages"  # English (the API)
        assert refusal_text(Translator("fr"), caught.value) == "cette personne n'accepte pas vos messages"
        assert s.get(Interest, i.id).status == "pending" and s.get(Interest, i.id).thread_id is None

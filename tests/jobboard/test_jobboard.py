"""The job board: publishing offers (bad input refused by field, a site of another actor, an
unknown ROME code), the ROME version kept, search and facets, the API and the pages with the
policy and CSRF, the JobPosting JSON-LD against schema.org's required properties, the map layer,
the actor-page panel, expiry, personal data, the demo step."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from bioatlas.jobboard import demo, layers, service
from bioatlas.jobboard.models import JobOffer
from tests.accounts.fixtures import csrf_of, login, make_user
from tests.contributions.helpers import add_actor
from tests.jobboard.helpers import ROME_VERSION, add_rome, good_offer, make_offer, site_of

LD_RE = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
# schema.org JobPosting: the properties Google's structured-data guidelines require
REQUIRED = ("title", "description", "datePosted", "hiringOrganization", "jobLocation")


@pytest.fixture
def world(db):
    add_rome(db)
    ypo = add_actor(db, "Yposkesi", "91000")
    bio = add_actor(db, "bioMérieux", "69007")
    users = {"ann": make_user(db, "ann@test.invalid", roles=[("member", "actor", ypo)]),
             "bob": make_user(db, "bob@test.invalid")}
    return {"ypo": ypo, "bio": bio, "users": users}


@pytest.mark.parametrize(("changes", "field"), [
    ({"rome_code": "Z9999"}, "rome_code"),
    ({"rome_code": "H9999"}, "rome_code"),
    ({"appellation_code": "38053"}, "appellation_code"),  # an appellation of H1510, not H2302
    ({"salary_min": 40000, "salary_max": 30000}, "salary_max"),
    ({"expires_on": (date.today() - timedelta(days=1)).isoformat()}, "expires_on"),
    ({"apply_url": "javascript:alert(1)"}, "apply_url"),
    ({"apply_url": "ftp://example.org/x"}, "apply_url"),
    ({"apply_url": "", "apply_email": ""}, "apply_url"),
    ({"description_fr": "Bonjour <script>alert(1)</script>"}, "description_fr"),
    ({"description_en": "<b>bold</b>"}, "description_en"),
    ({"title": "<img src=x onerror=alert(1)>"}, "title"),
    ({"contract": "freelance"}, "contract"),
    ({"remote_share": 150}, "remote_share"),
    ({"start_date": "next monday"}, "start_date"),
])
def test_bad_input_is_refused_by_field(db, world, changes, field):
    with db() as s:
        with pytest.raises(service.FieldError) as caught:
            service.publish(s, actor_id=world["ypo"], site_id=site_of(db, world["ypo"]), raw=good_offer(**changes),
                            user_id=None, ip=None)
        assert caught.value.field == field
    with db() as s:
        assert s.scalar(select(func.count(JobOffer.id))) == 0


def test_site_of_another_actor_is_refused(db, world):
    with db() as s:
        with pytest.raises(service.FieldError) as caught:
            service.publish(s, actor_id=world["ypo"], site_id=site_of(db, world["bio"]), raw=good_offer(),
                            user_id=None, ip=None)
        assert caught.value.field == "site_id"


def test_offer_keeps_rome_version_place_and_default_expiry(db, world):
    oid = make_offer(db, actor_id=world["ypo"], expires_on="", appellation_code="")
    with db() as s:
        o = s.get(JobOffer, oid)
        assert (o.rome_code, o.rome_version, o.appellation_code) == ("H2302", ROME_VERSION, None)
        assert o.rome_label.startswith("Conducteur")
        assert o.expires_on == date.today() + timedelta(days=60)
        assert o.departement == "91" and o.region == "11" and o.latitude is not None
        assert o.employer_name == "Yposkesi"
        # the setting jobboard_offer_days gives the default expiry
        shorter = service.publish(s, actor_id=world["ypo"], site_id=o.site_id, user_id=None, ip=None,
                                  raw=good_offer(expires_on=""), default_days=10)
        assert shorter.expires_on == date.today() + timedelta(days=10)
        # mailto is a valid apply link
        assert service.publish(s, actor_id=world["ypo"], site_id=o.site_id, user_id=None, ip=None,
                               raw=good_offer(apply_url="mailto:rh@example.org")).apply_url == "mailto:rh@example.org"


def test_search_facets_and_expiry(db, world):
    make_offer(db, actor_id=world["ypo"])
    make_offer(db, actor_id=world["ypo"], title="Technicien CQ", rome_code="H1510", appellation_code="38053",
               contract="cdd", gmp_environment=False)
    make_offer(db, actor_id=world["bio"], expires_on=date.today().isoformat())
    with db() as s:
        everything = service.search(s, query=service.parse_query({}))
        assert everything.total == 3
        assert everything.facets["contract"] == {"cdi": 2, "cdd": 1}
        assert everything.facets["rome"] == {"H23": 2, "H15": 1}
        assert everything.facets["region"] == {"11": 2, "84": 1}
        assert service.search(s, query=service.parse_query({"rome": ["H15"]})).total == 1
        assert service.search(s, query=service.parse_query({"contract": ["cdi"], "region": ["11"]})).total == 1
        assert service.search(s, query=service.parse_query({"q": ["technicien"]})).total == 1
        assert service.search(s, query=service.parse_query({"gmp": ["1"]})).total == 2
        # around a commune: the offers at Évry (postcode 91000) within 5 km, not Lyon's
        near = service.parse_query({"near": ["91000"], "km": ["5"]})
        assert service.search(s, query=near).total == 2
        assert service.search(s, query=service.parse_query({"near": ["69007"], "km": ["10"]})).total == 1
        for params, field in (({"contract": ["gig"]}, "contract"), ({"rome": ["H2"]}, "rome"),
                              ({"region": ["99"]}, "region"), ({"limit": ["5000"]}, "limit"),
                              ({"near": ["00000"]}, "near"), ({"near": ["91000"], "km": ["900"]}, "km")):
            with pytest.raises(service.FieldError) as caught:
                service.parse_query(params)
            assert caught.value.field == field
        # the last one expires today: closed by tomorrow's sweep, not today's
        offer = s.get(JobOffer, service.search(s, query=near).offers[0].id)
        assert service.matches(offer, near) and not service.matches(offer, service.parse_query({"near": ["69007"]}))
        assert service.close_expired(s) == 0
        assert service.close_expired(s, today=date.today() + timedelta(days=1)) == 1
        assert service.search(s, query=service.parse_query({}), today=date.today() + timedelta(days=1)).total == 2


def test_job_posting_json_ld_has_the_required_fields(client, db, world):
    with pytest.raises(service.FieldError):  # a description that would close the script element is refused
        make_offer(db, actor_id=world["ypo"], description_fr="Texte </script><script>alert(1)</script>")
    # characters to escape in the JSON-LD block
    oid = make_offer(db, actor_id=world["ypo"], description_fr="Salaire > 30 k€ & primes")
    r = client.get(f"/jobboard/offers/{oid}")
    assert r.status_code == 200
    blocks = LD_RE.findall(r.text)
    assert len(blocks) == 1 and "noindex" not in r.text  # a real offer is to be indexed
    assert "<" not in blocks[0] and "&amp;" not in blocks[0]
    doc = json.loads(blocks[0])
    assert doc["@context"].startswith("https://schema.org") and doc["@type"] == "JobPosting"
    for name in REQUIRED:
        assert doc.get(name), name
    assert doc["description"] == "Salaire > 30 k€ & primes"
    assert doc["hiringOrganization"]["@type"] == "Organization" and doc["hiringOrganization"]["name"] == "Yposkesi"
    assert doc["jobLocation"]["@type"] == "Place"
    assert doc["jobLocation"]["address"]["addressCountry"] == "FR" and doc["jobLocation"]["address"]["addressLocality"]
    assert date.fromisoformat(doc["datePosted"]) == date.today()
    assert doc["validThrough"].startswith((date.today() + timedelta(days=30)).isoformat())
    assert doc["employmentType"] == "FULL_TIME"
    assert doc["baseSalary"]["value"] == {"@type": "QuantitativeValue", "unitText": "YEAR", "minValue": 28000,
                                          "maxValue": 34000}
    assert doc["occupationalCategory"].startswith("H2302")
    # the same document in the API
    api = client.get(f"/api/v1/jobboard/offers/{oid}").json()
    assert api["job_posting"] == doc and api["rome"]["version"] == ROME_VERSION


def test_api_publish_edit_close_with_policy(client, db, world):
    body = {**good_offer(), "site_id": site_of(db, world["ypo"])}
    url = f"/api/v1/jobboard/actors/{world['ypo']}/offers"
    assert client.post(url, json=body).status_code in (401, 403)
    login(client, "bob@test.invalid")
    csrf = {"X-CSRF-Token": client.cookies.get("bioatlas_csrf") or ""}
    assert client.post(url, json=body, headers=csrf).status_code == 403
    client.post("/account/logout", data={"csrf_token": csrf_of(client, "/")})
    client.cookies.clear()
    login(client, "ann@test.invalid")
    csrf = {"X-CSRF-Token": csrf_of(client, "/")}
    r = client.post(url, json={**body, "salary_min": 50000}, headers=csrf)
    assert r.status_code == 422 and r.json()["detail"]["field"] == "salary_max"
    r = client.post(url, json={**body, "site_id": site_of(db, world["bio"])}, headers=csrf)
    assert r.status_code == 422 and r.json()["detail"]["field"] == "site_id"
    assert client.post(f"/api/v1/jobboard/actors/{world['bio']}/offers", json=body, headers=csrf).status_code == 403
    r = client.post(url, json=body, headers=csrf)
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    r = client.put(f"/api/v1/jobboard/offers/{oid}", json={**body, "title": "Opérateur USP confirmé"}, headers=csrf)
    assert r.status_code == 200 and r.json()["title"] == "Opérateur USP confirmé"
    found = client.get("/api/v1/jobboard/offers", params={"q": "confirme"}).json()
    assert found["total"] == 1 and found["offers"][0]["id"] == oid
    assert client.get("/api/v1/jobboard/offers", params={"contract": "gig"}).status_code == 422
    assert client.post(f"/api/v1/jobboard/offers/{oid}/close", headers=csrf).status_code == 200
    again = client.post(f"/api/v1/jobboard/offers/{oid}/close", headers=csrf)
    assert again.status_code == 409 and again.json()["detail"] == "the offer is already closed"  # English
    page = client.post(f"/jobboard/offers/{oid}/close", headers={**csrf, "accept": "text/html"})
    assert page.status_code == 409 and "l&#39;offre est déjà close" in page.text, page.text[:300]
    assert client.get("/api/v1/jobboard/offers").json()["total"] == 0
    assert client.get("/api/v1/jobboard/offers/999999").status_code == 404


def test_pages_form_csrf_and_actor_panel(client, db, world):
    login(client, "ann@test.invalid")
    page = client.get(f"/jobboard/actors/{world['ypo']}/new", params={"title": "Opérateur de production"})
    assert page.status_code == 200 and 'value="H2302"' in page.text  # suggested from the title
    token = csrf_of(client, f"/jobboard/actors/{world['ypo']}/new")
    form = {k: v for k, v in good_offer().items() if k != "skills"}
    form.update(site_id=str(site_of(db, world["ypo"])), gmp_environment="1", skills="BPF, culture cellulaire")
    no_csrf = client.post(f"/jobboard/actors/{world['ypo']}/new", data=form, follow_redirects=False)
    assert no_csrf.status_code == 403
    bad = client.post(f"/jobboard/actors/{world['ypo']}/new", data={**form, "csrf_token": token, "rome_code": "H9999"},
                      follow_redirects=False)
    assert bad.status_code == 422 and 'data-field="rome_code"' in bad.text
    ok = client.post(f"/jobboard/actors/{world['ypo']}/new", data={**form, "csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303
    offer_url = ok.headers["location"]
    page = client.get(offer_url)
    assert page.status_code == 200 and "Opérateur de production USP" in page.text and "BPF" in page.text
    assert "/edit" in page.text  # the member may edit
    listing = client.get("/jobboard", params={"contract": "cdi"})
    assert listing.status_code == 200 and offer_url in listing.text and 'data-total="1"' in listing.text
    assert 'data-total="1">1 offre ouverte</p>' in listing.text  # singular ("1 offres ouvertes" before)
    assert client.get("/jobboard", params={"region": "xx"}).status_code == 422
    actor_page = client.get(f"/actors/{world['ypo']}")
    assert offer_url in actor_page.text and f"/jobboard/actors/{world['ypo']}/new" in actor_page.text
    other = client.get(f"/actors/{world['bio']}")
    assert f"/jobboard/actors/{world['bio']}/new" not in other.text


def test_map_layer_and_personal_data(db, world):
    oid = make_offer(db, actor_id=world["ypo"], user_id=world["users"]["ann"])
    make_offer(db, actor_id=world["bio"], contract="cdd")
    with db() as s:
        france = (-5.5, 41.0, 10.0, 51.5)
        points = layers.offer_points(s, bbox=france, filters={}, lang="fr", limit=100)
        assert len(points) == 2 and points[0].url == f"/jobboard/offers/{oid}"
        assert [p.id for p in layers.offer_points(s, bbox=france, filters={"contract": ["cdi"]}, lang="en",
                                                  limit=100)] == [f"job-offers:{oid}"]
        assert layers.offer_points(s, bbox=(0.0, 0.0, 1.0, 1.0), filters={}, lang="fr", limit=100) == []
        service.save_search(s, user_id=world["users"]["ann"], params={"contract": ["cdi"]})
        exported = service.export_personal(s, user_id=world["users"]["ann"])
        assert [e["offer_id"] for e in exported["offers_published"]] == [oid]
        assert [e["params"] for e in exported["saved_searches"]] == [{"contract": ["cdi"]}]
        service.erase_personal(s, user_id=world["users"]["ann"])
        s.commit()
        assert service.export_personal(s, user_id=world["users"]["ann"]) == {"offers_published": [], "saved_searches": []}
        assert s.get(JobOffer, oid) is not None


def test_demo_step_is_synthetic_labelled_and_idempotent(client, db, taxonomies):
    add_rome(db)
    first = demo.run(db, taxonomies=taxonomies)
    assert first["offers_created"] == 6  # 3 employers × the 2 offers whose ROME code is loaded
    assert demo.run(db, taxonomies=taxonomies)["offers_created"] == 0
    with db() as s:
        offers = list(s.scalars(select(JobOffer)))
        assert len(offers) == 6 and all(o.synthetic and o.origin == "demo" for o in offers)
        assert all("fictive" in o.title and "synthétique" in o.employer_name for o in offers)
    page = client.get(f"/jobboard/offers/{offers[0].id}")
    assert 'name="robots" content="noindex"' in page.text and "data-synthetic" in page.text
    facets = client.get("/api/v1/jobboard/offers").json()["facets"]  # the fictitious employers' capabilities
    assert facets["modality"] == {"aav": 2, "viral_vector": 2, "mab": 2, "cell_therapy": 2}
    assert facets["step"]["upstream"] == 2 and len(facets["step"]) == 6


def test_likely_employers_with_reasons(client, db, world, taxonomies):
    from bioatlas.atlas import scope
    from bioatlas.atlas.models import Actor, Capability, Source

    cdmo = add_actor(db, "Bioprocédés Test", "69007", kind="cdmo")
    lab = add_actor(db, "Laboratoire Test", "75013", kind="company")
    with db() as s:
        src = s.scalar(select(Source))
        s.get(Actor, world["ypo"]).naf_code = "21.20Z"
        s.get(Actor, lab).naf_code = "86.90B"
        s.add(Capability(actor_id=cdmo, facet="value_chain", code="upstream", source_id=src.id))
        s.add(Capability(actor_id=world["ypo"], facet="value_chain", code="upstream", source_id=src.id))
        s.commit()
    with db() as s:
        assert service.likely_employers(s, rome_code="H2302") == []  # scope not computed yet: no candidates
        scope.compute(s, rules=scope.shipped_rules(), taxonomies=taxonomies)
        s.commit()
    make_offer(db, actor_id=world["ypo"])
    with db() as s:
        found = service.likely_employers(s, rome_code="H2302")
        in_scope = scope.in_scope_ids(s)
        by_id = {e["actor_id"]: e for e in found}
        assert world["ypo"] in in_scope
        ypo = by_id[world["ypo"]]
        # NAF 21.20Z (1.0 × 0.5) + upstream step (1.0 × 0.35)
        assert ypo["score"] == 0.85 and ypo["open_offers"] == 1
        assert [r["dimension"] for r in ypo["reasons"]] == ["naf", "step"] and "21.20Z" in ypo["reasons"][0]["reason"]
        if cdmo in in_scope:  # upstream (0.35) + kind cdmo (0.15)
            assert by_id[cdmo]["score"] == 0.5 and found.index(ypo) < found.index(by_id[cdmo])
        assert lab not in by_id  # a medical laboratory is no likely employer of production operators
        with pytest.raises(service.FieldError):
            service.likely_employers(s, rome_code="H9999")
    r = client.get("/api/v1/jobboard/likely-employers", params={"rome": "H2302"})
    assert r.status_code == 200 and r.json()["employers"][0]["actor_id"] == world["ypo"] and r.json()["method"]
    assert client.get("/api/v1/jobboard/likely-employers", params={"rome": "H9999"}).status_code == 422
    page = client.get("/jobboard/likely-employers", params={"rome": "H2302"})
    assert page.status_code == 200 and f'data-actor="{world["ypo"]}"' in page.text and "21.20Z" in page.text


def test_saved_search_alerts_a_new_matching_offer(client, db, world):
    from bioatlas.notifications.models import Notification, OutboxMail

    login(client, "bob@test.invalid")
    token = csrf_of(client, "/jobboard")
    assert "/jobboard/searches" in client.get("/jobboard").text
    r = client.post("/jobboard/searches", data={"csrf_token": token, "contract": "cdi", "region": "11"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert client.post("/jobboard/searches", data={"csrf_token": token, "contract": "gig"}).status_code == 422
    listing = client.get("/jobboard/searches")
    assert "contract=cdi" in listing.text and "region=11" in listing.text
    make_offer(db, actor_id=world["bio"])                 # region 84: no alert
    make_offer(db, actor_id=world["ypo"], contract="cdd")  # another contract: no alert
    oid = make_offer(db, actor_id=world["ypo"])          # matches
    with db() as s:
        notes = list(s.scalars(select(Notification).where(Notification.user_id == world["users"]["bob"])))
        assert [(n.kind, n.link) for n in notes] == [("jobboard.match", f"/jobboard/offers/{oid}")]
        mails = list(s.scalars(select(OutboxMail).where(OutboxMail.kind == "jobboard.match")))
        assert len(mails) == 1 and "Opérateur de production USP" in mails[0].subject
        search_id = service.searches_of(s, user_id=world["users"]["bob"])[0].id
        with pytest.raises(service.NotFound):  # another user's search
            service.delete_search(s, user_id=world["users"]["ann"], search_id=search_id)
    assert client.post(f"/jobboard/searches/{search_id}/delete", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    with db() as s:
        assert service.searches_of(s, user_id=world["users"]["bob"]) == []
    for lang, text in (("fr", "Recherche enregistrée inconnue."), ("en", "No such saved search.")):
        again = client.post(f"/jobboard/searches/{search_id}/delete", params={"lang": lang}, data={"csrf_token": token})
        assert again.status_code == 404 and again.json() == {"detail": f"no saved search {search_id}",
                                                             "field": "search_id", "message": text}, again.json()


def test_indicators_count_offers_not_jobs(db, world):
    from datetime import datetime, timezone

    make_offer(db, actor_id=world["ypo"])
    make_offer(db, actor_id=world["bio"], contract="cdd", rome_code="H1510", appellation_code="38053")
    filled = make_offer(db, actor_id=world["ypo"])
    expired = make_offer(db, actor_id=world["ypo"], expires_on=date.today().isoformat())
    with db() as s:
        o = s.get(JobOffer, filled)
        o.created_at = datetime.now(timezone.utc) - timedelta(days=12)
        s.commit()
        service.close(s, offer=o, user_id=None, ip=None)
        service.close_expired(s, today=date.today() + timedelta(days=1))
        assert s.get(JobOffer, expired).status == "closed"
        figures = service.indicators(s)
    assert figures["label"] == "offers, not jobs created" and figures["jobs_target"] == 10_000
    assert figures["open_offers"] == 2 and figures["open_synthetic_offers"] == 0
    assert figures["by_rome_family"] == {"H23": 1, "H15": 1}
    assert figures["by_region"] == {"11": 1, "84": 1} and figures["by_contract"] == {"cdi": 1, "cdd": 1}
    # only the offer its employer closed counts (12 days); the expired one does not
    assert figures["closed_offers_measured"] == 1 and 11.9 < figures["median_days_to_close"] < 12.1


def test_expiry_reminder_once_to_the_author(db, world):
    from bioatlas.notifications.models import Notification

    soon = make_offer(db, actor_id=world["ypo"], user_id=world["users"]["ann"],
                      expires_on=(date.today() + timedelta(days=5)).isoformat())
    make_offer(db, actor_id=world["ypo"], user_id=world["users"]["ann"])  # expires in 30 days: not yet
    make_offer(db, actor_id=world["ypo"], expires_on=(date.today() + timedelta(days=2)).isoformat())  # no author
    with db() as s:
        assert service.remind_expiring(s) == 1
        assert service.remind_expiring(s) == 0  # once
        notes = list(s.scalars(select(Notification).where(Notification.kind == "jobboard.expiring")))
        assert [(n.user_id, n.link) for n in notes] == [(world["users"]["ann"], f"/jobboard/offers/{soon}/edit")]
        # the member pushes the expiry: reminded again before the new one
        o = s.get(JobOffer, soon)
        o.expires_on = date.today() + timedelta(days=40)
        s.commit()
        assert service.remind_expiring(s, today=date.today() + timedelta(days=35)) == 1  # the 30-day one is past


def test_atom_feed_of_a_search(client, db, world):
    from xml.etree import ElementTree as ET

    oid = make_offer(db, actor_id=world["ypo"], title="Opérateur & technicien USP")
    make_offer(db, actor_id=world["bio"], contract="cdd")
    r = client.get("/jobboard/feed.atom", params={"contract": "cdi"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = ET.fromstring(r.content)
    entries = root.findall("a:entry", ns)
    assert len(entries) == 1
    assert entries[0].find("a:title", ns).text == "Opérateur & technicien USP — Yposkesi"
    assert entries[0].find("a:id", ns).text.endswith(f"/jobboard/offers/{oid}")
    assert root.find("a:updated", ns).text and root.find("a:title", ns).text.endswith("contract=cdi")
    assert client.get("/jobboard/feed.atom", params={"contract": "gig"}).status_code == 422

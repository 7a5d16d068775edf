"""The job board's second round: facets by the employer's capabilities (stated and inferred, on
the jobs page and the API, in saved-search alerts), the saved searches matched by SQL first (the
same matches as checking every search in Python), and an offer's ROME code read against a newer
ROME (current label, mapped where the files say so, never guessed)."""

from __future__ import annotations

from sqlalchemy import select

from bioatlas.atlas import service as atlas
from bioatlas.atlas.models import Capability, Source
from bioatlas.jobboard import alerts, rome_versions, service
from bioatlas.jobboard.models import JobOffer, SavedSearch
from bioatlas.notifications.models import Notification
from bioatlas.occupations.models import JobTitle, Occupation
from tests.accounts.fixtures import make_user
from tests.contributions.helpers import add_actor
from tests.jobboard.helpers import add_rome, make_offer


def _world(db) -> dict:
    add_rome(db)
    ypo = add_actor(db, "Yposkesi", "91000")
    bio = add_actor(db, "bioMérieux", "69007")
    with db() as s:
        stated = s.scalar(select(Source))
        inferred = atlas.inference_source(s)
        s.add(Capability(actor_id=ypo, facet="modalities", code="aav", source_id=stated.id))
        s.add(Capability(actor_id=ypo, facet="value_chain", code="upstream", source_id=inferred.id))  # inferred
        s.add(Capability(actor_id=bio, facet="modalities", code="mab", source_id=stated.id))
        s.commit()
    return {"ypo": ypo, "bio": bio}


def test_employer_capability_facets(client, db):
    w = _world(db)
    ypo_offer = make_offer(db, actor_id=w["ypo"])
    make_offer(db, actor_id=w["bio"], contract="cdd")
    with db() as s:
        everything = service.search(s, query=service.parse_query({}))
        assert everything.total == 2
        # AAV counts under its parent too (viral vectors); the inferred step counts like a stated one
        assert dict(everything.facets["modality"]) == {"aav": 1, "viral_vector": 1, "mab": 1}
        assert dict(everything.facets["step"]) == {"upstream": 1}
        found = service.search(s, query=service.parse_query({"modality": ["viral_vector"]}))  # subtree: AAV
        assert [o.id for o in found.offers] == [ypo_offer]
        assert service.search(s, query=service.parse_query({"step": ["upstream"], "modality": ["mab"]})).total == 0
    r = client.get("/api/v1/jobboard/offers", params={"step": "upstream"})
    assert r.status_code == 200 and r.json()["total"] == 1 and r.json()["offers"][0]["id"] == ypo_offer
    assert r.json()["facets"]["step"] == {"upstream": 1} and r.json()["query"]["step"] == ["upstream"]
    bad = client.get("/api/v1/jobboard/offers", params={"modality": "unicorns"})
    assert bad.status_code == 422 and "modality" in bad.text
    page = client.get("/jobboard", params={"modality": "aav"})
    assert page.status_code == 200 and 'data-facet="modality"' in page.text and "Vecteurs AAV" in page.text
    assert 'data-total="1"' in page.text
    assert client.get("/jobboard", params={"step": "nowhere"}).status_code == 422


def test_alerts_by_capability_and_sql_prefilter_agree_with_python(db):
    w = _world(db)
    user = make_user(db, "carol@test.invalid")
    searches = [{"modality": ["mab"]}, {"contract": ["cdd"]}, {"region": ["11"], "gmp": ["1"]},
                {"rome": ["H15"]}, {"near": ["91000"], "km": ["20"]}, {"near": ["69007"], "km": ["5"]},
                {"q": ["production"], "departement": ["91"]}, {"step": ["upstream"], "contract": ["cdi"]}, {}]
    with db() as s:
        for params in searches:
            s.add(SavedSearch(user_id=user, params=service.parse_query(params).chosen,
                              **alerts.index_columns(service.parse_query(params))))
        s.add(SavedSearch(user_id=user, params={"contract": ["cdd"]}))  # saved before the columns: always a candidate
        s.commit()
    offers = [make_offer(db, actor_id=w["ypo"]),
              make_offer(db, actor_id=w["bio"], contract="cdd", gmp_environment=False),
              make_offer(db, actor_id=w["bio"], rome_code="H1510", appellation_code="38053")]
    with db() as s:
        every = list(s.scalars(select(SavedSearch).order_by(SavedSearch.id)))
        for oid in offers:
            offer = s.get(JobOffer, oid)
            codes = alerts.employers.actor_codes(s, actor_ids=[offer.actor_id])[offer.actor_id]
            brute = [x.id for x in every if service.matches(offer, service.parse_query(x.params), employer=codes)]
            candidates = [x.id for x in alerts.candidates(s, offer=offer)]
            assert set(brute) <= set(candidates) and len(candidates) < len(every)  # a superset, and a filter
            assert [x.id for x in alerts.matching_searches(s, offer=offer)] == brute
        ypo_hits = {tuple(sorted(x.params)) for x in alerts.matching_searches(s, offer=s.get(JobOffer, offers[0]))}
        assert ("modality",) not in ypo_hits and ("contract", "step") in ypo_hits and ("gmp", "region") in ypo_hits
        assert ("km", "near") in ypo_hits  # Évry is within 20 km of 91000, not within 5 km of Lyon 7e
        # one notification per user and offer: carol's searches matched each offer
        notes = list(s.scalars(select(Notification).where(Notification.user_id == user)))
        assert sorted(n.link for n in notes) == sorted(f"/jobboard/offers/{o}" for o in offers)


def _newer_rome(db) -> None:
    """A ROME v4.70 loaded after v4.60, the way `load_rome` writes it (rows updated in place, rows
    absent from the file kept with their old source): H2302 relabelled and its appellation 38052
    re-filed under a new fiche H2399 (parent H2302); H1510 dropped, with one descendant H1599;
    H3301 (v4.60) dropped with two descendants."""
    with db() as s:
        v460 = s.scalar(select(Source).where(Source.key == "rome:v460"))
        v470 = Source(key="rome:v470", title="ROME 4.70 (France Travail)", kind="open_data")
        s.add(v470)
        s.add(Occupation(code="H3301", label="Conducteur de ligne", label_key="conducteur de ligne", domain="H",
                         subdomain="H33", source_id=v460.id))
        s.flush()
        h2302 = s.get(Occupation, "H2302")
        h2302.label, h2302.source_id = "Pilote de procédés de bioproduction", v470.id
        for code, parent, label in (("H2399", "H2302", "Opérateur / Opératrice de bioproduction"),
                                    ("H1599", "H1510", "Technicien / Technicienne de contrôle en biotechnologie"),
                                    ("H3398", "H3301", "Conducteur de ligne de remplissage"),
                                    ("H3399", "H3301", "Conducteur de ligne de conditionnement")):
            s.add(Occupation(code=code, label=label, label_key=label.lower(), domain="H", subdomain=code[:3],
                             parent_code=parent, source_id=v470.id))
        s.flush()
        title = s.get(JobTitle, "38052")
        title.occupation_code, title.source_id = "H2399", v470.id
        s.commit()


def test_rome_versions_map_only_what_the_files_say(client, db):
    w = _world(db)
    moved = make_offer(db, actor_id=w["ypo"])  # H2302 + appellation 38052
    plain = make_offer(db, actor_id=w["ypo"], appellation_code="")  # H2302 alone
    dropped = make_offer(db, actor_id=w["bio"], rome_code="H1510", appellation_code="")
    with db() as s:
        assert rome_versions.newest_version(s) == "rome:v460"
        assert rome_versions.resolve(s, offer=s.get(JobOffer, moved)).status == "current"
    _newer_rome(db)
    with db() as s:
        split = JobOffer(**{c: getattr(s.get(JobOffer, dropped), c) for c in (
            "actor_id", "site_id", "employer_name", "title", "search_key", "contract", "expires_on", "rome_version")},
            rome_code="H3301", rome_label="Conducteur de ligne", status="open", origin="member")
        s.add(split)
        s.commit()
        split_id = split.id
    with db() as s:
        assert rome_versions.newest_version(s) == "rome:v470"
        now = {oid: rome_versions.resolve(s, offer=s.get(JobOffer, oid)) for oid in (moved, plain, dropped, split_id)}
    assert (now[moved].status, now[moved].code, now[moved].mapped) == ("moved", "H2399", True)
    assert (now[plain].status, now[plain].code, now[plain].label) == ("current", "H2302", "Pilote de procédés de bioproduction")
    assert (now[dropped].status, now[dropped].code) == ("descendant", "H1599")
    assert now[split_id].status == "split" and not now[split_id].mapped
    assert [c["code"] for c in now[split_id].candidates] == ["H3398", "H3399"]
    with db() as s:  # the stored code and version are never rewritten
        offer = s.get(JobOffer, moved)
        assert (offer.rome_code, offer.rome_version) == ("H2302", "rome:v460")
    body = client.get(f"/api/v1/jobboard/offers/{moved}").json()
    assert body["rome"]["code"] == "H2302" and body["rome_now"]["code"] == "H2399"
    assert body["rome_now"]["version"] == "rome:v470" and body["rome_now"]["stored_version"] == "rome:v460"
    page = client.get(f"/jobboard/offers/{dropped}")
    assert 'data-rome-now="descendant"' in page.text and "H1599" in page.text
    assert 'data-rome-now="relabelled"' in client.get(f"/jobboard/offers/{plain}").text

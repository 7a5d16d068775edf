"""Correcting an actor's sites through contributions (issue 20 item 12): propose, review, the map,
the page, the history and search follow; a re-import of the site's source keeps the correction;
revert; members publish at once; bad input refused naming the field, nothing written."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from bioatlas.atlas.cells import cell_of
from bioatlas.atlas.geocode import gazetteer
from bioatlas.atlas.models import Actor, ActorChange, Site, SiteSupersession, Source
from bioatlas.atlas.records import ActorRecord, SiteRecord
from bioatlas.atlas.bulk import bulk_upsert
from bioatlas.atlas.writer import get_or_create_source, upsert_actor
from bioatlas.atlas.service import taxonomies
from bioatlas.contributions import sites
from bioatlas.contributions.models import Contribution
from bioatlas.contributions.site_fields import display_of
from tests.accounts.fixtures import (  # noqa: F401  (fixtures)
    acc_app, audit_events, csrf_of, login, mail_settings, make_user, smtp, web,
)
from tests.contributions.helpers import ROR


def _as(web, email):
    web.cookies.clear()
    assert login(web, email).status_code == 303
    return {"X-CSRF-Token": csrf_of(web, "/account")}


def _ror_record(actor_id: int | None = None) -> ActorRecord:
    place = gazetteer().geocode(postcode="91000")
    site = SiteRecord(role="hq", postcode="91000", commune_insee=place.insee, commune_name=place.name,
                      departement=place.departement, region=place.region, latitude=place.latitude,
                      longitude=place.longitude)
    return ActorRecord(name="Yposkesi", kind="company", identifiers={"ror": ["0yposk1"]}, sites=[site])


def _import(db, *, bulk: bool = False):
    """The registry's record of the actor, imported (again): by the writer, or by the bulk loader."""
    with db() as s:
        source = get_or_create_source(s, ROR)
        if bulk:
            counts = bulk_upsert(s, [_ror_record()], source=source, scheme="ror")
            s.commit()
            return counts
        outcome = upsert_actor(s, _ror_record(), source=source, match_by_name=False, schemes=("ror",))
        s.commit()
        return outcome


def _sites(db, actor_id):
    with db() as s:
        return [(x.postcode, x.commune_name, x.address, x.source.key, x.latitude, x.longitude, x.cell_g10, x.region)
                for x in s.scalars(select(Site).where(Site.actor_id == actor_id).order_by(Site.id))]


def test_a_site_correction_is_reviewed_shown_kept_by_reimports_and_reverted(web, db):
    actor = _import(db).actor_id
    with db() as s:
        site_id = s.scalar(select(Site.id).where(Site.actor_id == actor))
    uid = make_user(db, "user@example.org", name="Alex Proposer")
    make_user(db, "editor-idf@example.org", roles=[("editor", "region", "11")], name="Eve Editor")
    make_user(db, "editor-ara@example.org", roles=[("editor", "region", "84")])
    h = _as(web, "user@example.org")
    page = web.get(f"/actors/{actor}")
    assert 'data-action="site-edit"' in page.text and "Corriger l&#39;adresse" in page.text and "Ajouter un site" in page.text
    form = web.get(f"/actors/{actor}/sites/propose?site={site_id}").text
    assert "Corriger" in form
    # the country is chosen from a list of countries named in French, France first and selected
    countries = re.findall(r'<option value="([A-Z]{2})" ?(selected)?>([^<]*)</option>', form)
    assert countries[0] == ("FR", "selected", "France") and ("DE", "", "Allemagne") in countries
    assert len(countries) > 200 and [c for c in countries if c[1]] == [countries[0]]
    r = web.post(f"/api/v1/actors/{actor}/sites/proposals", headers=h, json={
        "action": "edit", "site_id": site_id,
        "fields": {"address": "1 rue de l'Essonne", "postcode": "91100", "commune": "Corbeil-Essonnes"}})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert r.json()["status"] == "pending" and r.json()["kind"] == "site_edit"
    exported = web.get("/api/v1/account/export").json()["contributions"]  # personal data: exportable as before
    assert [(c["id"], c["kind"]) for c in exported] == [(cid, "site_edit")]
    assert [x[0] for x in _sites(db, actor)] == ["91000"]  # nothing published before review
    # an editor of another region neither sees nor reviews it
    h = _as(web, "editor-ara@example.org")
    assert web.get("/api/v1/contributions").json() == []
    assert web.post(f"/api/v1/contributions/{cid}/review", json={"decision": "accept"}, headers=h).status_code == 403
    assert [x[0] for x in _sites(db, actor)] == ["91000"]
    # the region's editor sees a before/after diff with field labels, and accepts
    _as(web, "editor-idf@example.org")
    queue = web.get("/moderation").text
    assert "Correction d&#39;un site" in queue and "Adresse" in queue and "Commune" in queue
    assert 'data-field="postcode" class="changed"' in queue and "91000" in queue and "Corbeil" in queue
    assert 'data-field="_region"' not in queue and "site_edit" not in queue.replace('data-kind="site_edit"', "")
    csrf = csrf_of(web, "/moderation")
    assert web.post(f"/moderation/{cid}", data={"csrf_token": csrf, "decision": "accept"},
                    follow_redirects=False).status_code == 303
    corbeil = gazetteer().geocode(postcode="91100", commune="Corbeil-Essonnes")
    [after] = _sites(db, actor)
    assert after[:4] == ("91100", corbeil.name, "1 rue de l'Essonne", f"user:{uid}")
    assert (after[4], after[5]) == (corbeil.latitude, corbeil.longitude)  # geocoded from the communes data
    assert after[6] == cell_of(corbeil.latitude, corbeil.longitude, 10)  # the map's cells follow
    points = web.get("/api/v1/map", params={"q": "Yposkesi"}).json()["features"]
    assert [f["geometry"]["coordinates"] for f in points if f["properties"].get("actor_id", actor) == actor] \
        == [[round(corbeil.longitude, 6), round(corbeil.latitude, 6)]]
    detail = web.get(f"/api/v1/actors/{actor}").json()
    assert [(x["postcode"], x["commune_name"]) for x in detail["sites"]] == [("91100", corbeil.name)]
    assert actor in [hit["id"] for hit in web.get("/api/v1/search", params={"q": "Corbeil"}).json()["items"]]
    history = web.get(f"/api/v1/actors/{actor}/history").json()
    assert history[0]["field"] == "sites" and "91100" in history[0]["new_value"] and "91000" in history[0]["old_value"]
    # re-importing the registry (writer, then bulk loader) does not bring the old address back
    assert _import(db).status == "unchanged"
    assert _import(db, bulk=True)["unchanged"] == 1
    assert [x[0] for x in _sites(db, actor)] == ["91100"]
    # the editor reverts the correction: the registry's row comes back under its own source
    page = web.get(f"/actors/{actor}")
    with db() as s:
        change = s.scalar(select(ActorChange.id).where(ActorChange.actor_id == actor, ActorChange.field == "sites")
                          .order_by(ActorChange.id.desc()))
    assert f'data-revert="{change}"' in page.text
    csrf = csrf_of(web, f"/actors/{actor}")
    assert web.post(f"/actors/{actor}/history/{change}/revert", data={"csrf_token": csrf},
                    follow_redirects=False).status_code == 303
    assert [(x[0], x[3]) for x in _sites(db, actor)] == [("91000", "ror")]
    assert _import(db).status == "unchanged" and [x[0] for x in _sites(db, actor)] == ["91000"]
    with db() as s:  # the reverted correction is kept aside (so the revert can be reverted too)
        [kept] = s.scalars(select(SiteSupersession)).all()
        assert kept.source_id == s.scalar(select(Source.id).where(Source.key == f"user:{uid}"))
        assert json.loads(kept.site)["postcode"] == "91100"
        undo = s.scalar(select(ActorChange.id).where(ActorChange.actor_id == actor, ActorChange.field == "sites")
                        .order_by(ActorChange.id.desc()))
    assert web.post(f"/actors/{actor}/history/{undo}/revert", data={"csrf_token": csrf},
                    follow_redirects=False).status_code == 303
    assert [(x[0], x[3]) for x in _sites(db, actor)] == [("91100", f"user:{uid}")]
    assert _import(db).status == "unchanged" and [x[0] for x in _sites(db, actor)] == ["91100"]
    # a site an import added is reverted too: it becomes superseded, the next import leaves it out
    with db() as s:
        moved = _ror_record()
        moved.sites[0].address = "Autre adresse du registre"
        upsert_actor(s, moved, source=get_or_create_source(s, ROR), match_by_name=False, schemes=("ror",))
        s.commit()
        imported = s.scalar(select(ActorChange.id).where(ActorChange.actor_id == actor, ActorChange.field == "sites")
                            .order_by(ActorChange.id.desc()))
    assert len(_sites(db, actor)) == 2
    assert web.post(f"/actors/{actor}/history/{imported}/revert", data={"csrf_token": csrf},
                    follow_redirects=False).status_code == 303
    assert _import(db).status == "unchanged" and [x[0] for x in _sites(db, actor)] == ["91100"]
    # the actor's creation is not a change of sites: refused clearly, nothing changes
    with db() as s:
        created = s.scalar(select(ActorChange.id).where(ActorChange.actor_id == actor, ActorChange.action == "created"))
    refused = web.post(f"/actors/{actor}/history/{created}/revert", data={"csrf_token": csrf},
                       headers={"accept": "text/html"})
    assert refused.status_code == 409 and f"la modification {created} ne peut pas être annulée" in refused.text


def test_members_publish_at_once_rejections_change_nothing(web, db):
    actor = _import(db).actor_id
    make_user(db, "member@example.org", roles=[("member", "actor", actor)])
    make_user(db, "user@example.org")
    editor = make_user(db, "editor-idf@example.org", roles=[("editor", "region", "11")])
    # a member adds a site through the page (published at once), then removes it
    _as(web, "member@example.org")
    form = web.get(f"/actors/{actor}/sites/propose")
    assert form.status_code == 200 and 'name="commune"' in form.text
    csrf = csrf_of(web, f"/actors/{actor}/sites/propose")
    r = web.post(f"/actors/{actor}/sites/propose", data={
        "csrf_token": csrf, "role": "production", "postcode": "69007", "commune": "Lyon",
        "latitude": "45.7275", "longitude": "4.8321"})
    assert r.status_code == 200 and "Le site est mis à jour." in r.text, r.text[-500:]
    sites = _sites(db, actor)
    assert [(x[0], x[7], x[4]) for x in sites] == [("91000", "11", sites[0][4]), ("69007", "84", 45.7275)]
    with db() as s:
        lyon = s.scalar(select(Site).where(Site.actor_id == actor, Site.postcode == "69007"))
        assert (lyon.role, lyon.precision) == ("production", "address")
        lyon_id = lyon.id
    r = web.post(f"/actors/{actor}/sites/propose", data={"csrf_token": csrf, "site_id": str(lyon_id),
                                                          "decision": "remove"})
    assert r.status_code == 200 and [x[0] for x in _sites(db, actor)] == ["91000"]
    with db() as s:
        site_id = s.scalar(select(Site.id).where(Site.actor_id == actor))
    # a user's new site, rejected by the editor: nothing changes
    h = _as(web, "user@example.org")
    r = web.post(f"/api/v1/actors/{actor}/sites/proposals", headers=h,
                 json={"action": "add", "fields": {"commune": "Évry-Courcouronnes", "role": "rd"}})
    assert r.status_code == 201 and r.json()["status"] == "pending", r.text
    cid = r.json()["id"]
    r = web.post(f"/api/v1/actors/{actor}/sites/proposals", headers=h,
                 json={"action": "add", "fields": {"postcode": "91000", "role": "rd"}})
    amend = r.json()["id"]
    r = web.post(f"/api/v1/actors/{actor}/sites/proposals", headers=h, json={"action": "remove", "site_id": site_id})
    removal = r.json()["id"]
    h = _as(web, "editor-idf@example.org")
    queue = web.get("/moderation").text
    assert "Suppression d&#39;un site" in queue and "Ce site serait supprimé" in queue and "Nouveau site" in queue
    r = web.post(f"/api/v1/contributions/{removal}/review", headers=h, json={"decision": "amend", "fields": {"postcode": "91100"}})
    assert r.status_code == 422 and "removal" in r.text
    r = web.post(f"/api/v1/contributions/{cid}/review", json={"decision": "reject", "message": "Pas de site ici."},
                 headers=h)
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert [x[0] for x in _sites(db, actor)] == ["91000"]
    # the editor amends the other one (the commune), then publishes it
    r = web.post(f"/api/v1/contributions/{amend}/review", headers=h,
                 json={"decision": "amend", "fields": {"postcode": "91100", "commune": "Corbeil-Essonnes"}})
    assert r.status_code == 200 and r.json()["status"] == "amended", r.text
    with db() as s:
        added = s.scalar(select(Site).where(Site.actor_id == actor, Site.postcode == "91100"))
        assert (added.role, added.commune_name, added.source.key) == ("rd", "Corbeil Essonnes", f"user:{editor}")


def test_bad_site_input_is_refused_naming_the_field(web, db):
    actor = _import(db).actor_id
    with db() as s:
        site_id = s.scalar(select(Site.id).where(Site.actor_id == actor))
        other = upsert_actor(s, ActorRecord(name="Sanofi", kind="company", sites=[SiteRecord(postcode="75013")]),
                             source=get_or_create_source(s, ROR), match_by_name=False).actor_id
        other_site = s.scalar(select(Site.id).where(Site.actor_id == other))
        s.commit()
    make_user(db, "user@example.org")
    h = _as(web, "user@example.org")
    before = _sites(db, actor)
    cases = [
        ({"action": "add", "fields": {"commune": "Nulle-Part-sur-Mer"}}, "commune"),
        ({"action": "add", "fields": {"postcode": "69007", "commune": "Corbeil-Essonnes"}}, "postcode"),
        ({"action": "add", "fields": {"postcode": "99999"}}, "postcode"),
        ({"action": "add", "fields": {"postcode": "91000", "latitude": 51.5072, "longitude": -0.1276}}, "latitude"),
        ({"action": "add", "fields": {"postcode": "91000", "latitude": 48.6}}, "longitude"),
        ({"action": "add", "fields": {"postcode": "91000", "latitude": "nord"}}, "latitude"),
        ({"action": "add", "fields": {"postcode": "91000", "address": "1 rue \udfff"}}, "address"),
        ({"action": "add", "fields": {"postcode": "91000", "address": "1 rue \u202eeiv"}}, "address"),
        ({"action": "add", "fields": {"postcode": "91000", "address": "x" * 301}}, "address"),
        ({"action": "add", "fields": {"postcode": "91000", "role": "castle"}}, "role"),
        ({"action": "add", "fields": {"postcode": "91000", "region": "84"}}, "region"),
        ({"action": "add", "fields": {"postcode": "91000", "country": "France"}}, "country"),
        ({"action": "add", "fields": {"postcode": "91000", "country": "ZZ"}}, "country"),  # no such country
        ({"action": "add", "fields": {}}, "postcode"),
        ({"action": "edit", "site_id": other_site, "fields": {"postcode": "91100"}}, "site_id"),
        ({"action": "edit", "fields": {"postcode": "91100"}}, "site_id"),
        ({"action": "edit", "site_id": site_id, "fields": {"postcode": "91000"}}, "fields"),
        ({"action": "add", "fields": {"commune": "Saint-Denis"}}, "commune"),  # several communes: name the one
    ]
    for body, field in cases:
        r = web.post(f"/api/v1/actors/{actor}/sites/proposals", headers={**h, "Content-Type": "application/json"},
                     content=json.dumps(body))  # ASCII escapes: a lone surrogate travels as \udfff
        assert r.status_code == 422 and field in str(r.json()), (body, r.status_code, r.text)
    csrf = csrf_of(web, f"/actors/{actor}")
    r = web.post(f"/actors/{actor}/sites/propose", data={"csrf_token": csrf, "site_id": "x1", "postcode": "91000"})
    assert r.status_code == 422 and "site_id" in r.text
    r = web.post(f"/actors/{actor}/sites/propose", data={"csrf_token": csrf, "postcode": "91000", "commune": "Lyon"})
    assert r.status_code == 422 and "postcode" in r.text
    assert web.get(f"/actors/{actor}/sites/propose?site={other_site}").status_code == 404
    assert _sites(db, actor) == before
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Contribution)) == 0
        assert s.get(Actor, actor) is not None
    assert len(audit_events(db, "refused")) >= len(cases)


def test_a_proposal_finds_its_site_after_an_import_rewrote_the_row():
    """The moderation page's "before" and an editor's amendment find the proposed site by the
    values the proposal copied (`_was`) when an import has replaced the row under a new id."""
    place = gazetteer().geocode(postcode="91000")
    fields = dict(role="hq", postcode="91000", commune_insee=place.insee, commune_name=place.name,
                  departement=place.departement, region=place.region, country="FR",
                  latitude=place.latitude, longitude=place.longitude)
    actor = Actor(id=1, name="Yposkesi", sites=[Site(id=42, **fields)])
    kind, payload = sites.proposal(actor, action="edit", site_id=42, taxonomies=taxonomies(),
                                   fields={"postcode": "91100", "commune": "Corbeil-Essonnes"})
    actor.sites = [Site(id=43, **fields)]  # re-imported: same values, a new row
    assert sites.before_of(actor, payload) == display_of(actor.sites[0])
    amended = sites.amendment_of(actor, kind=kind, proposed=payload, fields={"address": "1 rue de l'Essonne"},
                                 taxonomies=taxonomies())
    assert amended["_site_id"] == 43 and (amended["address"], amended["postcode"]) == ("1 rue de l'Essonne", "91100")
    actor.sites = [Site(id=44, **{**fields, "postcode": "91300"})]  # a different site: not taken for it
    assert sites.before_of(actor, payload) is None

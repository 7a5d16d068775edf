"""Claims, members' edits, proposals, moderation (accept, amend, reject), reverts, bad input."""

from __future__ import annotations

import re


from sqlalchemy import func, select

from bioatlas.accounts.models import RoleGrant
from bioatlas.atlas.models import Actor, ActorChange
from bioatlas.contributions.models import Contribution
from tests.accounts.fixtures import (  # noqa: F401  (fixtures)
    acc_app, audit_events, csrf_of, login, mail_settings, make_user, smtp, web,
)
from tests.contributions.helpers import add_actor


def _as(web, email):
    web.cookies.clear()
    assert login(web, email).status_code == 303
    return {"X-CSRF-Token": csrf_of(web, "/account")}


def _count(db, model, *where):
    with db() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_claim_by_email_domain_then_edit_with_history(web, db):
    genethon = add_actor(db, "Genethon", "91000", kind="research_unit", website="https://www.genethon.fr")
    uid = make_user(db, "c.martin@genethon.fr", name="Camille Martin")
    _as(web, "c.martin@genethon.fr")
    page = web.get(f"/actors/{genethon}")
    assert 'data-action="claim"' in page.text and 'data-action="edit"' not in page.text
    csrf = csrf_of(web, f"/actors/{genethon}")
    r = web.post(f"/actors/{genethon}/claim", data={"csrf_token": csrf})
    assert r.status_code == 200 and "vérifiée" in r.text
    assert _count(db, RoleGrant, RoleGrant.user_id == uid, RoleGrant.scope_value == str(genethon)) == 1
    assert audit_events(db, "claim_verified")[-1].user_id == uid
    r = web.post(f"/actors/{genethon}/edit", data={
        "csrf_token": csrf, "description_fr": "Laboratoire de thérapie génique à Évry.", "modalities": ["aav", "lentiviral"],
        "scale_litres": "200"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    with db() as s:
        actor = s.get(Actor, genethon)
        assert actor.description_fr == "Laboratoire de thérapie génique à Évry." and actor.scale_litres == 200
        assert {c.code for c in actor.capabilities} == {"aav", "lentiviral"}
    page = web.get(f"/actors/{genethon}")
    assert "Camille Martin" in page.text and "capabilities.modalities" in page.text
    assert "data-revert" not in page.text  # members edit, editors revert


def test_claim_without_matching_domain_waits_for_the_region_editor(web, db):
    actor = add_actor(db, "Yposkesi", "91000", website="https://www.yposkesi.com")
    uid = make_user(db, "someone@gmail.com")
    make_user(db, "editor-idf@example.org", roles=[("editor", "region", "11")])
    make_user(db, "editor-ara@example.org", roles=[("editor", "region", "84")])
    h = _as(web, "someone@gmail.com")
    csrf = csrf_of(web, f"/actors/{actor}")
    assert "attend" in web.post(f"/actors/{actor}/claim", data={"csrf_token": csrf}).text
    again = web.post(f"/actors/{actor}/claim", data={"csrf_token": csrf}, headers={"accept": "text/html"})
    assert again.status_code == 409 and "votre revendication de cet acteur attend déjà" in again.text  # French page
    cid = web.get("/api/v1/account/export").json()["contributions"][0]["id"]
    assert web.get(f"/actors/{actor}/edit").status_code == 403
    h = _as(web, "editor-ara@example.org")
    assert web.get("/api/v1/contributions").json() == []
    assert web.post(f"/api/v1/contributions/{cid}/review", json={"decision": "accept"}, headers=h).status_code == 403
    h = _as(web, "editor-idf@example.org")
    assert [c["id"] for c in web.get("/api/v1/contributions").json()] == [cid]
    r = web.post(f"/api/v1/contributions/{cid}/review", json={"decision": "accept"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert _count(db, RoleGrant, RoleGrant.user_id == uid, RoleGrant.role == "member") == 1
    twice = web.post(f"/api/v1/contributions/{cid}/review", json={"decision": "accept"}, headers=h)
    assert twice.status_code == 409 and twice.json()["detail"] == f"contribution {cid} was already reviewed (accepted)"


def test_correction_accept_amend_reject_and_revert(web, db):
    actor = add_actor(db, "Yposkesi", "91000")
    make_user(db, "user@example.org", name="Alex Proposer")
    make_user(db, "editor@example.org", roles=[("editor", "region", "11")], name="Eve Editor")
    h = _as(web, "user@example.org")
    ids = []
    for text in ("CDMO de vecteurs viraux.", "CDMO AAV et lentivirus.", "Texte faux."):
        r = web.post(f"/api/v1/actors/{actor}/proposals", json={"fields": {"description_fr": text}}, headers=h)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    assert web.get(f"/api/v1/contributions/{ids[0]}").status_code == 200  # the author reads their own
    with db() as s:
        assert s.get(Actor, actor).description_fr is None  # nothing published before review
    h = _as(web, "editor@example.org")
    queue = web.get("/moderation")
    assert queue.status_code == 200 and queue.text.count('class="contribution"') == 3 and "Alex Proposer" in queue.text
    csrf = csrf_of(web, "/moderation")
    assert web.post(f"/moderation/{ids[0]}", data={"csrf_token": csrf, "decision": "accept"},
                    follow_redirects=False).status_code == 303
    assert web.post(f"/moderation/{ids[1]}", data={"csrf_token": csrf, "decision": "amend",
                                                   "description_fr": "CDMO de thérapie génique (AAV, lentivirus).",
                                                   "message": "précisé"}, follow_redirects=False).status_code == 303
    assert web.post(f"/moderation/{ids[2]}", data={"csrf_token": csrf, "decision": "reject"}).status_code == 409
    assert web.post(f"/moderation/{ids[2]}", data={"csrf_token": csrf, "decision": "reject",
                                                   "message": "Source introuvable."}, follow_redirects=False).status_code == 303
    with db() as s:
        assert s.get(Actor, actor).description_fr == "CDMO de thérapie génique (AAV, lentivirus)."
        statuses = [s.get(Contribution, i).status for i in ids]
        changes = s.scalars(select(ActorChange).where(ActorChange.actor_id == actor, ActorChange.field == "description_fr")
                            .order_by(ActorChange.id)).all()
        first = changes[0].id
    assert statuses == ["accepted", "amended", "rejected"]
    mine = None
    h = _as(web, "user@example.org")
    mine = web.get("/contributions/mine").text
    assert "Source introuvable." in mine and "refusée" in mine
    # members and users cannot revert; the editor can
    csrf = csrf_of(web, "/account")
    assert web.post(f"/actors/{actor}/history/{first}/revert", data={"csrf_token": csrf}).status_code == 403
    _as(web, "editor@example.org")
    page = web.get(f"/actors/{actor}")
    assert f'data-revert="{first}"' in page.text and "Eve Editor" in page.text
    csrf = csrf_of(web, f"/actors/{actor}")
    assert web.post(f"/actors/{actor}/history/{first}/revert", data={"csrf_token": csrf},
                    follow_redirects=False).status_code == 303
    with db() as s:
        assert s.get(Actor, actor).description_fr is None
        last = s.scalars(select(ActorChange).where(ActorChange.actor_id == actor).order_by(ActorChange.id.desc())).first()
        assert last.field == "description_fr" and last.new_value is None and last.source.key.startswith("user:")
    assert audit_events(db, "revert")[-1].detail.startswith('{"change_id"')
    other = add_actor(db, "Sanofi", "75013")
    assert web.post(f"/actors/{other}/history/{first}/revert", data={"csrf_token": csrf}).status_code == 404


def test_new_actor_proposal_goes_to_the_region_editor(web, db):
    make_user(db, "user@example.org")
    make_user(db, "editor-bfc@example.org", roles=[("editor", "region", "27")])
    make_user(db, "editor-idf@example.org", roles=[("editor", "region", "11")])
    h = _as(web, "user@example.org")
    r = web.post("/api/v1/contributions", json={"fields": {"name": "Région Bourgogne-Franche-Comté",
                                                            "kind": "public_agency", "postcode": "21000"}}, headers=h)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    h = _as(web, "editor-idf@example.org")
    assert web.get("/api/v1/contributions").json() == []
    h = _as(web, "editor-bfc@example.org")
    r = web.post(f"/api/v1/contributions/{cid}/review", json={"decision": "accept"}, headers=h)
    assert r.status_code == 200, r.text
    with db() as s:
        actor = s.get(Actor, r.json()["actor_id"])
        assert actor.name == "Région Bourgogne-Franche-Comté" and actor.sites[0].region == "27"


def test_bad_contributions_are_refused_logged_and_change_nothing(web, db, mail_settings):
    actor = add_actor(db, "Yposkesi", "91000")
    make_user(db, "user@example.org")
    make_user(db, "unverified@example.org", verified=False)
    h = _as(web, "user@example.org")
    cases = [
        ({"description_fr": "<script>alert('x')</script>"}, "description_fr", "HTML"),
        ({"description_fr": "<img src=x onerror=alert(1)>"}, "description_fr", "HTML"),
        ({"website": "javascript:alert(1)"}, "website", ""),
        ({"description_fr": "x" * (mail_settings.max_contribution_chars + 1)}, "description_fr", "too long"),
        ({"role": "editor"}, "role", "cannot be set"),
        ({"verified": "true"}, "verified", "cannot be set"),
        ({"modalities": ["not-a-modality"]}, "modalities", "unknown value"),
        ({"scale_litres": "-5"}, "scale_litres", "litres"),
    ]
    for fields, field, reason in cases:
        r = web.post(f"/api/v1/actors/{actor}/proposals", json={"fields": fields}, headers=h)
        assert r.status_code == 422 and r.json()["detail"].startswith(field) and reason in r.json()["detail"], r.text
    r = web.post(f"/api/v1/actors/{actor}/proposals", json={"fields": {"name": "X"}, "status": "accepted"}, headers=h)
    assert r.status_code == 422
    assert web.post("/api/v1/actors/999999/proposals", json={"fields": {"name": "X"}}, headers=h).status_code == 404
    csrf = csrf_of(web, f"/actors/{actor}/propose")
    r = web.post(f"/actors/{actor}/propose", data={"csrf_token": csrf, "description_fr": "<b>gras</b>"})
    assert r.status_code == 422 and "HTML" in r.text
    assert _count(db, Contribution) == 0
    assert len(audit_events(db, "refused")) >= len(cases) + 1
    web.cookies.clear()  # an unverified address cannot log in at all, so cannot propose
    assert login(web, "unverified@example.org").status_code == 401


def test_cluster_editor_edits_member_actors_and_proposal_rate_limit(mail_settings, db):
    from fastapi.testclient import TestClient

    from bioatlas.app import create_app

    cluster = add_actor(db, "Genopole", "91000", kind="cluster")
    member = add_actor(db, "Yposkesi", "91000", relations=[("member_of", cluster)])
    outside = add_actor(db, "bioMérieux", "69007")
    make_user(db, "genopole-staff@example.org", roles=[("editor", "cluster", cluster)])
    app = create_app(mail_settings.model_copy(update={"rate_limit_proposals": 2}))
    with TestClient(app) as web:
        _as(web, "genopole-staff@example.org")
        assert web.get(f"/actors/{member}/edit").status_code == 200
        assert web.get(f"/actors/{cluster}/edit").status_code == 200
        assert web.get(f"/actors/{outside}/edit").status_code == 403
        h = {"X-CSRF-Token": csrf_of(web, "/account")}
        codes = [web.post(f"/api/v1/actors/{outside}/proposals", json={"fields": {"description_fr": f"v{i}"}},
                          headers=h).status_code for i in range(3)]
    assert codes == [201, 201, 429]
    assert audit_events(db, "rate_limited")[-1].target == "proposal"


def test_a_domain_shared_by_several_actors_does_not_grant_edit_rights(web, db):
    """Issue 20 item 6: one @inria.fr address could claim 153 actors at once. A domain that is the
    website domain of several actors proves membership of one of them, not which: an editor decides."""
    lab = add_actor(db, "Inria Saclay", "91120", kind="research_unit", website="https://www.inria.fr/fr/saclay")
    add_actor(db, "Inria Paris", "75012", kind="research_unit", website="https://inria.fr/fr/paris")
    own = add_actor(db, "Genethon", "91000", kind="research_unit", website="https://www.genethon.fr")
    uid = make_user(db, "a.chercheur@inria.fr")
    make_user(db, "x@genethon.fr")
    _as(web, "a.chercheur@inria.fr")
    r = web.post(f"/actors/{lab}/claim", data={"csrf_token": csrf_of(web, f"/actors/{lab}")})
    assert r.status_code == 200 and "attend" in r.text  # waits for an editor
    assert _count(db, RoleGrant, RoleGrant.user_id == uid) == 0
    _as(web, "x@genethon.fr")  # a domain of one actor still verifies at once
    assert "vérifiée" in web.post(f"/actors/{own}/claim", data={"csrf_token": csrf_of(web, f"/actors/{own}")}).text


def test_an_editors_queue_is_cut_after_the_scope_filter(web, db):
    """Issue 20 item 6: the queue took the 500 oldest pending items, then kept the editor's: with
    more than 500 older items of other regions, a region's new items were hidden."""
    from bioatlas.contributions.service import QUEUE_SHOWN

    lyon = add_actor(db, "Yposkesi Lyon", "69007")
    evry = add_actor(db, "Yposkesi", "91000")
    author = make_user(db, "author@example.org")
    make_user(db, "editor-idf@example.org", roles=[("editor", "region", "11")])
    with db() as s:
        for _ in range(QUEUE_SHOWN + 1):  # older items of another region
            s.add(Contribution(kind="correction", actor_id=lyon, author_id=author, status="pending",
                               payload='{"description_fr": "x"}'))
        s.commit()
        s.add(Contribution(kind="correction", actor_id=evry, author_id=author, status="pending",
                           payload='{"description_fr": "y"}'))
        s.commit()
    _as(web, "editor-idf@example.org")
    listed = web.get("/api/v1/contributions").json()
    assert [c["actor_id"] for c in listed] == [evry]


def test_propose_a_new_actor_from_the_map_and_the_directory(web, db):
    """The map's list and the directory offer to propose a missing actor: visitors through the login
    page (then back to the form), signed-in users straight to the form."""
    client = web
    add_actor(db, "Yposkesi", "91000")
    for path in ("/", "/actors"):
        page = client.get(path, params={"lang": "en"}).text
        assert 'href="/account/login?next=/contribute/new" data-action="propose-new">Propose a new actor</a>' in page
        assert re.search(r"1</(strong|span)>\s*<span data-total-word [^>]*>actor( \(scope: every actor of the atlas\))?<", page)
    make_user(db, "camille@example.org")
    login(client, "camille@example.org", follow=True)
    for path in ("/", "/actors"):
        assert 'href="/contribute/new" data-action="propose-new"' in client.get(path).text
    assert client.get("/contribute/new").status_code == 200

"""Audit log (admins only), role grants (no mass assignment), the admin token, export and
deletion of one's personal data."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bioatlas.accounts.models import AuditEvent, RoleGrant, User
from bioatlas.atlas.models import ActorChange, Source
from bioatlas.contributions.models import Contribution
from tests.accounts.fixtures import (  # noqa: F401  (fixtures)
    PASSWORD, acc_app, audit_events, csrf_of, login, mail_settings, make_user, smtp, web,
)
from tests.contributions.helpers import add_actor

ADMIN_TOKEN = {"Authorization": "Bearer " + "t" * 32}


def _api_csrf(client) -> dict:
    return {"X-CSRF-Token": csrf_of(client, "/account")}


def test_audit_log_is_for_admins_only(web, db):
    make_user(db, "admin@example.org", admin=True)
    make_user(db, "user@example.org")
    login(web, "user@example.org", "wrong password!")
    assert login(web, "user@example.org").status_code == 303
    assert web.get("/admin/audit").status_code == 403
    assert web.get("/api/v1/admin/audit").status_code == 403
    web.cookies.clear()
    assert web.get("/api/v1/admin/audit").status_code == 401
    assert login(web, "admin@example.org").status_code == 303
    page = web.get("/admin/audit", params={"event": "login_failed"})
    assert page.status_code == 200 and 'data-event="login_failed"' in page.text and 'data-event="login"' not in page.text
    rows = web.get("/api/v1/admin/audit", params={"event": "refused"}).json()
    assert {r["target"] for r in rows} >= {"GET /admin/audit", "GET /api/v1/admin/audit"}
    # the admin token of scripts maps to the platform admin role
    web.cookies.clear()
    assert web.get("/api/v1/admin/audit", headers=ADMIN_TOKEN).status_code == 200
    assert web.get("/api/v1/admin/audit", headers={"Authorization": "Bearer forged"}).status_code == 401


def test_role_grants_refuse_mass_assignment_and_non_admins(web, db):
    make_user(db, "admin@example.org", admin=True)
    user_id = make_user(db, "user@example.org")
    actor_id = add_actor(db, "Genethon", "91000", website="https://www.genethon.fr")
    assert login(web, "user@example.org").status_code == 303
    grant = {"email": "user@example.org", "role": "member", "scope_kind": "actor", "scope_value": str(actor_id)}
    assert web.post("/api/v1/admin/roles", json=grant, headers=_api_csrf(web)).status_code == 403
    web.cookies.clear()
    assert login(web, "admin@example.org").status_code == 303
    headers = _api_csrf(web)
    r = web.post("/api/v1/admin/roles", json={**grant, "is_admin": True}, headers=headers)
    assert r.status_code == 422 and "is_admin" in r.text
    r = web.post("/api/v1/admin/roles", json={**grant, "role": "editor", "scope_kind": "region", "scope_value": "99"},
                 headers=headers)
    assert r.status_code == 422 and "region" in r.json()["detail"]
    assert web.post("/api/v1/admin/roles", json=grant).status_code == 403  # no CSRF header
    r = web.post("/api/v1/admin/roles", json=grant, headers=headers)
    assert r.status_code == 201, r.text
    assert web.post("/api/v1/admin/roles", json=grant, headers=headers).status_code == 409
    with db() as s:
        assert s.scalar(select(func.count()).select_from(RoleGrant).where(RoleGrant.user_id == user_id)) == 1
        assert not s.get(User, user_id).is_admin
    assert [e.target for e in audit_events(db, "role_granted")] == [f"user:{user_id}"]
    grant_id = r.json()["id"]
    assert web.delete(f"/api/v1/admin/roles/{grant_id}", headers=headers).status_code == 200
    assert audit_events(db, "role_revoked")[-1].target == f"user:{user_id}"


def test_export_and_delete_my_data(web, db):
    user_id = make_user(db, "camille@example.org", name="Camille Martin")
    actor_id = add_actor(db, "Genethon", "91000")
    assert login(web, "camille@example.org").status_code == 303
    headers = _api_csrf(web)
    r = web.post(f"/api/v1/actors/{actor_id}/proposals",
                 json={"fields": {"description_fr": "Laboratoire de thérapie génique."}, "note": "site officiel"},
                 headers=headers)
    assert r.status_code == 201, r.text
    exported = web.get("/account/export")
    assert exported.headers["cache-control"] == "no-store"
    data = json.loads(exported.content)
    assert data["account"]["email"] == "camille@example.org"
    assert data["contributions"][0]["payload"] == {"description_fr": "Laboratoire de thérapie génique."}
    assert {e["event"] for e in data["audit_events"]} >= {"login", "contribution"}
    assert audit_events(db, "export")[-1].target == "/account/export"

    # a member edit, written to the atlas under the user's source
    with db() as s:
        s.add(RoleGrant(user_id=user_id, role="member", scope_kind="actor", scope_value=str(actor_id)))
        s.commit()
    csrf = csrf_of(web, f"/actors/{actor_id}/edit")
    r = web.post(f"/actors/{actor_id}/edit", data={"csrf_token": csrf, "gmp": "gmp_clinical"}, follow_redirects=False)
    assert r.status_code == 303, r.text

    csrf = csrf_of(web, "/account")
    r = web.post("/account/delete", data={"csrf_token": csrf, "password": "not my password"})
    assert r.status_code == 403
    with db() as s:
        assert s.get(User, user_id) is not None
    r = web.post("/account/delete", data={"csrf_token": csrf, "password": PASSWORD})
    assert r.status_code == 200
    with db() as s:
        assert s.get(User, user_id) is None
        assert s.scalar(select(func.count()).select_from(RoleGrant)) == 0
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.user_id == user_id)) == 0
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.ip.is_not(None))) == 0
        contributions = s.scalars(select(Contribution)).all()
        assert contributions and all(c.author_id is None for c in contributions)
        keys = [src.key for src in s.scalars(select(Source).where(Source.kind == "user"))]
        assert keys and all(not k.endswith(f":{user_id}") for k in keys)
        change = s.scalars(select(ActorChange).where(ActorChange.field == "gmp")).one()  # the fact stays
        assert change.source.title == "Anonymised contributor" and json.loads(change.new_value) == "gmp_clinical"
    assert web.get("/api/v1/account").status_code == 401
    assert login(web, "camille@example.org").status_code == 401

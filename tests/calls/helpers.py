"""A small world for the calls tests: real actors (placed by the gazetteer), users for each role,
a published call with its panel, applications; objects for the authorisation matrix."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from fastapi.testclient import TestClient

from bioatlas.accounts import service as accounts
from bioatlas.accounts.models import User
from bioatlas.calls import service
from bioatlas.calls.rules import ProjectScope
from tests.accounts.fixtures import make_user as make_user_with_password  # noqa: F401  (when a login is tested)
from tests.contributions.helpers import add_actor

FORM = {"fields": [
    {"name": "summary", "label_fr": "Résumé", "label_en": "Summary", "type": "textarea", "required": True,
     "max_length": 200},
    {"name": "founded_year", "label_fr": "Année", "label_en": "Year", "type": "number", "min": 1900, "max": 2100},
    {"name": "deck", "label_fr": "Présentation", "label_en": "Deck", "type": "file", "accept": ["application/pdf"],
     "max_bytes": 2048},
]}
CRITERIA = [{"code": "excellence", "label_fr": "Excellence scientifique", "label_en": "Scientific excellence", "weight": 2, "scale_min": 0, "scale_max": 5, "threshold": 3},
            {"code": "impact", "weight": 1, "scale_min": 0, "scale_max": 5}]
PDF = b"%PDF-1.4\n% synthetic test file\n"


def make_user(db, email: str, *, roles=(), name: str = "User", admin: bool = False) -> int:
    """A verified account without a password (no hashing: these tests open sessions directly),
    with roles as (role, scope_kind, value)."""
    from bioatlas.accounts import service as accounts
    from bioatlas.accounts.models import RoleGrant

    with db() as s:
        user = accounts.ensure_user(s, email=email, display_name=name)
        user.is_admin = admin
        for role, kind, value in roles:
            s.add(RoleGrant(user_id=user.id, role=role, scope_kind=kind, scope_value=str(value)))
        s.commit()
        return user.id


def make_call(db, *, manager: int | None, region: str = "11", closes_in_days: int = 10, per_item: int = 2,
              eligibility=None) -> int:
    now = datetime.now(timezone.utc)
    with db() as s:
        call = service.create_call(s, by_user_id=manager, kind="challenge", title_fr="Défi test", title_en="Test call",
                                   region=region, opens_at=now - timedelta(days=5),
                                   closes_at=now + timedelta(days=closes_in_days),
                                   eligibility=eligibility or {}, form=FORM, criteria=CRITERIA,
                                   reviewers_per_item=per_item, managers=[manager] if manager else [])
        service.publish_call(s, call=call, by_user_id=manager)
        return call.id


def apply(db, *, call_id: int, user_id: int, actor_id: int | None, submit: bool = True, co=()) -> int:
    with db() as s:
        call = service.get_call(s, call_id=call_id)
        app = service.start_application(s, call=call, user_id=user_id, actor_id=actor_id,
                                        applicant_name="" if actor_id else "Acteur proposé")
        service.save_draft(s, application=app, raw={"summary": "Un résumé."}, co_applicants=list(co))
        if submit:
            service.submit(s, application=app, user_id=user_id)
        return app.id


def matrix_world(db, *, users: dict[str, int], stranger: int, a: int, b: int) -> dict:
    """For tests/test_authz_matrix.py: a call managed by the region-11 editors (own) and one in
    region 84 (other); an application of each role's user on the own call, a stranger's on the
    other; projects in regions 11 and 84."""
    own = make_call(db, manager=None, region="11")
    other = make_call(db, manager=None, region="84")
    apps = {}
    for role, uid in {**users, "token": stranger, "anonymous": stranger}.items():
        apps[role] = apply(db, call_id=own, user_id=uid, actor_id=a, submit=False)
    other_app = apply(db, call_id=other, user_id=stranger, actor_id=b, submit=False)
    with db() as s:
        start = datetime.now(timezone.utc).date()
        p11 = service.create_project(s, title="Projet test 11", region="11", modality=None, start_date=start,
                                     end_date=start + timedelta(days=365), budget_eur=1.0, source_key="test:p",
                                     source_title="Test", milestones=[{"title": "M1", "due_date": start}])
        p84 = service.create_project(s, title="Projet test 84", region="84", modality=None, start_date=start,
                                     end_date=start + timedelta(days=365), budget_eur=1.0, source_key="test:p",
                                     source_title="Test", milestones=[{"title": "M1", "due_date": start}])
        return {"calls": (own, other), "applications": apps, "other_application": other_app,
                "projects": (p11.id, p84.id), "milestones": (p11.milestones[0].id, p84.milestones[0].id)}


def policy_objects(session, world: dict, role: str, action: str):
    """(own, other) objects of the calls actions for the pure policy check, or None."""
    calls = world["calls_world"]
    if action.startswith("call."):
        return tuple(service.call_scope(session, call=service.get_call(session, call_id=c)) for c in calls["calls"])
    if action.startswith("application."):
        own = service.get_application(session, application_id=calls["applications"][role])
        other = service.get_application(session, application_id=calls["other_application"])
        return (service.application_scope(session, application=own), service.application_scope(session, application=other))
    if action == "review.score":
        return (service.ReviewSeat(calls["applications"][role]), service.ReviewSeat(calls["other_application"]))
    if action == "project.manage":
        return (ProjectScope(calls["projects"][0], "11"), ProjectScope(calls["projects"][1], "84"))
    return None


def url_values(world: dict, role: str, whose: str) -> dict:
    calls = world["calls_world"]
    own = whose == "own"
    return {"call_id": calls["calls"][0 if own else 1],
            "application_id": calls["applications"][role] if own else calls["other_application"],
            "project_id": calls["projects"][0 if own else 1], "milestone_id": calls["milestones"][0 if own else 1]}


def client_for(story, db, role):
    client = TestClient(story["app"], raise_server_exceptions=False, follow_redirects=False)
    if role == "anonymous":
        return client, {}
    with db() as s:
        user = s.get(User, story["users"][role])
        raw, row = accounts.create_session(s, user=user, days=1)
        headers = {"X-CSRF-Token": row.csrf_token}
        s.commit()
    client.cookies.set("bioatlas_session", raw)
    return client, headers


__all__ = ["client_for", "PDF", "apply", "make_call", "make_user", "add_actor", "matrix_world", "policy_objects", "url_values"]

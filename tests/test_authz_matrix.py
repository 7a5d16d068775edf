"""The authorisation matrix: every route of the application (read from the route table) ×
every role × its own and another's object, checked over HTTP against a hand-written table of
who may do what. A new write endpoint without a policy entry, a private path served without
one, a refusal where the table allows or an answer where it refuses: the test fails."""

from __future__ import annotations

import re
import secrets

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select

from bioatlas.accounts import service
from bioatlas.accounts.models import RoleGrant, User
from bioatlas.accounts.policy import DECLARED, RULES, TOKEN_ADMIN, can, policy_of, principal_for
from bioatlas.app import create_app
from bioatlas.atlas.models import ActorChange
from bioatlas.contributions.models import Contribution
from bioatlas.contributions.service import actor_scope, contribution_scope
from bioatlas.messaging import service as messaging
from tests.accounts.fixtures import PASSWORD, make_user
from tests.calls.helpers import matrix_world, policy_objects, url_values
from tests.contributions.helpers import add_actor
from tests.events import helpers as events_helpers
from tests.opportunities import helpers as opportunities_helpers
from tests.jobboard import helpers as jobboard_helpers
from tests.oneshop import helpers as oneshop_helpers

ROLES = ("anonymous", "user", "member", "editor", "admin", "token")
PRIVATE_PREFIXES = ("/account", "/admin", "/moderation", "/contributions", "/contribute", "/api/v1/account",
                    "/api/v1/admin", "/api/v1/contributions", "/notifications", "/messages",
                    "/api/v1/messages")
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Who may do what, by role, on its own object (actor A, where the member and the editor hold
# their role; a contribution the role's user wrote on A) and on another's (actor B in another
# region; a stranger's contribution on B). Written by hand: the policy must agree with it.
ALL, NOBODY = set(ROLES), set()
USERS = {"user", "member", "editor", "admin"}
EXPECTED = {
    "public.read": (ALL, ALL),
    "public.form": (ALL, ALL),
    "account.self": (USERS, USERS),
    "actor.claim": (USERS, USERS),
    "actor.propose": (USERS, USERS),
    "actor.edit": ({"member", "editor", "admin", "token"}, {"admin", "token"}),
    "actor.revert": ({"editor", "admin", "token"}, {"admin", "token"}),
    "contribution.read": ({"user", "member", "editor", "admin", "token"}, {"admin", "token"}),
    "contribution.review": ({"editor", "admin", "token"}, {"admin", "token"}),
    "moderation.queue": ({"editor", "admin", "token"}, {"editor", "admin", "token"}),
    "audit.read": ({"admin", "token"}, {"admin", "token"}),
    "role.grant": ({"admin", "token"}, {"admin", "token"}),
    "import.run": ({"admin", "token"}, {"admin", "token"}),
    "admin.write": ({"admin", "token"}, {"admin", "token"}),
    "notification.self": (USERS, USERS),
    "jobs.read": ({"admin", "token"}, {"admin", "token"}),
    "capability.judge": ({"member", "editor", "admin", "token"}, {"admin", "token"}),
    # calls (own: the call of region 11, the role's own application there, the project of region 11)
    "call.create": ({"editor", "admin", "token"}, {"editor", "admin", "token"}),
    "call.manage": ({"editor", "admin", "token"}, {"admin", "token"}),
    "call.apply": (USERS, USERS),
    "review.declare": (USERS, USERS),
    "application.read": ({"user", "member", "editor", "admin", "token"}, {"admin", "token"}),
    "application.edit": ({"user", "member", "editor", "admin"}, NOBODY),
    "review.score": (NOBODY, NOBODY),  # nobody is assigned here: tests/calls covers reviewers
    "project.manage": ({"editor", "admin", "token"}, {"admin", "token"}),
    "capacity.edit": ({"member", "admin", "token"}, {"admin", "token"}),
    "capacity.verify": ({"editor", "admin", "token"}, {"admin", "token"}),
    # messaging: one's own conversations (own object: a thread the role's user is in; other: a
    # thread between two other people, which nobody else reads, admins included)
    "messaging.use": (USERS, USERS),
    "messaging.read": (USERS, NOBODY),
    "messaging.post": (USERS, NOBODY),
    "messaging.moderate": ({"admin", "token"}, {"admin", "token"}),
    # events (own: the event organised by actor A, every role's user registered there, a request to
    # each; other: the event of actor B, nobody of the roles registered, a request between two others)
    "events.create": ({"member", "admin", "token"}, {"member", "admin", "token"}),
    "events.organise": ({"member", "admin", "token"}, {"admin", "token"}),
    "events.register": (USERS, USERS),
    "events.participate": ({"user", "member", "editor", "admin", "token"}, {"admin", "token"}),
    "events.answer": (USERS, NOBODY),
    # partner search (own: an opportunity of actor A; other: one of actor B)
    "opportunities.edit": ({"member", "admin", "token"}, {"admin", "token"}),
    "opportunities.review": ({"editor", "admin", "token"}, {"admin", "token"}),
    "opportunities.interest": (USERS, USERS),
    # job board (own: an offer of actor A; other: an offer of actor B)
    "jobboard.publish": ({"member", "admin", "token"}, {"admin", "token"}),
    # one-stop shop (own: a case of the role's user routed to actor A, a document shared with A;
    # other: the stranger's case routed to actor B): a partner sees only what is routed to it,
    # coordinators (admins) read routing but not the partners' notes nor the documents
    "oneshop.follow": (USERS, USERS),
    "oneshop.coordinate": ({"admin", "token"}, {"admin", "token"}),
    "oneshop.read": ({"user", "member", "editor", "admin", "token"}, {"admin", "token"}),
    "oneshop.partner": ({"member"}, NOBODY),
    "oneshop.converse": (USERS, NOBODY),
    "oneshop.company": (USERS, NOBODY),
    "oneshop.document": (USERS, NOBODY),
    "oneshop.rate": (USERS, NOBODY),
}
OBJECT_PARAMS = {"actor_id", "contribution_id", "change_id", "call_id", "application_id", "project_id", "thread_id",
                 "event_id", "request_id", "run_id", "opportunity_id", "offer_id", "case_id", "routed_id",
                 "document_id"}


def routes(app):
    """(method, path, route) for every endpoint, through included routers."""
    def walk(items):
        for r in items:
            if hasattr(r, "original_router"):
                yield from walk(r.original_router.routes)
            elif getattr(r, "methods", None):
                yield r
    out = []
    for r in walk(app.routes):
        for m in sorted(r.methods - {"HEAD", "OPTIONS"}):
            out.append((m, r.path, r))
    return out


def action_of(method: str, path: str, route) -> str | None:
    declared = policy_of(route) if isinstance(route, APIRoute) else None
    return declared or DECLARED.get((method, path)) or (None if method in UNSAFE else "public.read")


@pytest.fixture
def world(db, settings):
    """Users for each role, two actors in two regions, a contribution per user, a stranger's."""
    a = add_actor(db, "Yposkesi", "91000", website="https://www.yposkesi.com")  # Île-de-France (11)
    b = add_actor(db, "bioMérieux", "69007")                                   # Auvergne-Rhône-Alpes (84)
    ids = {
        "user": make_user(db, "user@example.org"),
        "member": make_user(db, "member@example.org", roles=[("member", "actor", a)]),
        "editor": make_user(db, "editor@example.org", roles=[("editor", "region", "11")]),
        "admin": make_user(db, "admin@example.org", admin=True),
    }
    stranger = make_user(db, "stranger@example.org")
    third = make_user(db, "third@example.org")
    with db() as s:
        # a conversation of each role's user with the stranger, and one between two others
        threads = {role: messaging.open_thread(s, user_ids=[stranger], opened_by=uid, accepted=True).id
                   for role, uid in ids.items()}
        threads["token"] = threads["anonymous"] = threads["other"] = messaging.open_thread(
            s, user_ids=[third], opened_by=stranger, accepted=True).id
        s.commit()
    with db() as s:
        contributions = {}
        for role, uid in {**ids, "token": stranger, "anonymous": stranger}.items():
            c = Contribution(kind="correction", actor_id=a, author_id=uid, payload='{"description_fr": "x"}')
            s.add(c)
            s.flush()
            contributions[role] = c.id
        other = Contribution(kind="correction", actor_id=b, author_id=stranger, payload='{"description_fr": "y"}')
        s.add(other)
        spare = RoleGrant(user_id=stranger, role="member", scope_kind="actor", scope_value=str(b))
        s.add(spare)
        s.flush()
        changes = {x: s.scalar(select(ActorChange.id).where(ActorChange.actor_id == x)) for x in (a, b)}
        s.commit()
        world = {"a": a, "b": b, "users": ids, "contributions": contributions, "other_contribution": other.id,
                 "changes": changes, "grant": spare.id, "threads": threads}
    world["calls_world"] = matrix_world(db, users=ids, stranger=stranger, a=a, b=b)
    world["events_world"] = events_helpers.matrix_world(db, users=ids, stranger=stranger, a=a, b=b)
    world["opportunities_world"] = opportunities_helpers.matrix_world(db, a=a, b=b)
    world["jobboard_world"] = jobboard_helpers.matrix_world(db, a=a, b=b)
    world["oneshop_world"] = oneshop_helpers.matrix_world(db, users=ids, stranger=stranger, a=a, b=b)
    return world


def _principal(db, role):
    if role == "anonymous":
        from bioatlas.accounts.policy import ANONYMOUS
        return ANONYMOUS
    if role == "token":
        return TOKEN_ADMIN
    with db() as s:
        return principal_for(s, s.scalar(select(User).where(User.email == f"{role}@example.org")))


def test_the_policy_agrees_with_the_table(db, world):
    """can() for every action × role × own/other object (pure policy, no HTTP)."""
    assert set(EXPECTED) == set(RULES), "every policy action has a row in the expected table"
    with db() as s:
        from bioatlas.atlas.models import Actor

        scopes = {"own": actor_scope(s, actor=s.get(Actor, world["a"])), "other": actor_scope(s, actor=s.get(Actor, world["b"]))}
        for role in ROLES:
            p = _principal(db, role)
            own_c = contribution_scope(s, contribution=s.get(Contribution, world["contributions"][role]))
            other_c = contribution_scope(s, contribution=s.get(Contribution, world["other_contribution"]))
            own_t = messaging.thread_access(s, thread_id=world["threads"][role])
            other_t = messaging.thread_access(s, thread_id=world["threads"]["other"])
            for action, (own_ok, other_ok) in EXPECTED.items():
                objs = (own_c, other_c) if action.startswith("contribution.") else (scopes["own"], scopes["other"])
                objs = policy_objects(s, world, role, action) or objs
                objs = events_helpers.policy_objects(s, world, role, action) or objs
                objs = jobboard_helpers.policy_objects(s, world, role, action) or objs
                objs = oneshop_helpers.policy_objects(s, world, role, action) or objs
                if action.startswith("messaging."):
                    objs = (own_t, other_t)
                for obj, allowed in zip(objs, (own_ok, other_ok)):
                    assert can(p, action, obj) == (role in allowed), (role, action, obj)


def _client_for(app, db, role):
    """A client signed in as `role`, entered: its requests share one event-loop thread (outside a
    `with`, TestClient starts a thread and a loop for every request, ~2 ms each over ~3,200)."""
    client = TestClient(app, raise_server_exceptions=False).__enter__()
    csrf = secrets.token_urlsafe(16)
    client.cookies.set("bioatlas_csrf", csrf)
    headers = {"X-CSRF-Token": csrf}
    if role == "token":
        headers = {"Authorization": "Bearer " + "t" * 32}
    elif role != "anonymous":
        with db() as s:
            user = s.scalar(select(User).where(User.email == f"{role}@example.org"))
            raw, row = service.create_session(s, user=user, days=1)
            headers = {"X-CSRF-Token": row.csrf_token}
            s.commit()
        client.cookies.set("bioatlas_session", raw)
    return client, headers, dict(client.cookies)


def _sample(method: str, path: str, role: str):
    """A body that passes validation, so that only authorisation decides the outcome."""
    email = "admin@example.org" if role in ("anonymous", "token") else f"{role}@example.org"
    forms = {
        "/account/login": {"email": email, "password": PASSWORD},
        "/account/signup": {"email": f"new-{role}@example.org", "password": PASSWORD, "display_name": "New"},
        "/account/reset": {"email": "nobody@example.org"},
        "/account/reset/confirm": {"token": "expired-or-forged", "password": PASSWORD},
        "/account/delete": {"password": PASSWORD},
        "/account/language": {"language": "fr"},
        "/actors/{actor_id}/edit": {"description_fr": f"Texte {role} {secrets.token_hex(3)}"},
        "/actors/{actor_id}/propose": {"description_fr": f"Texte {role} {secrets.token_hex(3)}"},
        "/contribute/new": {"name": f"Nouvel acteur {role}", "postcode": "91000"},
        # sites abroad: an accepted one must not move actor A or B into another region
        "/actors/{actor_id}/sites/propose": {"address": f"Rue {role} {secrets.token_hex(3)}", "country": "BE",
                                             "commune": "Bruxelles"},
        "/moderation/{contribution_id}": {"decision": "reject", "message": "non"},
    }
    json_bodies = {
        "/api/v1/actors/{actor_id}/proposals": {"fields": {"description_fr": f"Proposé {secrets.token_hex(3)}"}},
        "/api/v1/contributions": {"fields": {"name": "Acteur proposé", "postcode": "91000"}},
        "/api/v1/actors/{actor_id}/sites/proposals": {"action": "add", "fields": {
            "country": "BE", "commune": "Gand", "address": f"Rue {secrets.token_hex(3)}"}},
        "/api/v1/contributions/{contribution_id}/review": {"decision": "reject", "message": "non"},
        "/api/v1/admin/roles": {"email": "stranger@example.org", "role": "editor", "scope_kind": "region",
                                "scope_value": "84"},
        "/api/v1/match": {"mentions": ["Genethon"]},
        "/api/v1/account": {"language": "fr"},
        "/api/v1/messages/{thread_id}": {"body": f"Bonjour de {role}"},
        "/api/v1/messages/{thread_id}/answer": {"decision": "accept"},
        "/api/v1/messages/{thread_id}/report": {"message_id": 1, "reason": "spam"},
    }
    if path in forms:
        return {"data": forms[path]}
    if path in json_bodies:
        return {"json": json_bodies[path]}
    return {"json": {}} if method in UNSAFE else {}


def _url(path: str, world: dict, role: str, whose: str) -> str:
    actor = world["a"] if whose == "own" else world["b"]
    values = {
        "actor_id": actor,
        "change_id": world["changes"][actor],
        "contribution_id": world["contributions"][role] if whose == "own" else world["other_contribution"],
        "grant_id": world["grant"],
        **url_values(world, role, whose),
        **events_helpers.url_values(world, role, whose),
        **opportunities_helpers.url_values(world, role, whose),
        **jobboard_helpers.url_values(world, role, whose),
        **oneshop_helpers.url_values(world, role, whose),
        "thread_id": world["threads"][role] if whose == "own" else world["threads"]["other"],
    }
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: str(values.get(m.group(1), 1)), path)


def test_every_route_role_and_object(settings, db, world):
    app = create_app(settings.model_copy(update={"rate_limit_login": 10_000, "rate_limit_signup": 10_000,
                                                 "rate_limit_proposals": 10_000,
                                                 "rate_limit_messages": 10_000}))
    table = routes(app)
    unguarded = [(m, p) for m, p, r in table if action_of(m, p, r) is None]
    assert unguarded == [], f"write endpoints without a policy entry: {unguarded}"
    private_public = [(m, p) for m, p, r in table if action_of(m, p, r) == "public.read"
                      and p.startswith(PRIVATE_PREFIXES) and p not in ("/account/signup", "/account/login",
                                                                     "/account/reset", "/account/reset/confirm",
                                                                     "/account/verify", "/account/oidc/login",
                                                                     "/account/oidc/callback",
                                                                     "/notifications/unsubscribe/{token}")]
    assert private_public == [], f"private paths served without a policy: {private_public}"
    # destructive routes last (logging out or deleting ends the role's session)
    table.sort(key=lambda row: row[1] in ("/account/logout", "/account/delete"))
    leaks, blocked, errors, cells = [], [], [], 0
    clients: dict = {}
    try:
        cells = _walk(app, db, world, table, clients, leaks, blocked, errors)
    finally:
        for client, _, _ in clients.values():
            client.__exit__(None, None, None)
    print(f"\nauthorisation matrix: {len(table)} route×method, {len(ROLES)} roles, {cells} requests; "
          f"leaks {len(leaks)}, wrongly refused {len(blocked)}, server errors {len(errors)}")
    assert leaks == [], leaks
    assert errors == [], errors
    assert blocked == [], blocked


def _walk(app, db, world, table, clients, leaks, blocked, errors) -> int:
    """Every route × role × own/other object, the outcomes sorted into the lists; the requests sent."""
    cells = 0
    for method, path, route in table:
        if path.startswith(("/docs", "/redoc")) or path.endswith(".pdf"):
            continue  # the documentation pages and the PDF renderer are covered by their own tests
        action = action_of(method, path, route)
        has_object = bool(OBJECT_PARAMS & set(re.findall(r"\{(\w+)", path)))
        for role in ROLES:
            for whose in (("own", "other") if has_object else ("own",)):
                if role not in clients or (method in UNSAFE and path.startswith("/account/")):
                    # logging in, out or deleting ends the role's session: a fresh one for each
                    if role in clients:
                        clients[role][0].__exit__(None, None, None)
                    clients[role] = _client_for(app, db, role)
                client, headers, cookies = clients[role]
                client.cookies.clear()  # a login answered earlier must not change who the role is
                for name, value in cookies.items():
                    client.cookies.set(name, value)
                url = _url(path, world, role, whose)
                r = client.request(method, url, headers=headers, follow_redirects=False, **_sample(method, path, role))
                cells += 1
                own_ok, other_ok = EXPECTED[action]
                allowed = role in (own_ok if whose == "own" else other_ok)
                refused = r.status_code in (401, 403)
                if r.status_code >= 500:
                    errors.append((method, url, role, r.status_code))
                elif allowed and refused:
                    blocked.append((method, path, role, whose, r.status_code, r.text[:120]))
                elif not allowed and not refused:
                    leaks.append((method, path, role, whose, r.status_code))
    return cells

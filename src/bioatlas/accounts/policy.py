"""The authorisation policy, in one place: `can(principal, action, obj)` and the FastAPI
dependency `require(action)` that every write endpoint (and every private read) declares.

Roles: platform admin (also the holder of BIOATLAS_ADMIN_TOKEN, for scripts); editor of an
ecosystem (a region's INSEE code or a cluster's actor id); member of an actor (after a verified
claim); registered user (verified e-mail); anonymous visitor."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.accounts import audit
from bioatlas.accounts.models import RoleGrant, User
from bioatlas.core.fields import FieldError
from bioatlas.core.plugins import PolicyRule, by_name
from bioatlas.web.refusals import Refused


@dataclass(frozen=True)
class Principal:
    user_id: int | None = None
    display_name: str = ""
    is_admin: bool = False
    verified: bool = False
    via_token: bool = False
    editor_regions: frozenset[str] = field(default_factory=frozenset)
    editor_clusters: frozenset[int] = field(default_factory=frozenset)
    member_of: frozenset[int] = field(default_factory=frozenset)
    csrf: str | None = None  # the session's CSRF token (cookie sessions only)
    language: str | None = None  # the signed-in account's language
    time_zone: str | None = None  # the signed-in account's time zone (its pages' times)

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None or self.via_token

    @property
    def is_editor(self) -> bool:
        return bool(self.editor_regions or self.editor_clusters)

    @property
    def role(self) -> str:
        if self.is_admin:
            return "admin"
        if self.is_editor:
            return "editor"
        if self.member_of:
            return "member"
        return "user" if self.user_id is not None else "anonymous"


ANONYMOUS = Principal()
TOKEN_ADMIN = Principal(is_admin=True, verified=True, via_token=True, display_name="admin token")


@dataclass(frozen=True)
class ActorScope:
    """What the policy needs to know about an actor: its id, regions and clusters."""

    actor_id: int | None
    regions: frozenset[str] = frozenset()
    clusters: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Owned:
    """An object that belongs to a user (a contribution, an account), in an actor's scope."""

    owner_id: int | None
    scope: ActorScope = ActorScope(None)


def principal_for(session: Session, user: User, csrf: str | None = None) -> Principal:
    regions, clusters, members = set(), set(), set()
    for g in session.scalars(select(RoleGrant).where(RoleGrant.user_id == user.id)):
        if g.role == "editor" and g.scope_kind == "region":
            regions.add(g.scope_value)
        elif g.role == "editor" and g.scope_kind == "cluster" and g.scope_value.isdigit():
            clusters.add(int(g.scope_value))
        elif g.role == "member" and g.scope_kind == "actor" and g.scope_value.isdigit():
            members.add(int(g.scope_value))
    return Principal(
        user_id=user.id, display_name=user.display_name, is_admin=user.is_admin,
        verified=user.email_verified_at is not None, editor_regions=frozenset(regions),
        editor_clusters=frozenset(clusters), member_of=frozenset(members), csrf=csrf,
        language=user.language, time_zone=user.time_zone,
    )


def edits_scope(p: Principal, scope: ActorScope) -> bool:
    """An editor of one of the actor's regions or clusters (the cluster itself included)."""
    if p.editor_regions & scope.regions:
        return True
    return bool(p.editor_clusters & (scope.clusters | ({scope.actor_id} if scope.actor_id else set())))


def _public(p, obj):
    return True


def _user(p, obj):
    return p.user_id is not None


def _verified(p, obj):
    return p.user_id is not None and p.verified


def _admin(p, obj):
    return p.is_admin


def _editor_any(p, obj):
    return p.is_admin or (p.verified and p.is_editor)


def _edit_actor(p, obj):
    if p.is_admin:
        return True
    if not p.verified or not isinstance(obj, ActorScope):
        return False
    return obj.actor_id in p.member_of or edits_scope(p, obj)


def _moderate(p, obj):
    if p.is_admin:
        return True
    if not p.verified or not isinstance(obj, (ActorScope, Owned)):
        return False
    scope = obj.scope if isinstance(obj, Owned) else obj
    return edits_scope(p, scope)


def _read_owned(p, obj):
    return isinstance(obj, Owned) and ((p.user_id is not None and obj.owner_id == p.user_id) or _moderate(p, obj))


# The actions of the platform itself; features add theirs through the plug-in hook
# `bioatlas_policy_rules` (accounts/plugin.py hands these over the same way).
BASE_RULES = {
    "public.read": _public,
    "public.form": _public,          # anonymous forms (login, sign-up, reset): CSRF still checked
    "account.self": _user,           # one's own account: read, export, delete, log out
    "actor.claim": _verified,
    "actor.propose": _verified,      # a correction or a new actor
    "actor.edit": _edit_actor,       # members of the actor, its editors, admins
    "actor.revert": _moderate,
    "contribution.read": _read_owned,
    "contribution.review": _moderate,
    "moderation.queue": _editor_any,
    "audit.read": _admin,
    "role.grant": _admin,
    "import.run": _admin,
    "admin.write": _admin,           # other admin-only writes (e.g. observatory roadmap statuses)
}
BASE_OBJECT_ACTIONS = {"actor.edit", "actor.revert", "contribution.read", "contribution.review"}


class _Rules(Mapping):
    """Every feature's rules by action, collected from the plug-in hook on first use (not at
    import: routers declare `require(...)` while the plug-ins are being loaded)."""

    def __init__(self) -> None:
        self._rules: dict[str, PolicyRule] | None = None

    def _load(self) -> dict[str, PolicyRule]:
        if self._rules is None:
            self._rules = by_name("bioatlas_policy_rules", key="action")
        return self._rules

    def __getitem__(self, action: str):
        return self._load()[action].rule

    def __iter__(self):
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def is_object_action(self, action: str) -> bool:
        return self._load()[action].object_action


RULES = _Rules()


def base_rules() -> list[PolicyRule]:
    """The platform's own actions as plug-in policy rules (provided by accounts/plugin.py)."""
    return [PolicyRule(action=a, rule=r, object_action=a in BASE_OBJECT_ACTIONS) for a, r in BASE_RULES.items()]


def can(principal: Principal, action: str, obj: object = None) -> bool:
    rule = RULES.get(action)
    if rule is None:
        raise KeyError(f"no policy rule for action {action!r}")
    return bool(rule(principal, obj))


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def current_principal(request: Request) -> Principal:
    """The admin token (Authorization: Bearer) first, then the session loaded by the middleware."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    admin_token = request.app.state.settings.admin_token
    if scheme.lower() == "bearer" and admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
        return TOKEN_ADMIN
    return getattr(request.state, "principal", ANONYMOUS)


def refuse(request: Request, principal: Principal, action: str, status: int, message: FieldError, target=None):
    """Audit the refusal (in English), then raise it: `message` a `FieldError` (a message id with
    its params) that the JSON `detail` gives in English, its `message` and an HTML error page in the
    reader's language (a plain text, the reader's language in `detail`, is no longer taken)."""
    audit.record_now(request.app.state.sessionmaker, "refused", user_id=principal.user_id, ip=client_ip(request),
                     target=target or f"{request.method} {request.url.path}",
                     detail={"action": action, "reason": message.message})
    raise Refused(message, status=status, detail=message.message)


def authorize(request: Request, principal: Principal, action: str, obj: object = None, target: str | None = None) -> None:
    """Raise 401 (not logged in) or 403 (not allowed), logged in the audit log."""
    if can(principal, action, obj):
        return
    if not principal.authenticated:
        if action in ("import.run", "admin.write") and not request.app.state.settings.admin_token:
            refuse(request, principal, action, 403, FieldError(
                "", "writes by admin token are disabled (BIOATLAS_ADMIN_TOKEN is not set): log in as an admin"), target)
        refuse(request, principal, action, 401, FieldError(
            "", "authentication required: log in, or send `Authorization: Bearer <admin token>` for imports"), target)
    if action in ("actor.claim", "actor.propose") and not principal.verified:
        refuse(request, principal, action, 403,
               FieldError("", "verify your e-mail address first (see the link we sent you)"), target)
    refuse(request, principal, action, 403, FieldError("", "not allowed: {action}", params={"action": action}), target)


UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


async def check_csrf(request: Request, principal: Principal) -> None:
    """Unsafe requests authenticated by cookie carry the CSRF token (header X-CSRF-Token or form
    field csrf_token): the session's token when logged in, the csrf cookie otherwise."""
    if request.method not in UNSAFE or principal.via_token:
        return
    expected = principal.csrf if principal.user_id is not None else request.cookies.get("bioatlas_csrf")
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        refuse(request, principal, "csrf", 403,
               FieldError("", "invalid or missing CSRF token: reload the page and submit the form again"))


def require(action: str):
    """Dependency: the current principal, allowed to do `action` (for object actions, the
    handler then calls `authorize(..., obj)` on the object it loaded)."""
    async def dependency(request: Request) -> Principal:
        # checked on use, not at import: the rules come from every feature's plug-in
        if action not in RULES:
            raise KeyError(f"no policy rule for action {action!r}")
        principal = current_principal(request)
        if not RULES.is_object_action(action):
            authorize(request, principal, action)
        elif not principal.authenticated:
            authorize(request, principal, action)  # anonymous: refused before any lookup
        # CSRF protects ambient authority: the session's (every action but public.read, which
        # grants nothing), and the anonymous forms (login CSRF) through the csrf cookie.
        if action != "public.read" and (principal.user_id is not None or action == "public.form"):
            await check_csrf(request, principal)
        return principal

    dependency.__policy_action__ = action
    dependency.__name__ = f"require_{action.replace('.', '_')}"
    return dependency


def policy_of(route) -> str | None:
    """The action a route declares through `require(...)` (searched in its dependency tree)."""
    stack = list(getattr(route, "dependant", None) and route.dependant.dependencies or [])
    while stack:
        dep = stack.pop()
        action = getattr(dep.call, "__policy_action__", None)
        if action:
            return action
        stack.extend(dep.dependencies)
    return None


PrincipalDep = Annotated[Principal, Depends(require("public.read"))]

# Unsafe-method routes of other features that write nothing (a POST used for a large query): their
# policy entry lives here, so the authorisation matrix knows them; any other write must declare
# `require(action)`.
DECLARED = {
    ("POST", "/api/v1/match"): "public.read",  # resolve: a batch of mentions to match, read-only
}

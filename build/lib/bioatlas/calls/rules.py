"""Who may do what with calls, applications, reviews and projects (plug-in policy rules).

- call.create: editors (of any ecosystem) and admins;
- call.manage: admins, the call's named managers, editors of the call's region;
- call.apply / review.declare: verified users;
- application.read: its applicant, the call's managers; application.edit: its applicant only;
- review.score: a reviewer assigned to the application (conflicts are checked by the handler
  through `review.service` and refused with their reason);
- project.manage: admins and editors of the project's region."""

from __future__ import annotations

from dataclasses import dataclass

from bioatlas.accounts.policy import Principal
from bioatlas.calls.service import ApplicationScope, CallScope, ReviewSeat
from bioatlas.core.plugins import PolicyRule


@dataclass(frozen=True)
class ProjectScope:
    project_id: int | None
    region: str | None = None


def _create(p: Principal, obj) -> bool:
    return p.is_admin or (p.verified and p.is_editor)


def _manages(p: Principal, scope: CallScope) -> bool:
    if p.is_admin:
        return True
    if not p.verified or p.user_id is None:
        return False
    return p.user_id in scope.managers or (scope.region is not None and scope.region in p.editor_regions)


def _manage(p: Principal, obj) -> bool:
    return isinstance(obj, CallScope) and _manages(p, obj)


def _verified(p: Principal, obj) -> bool:
    return p.user_id is not None and p.verified


def _read_application(p: Principal, obj) -> bool:
    if not isinstance(obj, ApplicationScope):
        return False
    return (p.user_id is not None and obj.owner_id == p.user_id) or _manages(p, obj.call)


def _edit_application(p: Principal, obj) -> bool:
    return isinstance(obj, ApplicationScope) and p.user_id is not None and p.verified and obj.owner_id == p.user_id


def _score(p: Principal, obj) -> bool:
    return isinstance(obj, ReviewSeat) and p.user_id is not None and p.verified and p.user_id in obj.reviewers


def _manage_project(p: Principal, obj) -> bool:
    if not isinstance(obj, ProjectScope):
        return False
    return p.is_admin or (p.verified and obj.region is not None and obj.region in p.editor_regions)


RULES = [
    PolicyRule("call.create", _create),
    PolicyRule("call.manage", _manage, object_action=True),
    PolicyRule("call.apply", _verified),
    PolicyRule("review.declare", _verified),
    PolicyRule("application.read", _read_application, object_action=True),
    PolicyRule("application.edit", _edit_application, object_action=True),
    PolicyRule("review.score", _score, object_action=True),
    PolicyRule("project.manage", _manage_project, object_action=True),
]

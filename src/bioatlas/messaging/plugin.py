"""The plug-in manifest of messaging (see `core.plugins`): pages and API, `bioatlas messaging …`, tables, the policy
actions `messaging.use`, `messaging.read`, `messaging.post` and `messaging.moderate`, personal
data, the unread-messages kind and task, and the "Messages" entry of the top bar."""

from __future__ import annotations

from bioatlas.core.plugins import PageSlot, PersonalData, PolicyRule, hookimpl
from bioatlas.messaging import cli, kinds, models, service, tasks


def _use(principal, obj) -> bool:
    """Write and read one's own conversations: a signed-in user with a verified address."""
    return principal.user_id is not None and principal.verified


def _member(principal, obj) -> bool:
    """A member of the thread (admins included: they read reports, not threads)."""
    return (isinstance(obj, service.ThreadAccess) and principal.user_id is not None
            and principal.user_id in obj.member_ids)


def _post(principal, obj) -> bool:
    return _member(principal, obj) and principal.verified


def _moderate(principal, obj) -> bool:
    return principal.is_admin


@hookimpl
def bioatlas_routers():
    return ["bioatlas.messaging.api:router", "bioatlas.messaging.views:router"]


@hookimpl
def bioatlas_cli(app, import_app, console):
    cli.register(app, console)


@hookimpl
def bioatlas_models():
    return [models]


@hookimpl
def bioatlas_policy_rules():
    return [PolicyRule(action="messaging.use", rule=_use),
            PolicyRule(action="messaging.read", rule=_member, object_action=True),
            PolicyRule(action="messaging.post", rule=_post, object_action=True),
            PolicyRule(action="messaging.moderate", rule=_moderate)]


@hookimpl
def bioatlas_personal_data():
    return [PersonalData(name="messaging", export=service.export, erase=service.erase)]


@hookimpl
def bioatlas_notification_kinds():
    return [kinds.UNREAD]


@hookimpl
def bioatlas_tasks():
    return tasks.TASKS


@hookimpl
def bioatlas_page_slots():
    return [PageSlot(place="head", template="messaging/_head.html", order=60),
            PageSlot(place="header", template="messaging/_link.html", order=45),
            PageSlot(place="menu", template="messaging/_reports_link.html", order=85)]

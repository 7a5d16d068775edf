"""The plug-in manifest of notifications (see `core.plugins`): pages, `bioatlas notifications …`,
tables, the policy action `notification.self`, personal data, the digest kind, the outbox and
digest tasks, and the bell in the top bar."""

from __future__ import annotations

from bioatlas.core.plugins import PageSlot, PersonalData, PolicyRule, hookimpl
from bioatlas.notifications import cli, kinds, models, personal_data, tasks


def _signed_in(principal, obj) -> bool:
    return principal.user_id is not None


@hookimpl
def bioatlas_routers():
    return ["bioatlas.notifications.views:router"]


@hookimpl
def bioatlas_cli(app, import_app, console):
    cli.register(app, console)


@hookimpl
def bioatlas_models():
    return [models]


@hookimpl
def bioatlas_policy_rules():
    # one's own notifications and preferences; objects are checked by owner in the service (404)
    return [PolicyRule(action="notification.self", rule=_signed_in)]


@hookimpl
def bioatlas_personal_data():
    return [PersonalData(name="notifications", export=personal_data.export, erase=personal_data.erase)]


@hookimpl
def bioatlas_notification_kinds():
    return [kinds.DIGEST]


@hookimpl
def bioatlas_tasks():
    return tasks.TASKS


@hookimpl
def bioatlas_page_slots():
    return [PageSlot(place="head", template="notifications/_head.html", order=50),
            PageSlot(place="header", template="notifications/_bell.html", order=50)]

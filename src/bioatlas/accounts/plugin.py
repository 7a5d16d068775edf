"""The plug-in manifest of accounts: routes, `bioatlas accounts …`, tables (see `core.plugins`)."""

from __future__ import annotations

from bioatlas.accounts import cli, mail_kinds, models, policy
from bioatlas.core.plugins import PageSlot, hookimpl


@hookimpl
def bioatlas_routers():
    return ["bioatlas.accounts.api:router", "bioatlas.accounts.views:router"]


@hookimpl
def bioatlas_cli(app, import_app, console):
    cli.register(app, console)


@hookimpl
def bioatlas_models():
    return [models]


@hookimpl
def bioatlas_policy_rules():
    return policy.base_rules()


@hookimpl
def bioatlas_recipient(session, user_id):
    user = session.get(models.User, user_id)
    if user is None:
        return None
    return {"email": user.email, "name": user.display_name, "language": user.language or "fr",
            "time_zone": user.time_zone or "Europe/Paris"}


@hookimpl
def bioatlas_page_slots():
    return [PageSlot(place="head", template="accounts/_head.html", order=90),
            PageSlot(place="header", template="accounts/_menu.html", order=90)]


@hookimpl
def bioatlas_notification_kinds():
    return mail_kinds.KINDS

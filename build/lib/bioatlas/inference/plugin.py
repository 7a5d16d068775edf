"""The plug-in manifest of inference: `bioatlas infer capabilities`, the confirm/reject route,
the policy action `capability.judge`, the actor page's evidence (see `core.plugins`)."""

from __future__ import annotations

from bioatlas.accounts.policy import can
from bioatlas.core.plugins import PolicyRule, hookimpl
from bioatlas.inference import cli, pages, views


def _judge(principal, obj) -> bool:
    """Who may confirm or reject an inferred capability: whoever may edit the actor (its
    members, its editors, admins)."""
    return can(principal, "actor.edit", obj)


@hookimpl
def bioatlas_routers():
    return [views.router]


@hookimpl
def bioatlas_cli(app, import_app, console):
    cli.register(app, console)


@hookimpl
def bioatlas_policy_rules():
    return [PolicyRule(action="capability.judge", rule=_judge, object_action=True)]


@hookimpl
def bioatlas_actor_page(request, session, actor, changes):
    return pages.actor_page_context(request, session, actor)

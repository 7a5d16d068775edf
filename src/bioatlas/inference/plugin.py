"""The plug-in manifest of inference: `bioatlas infer capabilities`, the confirm/reject route,
the policy action `capability.judge`, the actor page's evidence, its demo step (see `core.plugins`)."""

from __future__ import annotations

from bioatlas.accounts.policy import can
from bioatlas.core.plugins import DemoStep, PolicyRule, hookimpl
from bioatlas.inference import cli, pages, service


def _judge(principal, obj) -> bool:
    """Who may confirm or reject an inferred capability: whoever may edit the actor (its
    members, its editors, admins)."""
    return can(principal, "actor.edit", obj)


@hookimpl
def bioatlas_routers():
    return ["bioatlas.inference.views:router"]


@hookimpl
def bioatlas_cli(app, import_app, console):
    cli.register(app, console)


@hookimpl
def bioatlas_policy_rules():
    return [PolicyRule(action="capability.judge", rule=_judge, object_action=True)]


@hookimpl
def bioatlas_actor_page(request, session, actor, changes):
    return pages.actor_page_context(request, session, actor)


def _demo(factory, *, taxonomies) -> dict:
    """The demo's inferred capabilities, from the registries the demo loaded (i-Lab summaries,
    RNSR names and panels): after linking (200), before the sector scope (300) that reads them."""
    report = service.infer(factory, taxonomies=taxonomies)
    return {"actors": report.outcomes.get("actors", 0), **{k: v for k, v in report.outcomes.items() if k != "actors"}}


@hookimpl
def bioatlas_demo_steps():
    return [DemoStep("inferred capabilities", _demo, order=250)]

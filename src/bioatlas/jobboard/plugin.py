"""The plug-in manifest of the job board (the sector's job offers; the `jobs` room is the task
queue): routes, table, policy action, map layer, actor-page panel, personal data, daily expiry
task, demo step (see `core.plugins`)."""

from __future__ import annotations

from bioatlas.core.plugins import DemoStep, PageSlot, PersonalData, TaskSpec, hookimpl
from bioatlas.jobboard import (
    cli,
    demo,
    layers,
    models,
    notices,
    observatory,
    pages,
    personal,
    policy,
    tasks,
)


@hookimpl
def bioatlas_routers():
    return ["bioatlas.jobboard.api:router", "bioatlas.jobboard.views:router"]


@hookimpl
def bioatlas_cli(app, import_app, console):
    cli.register(import_app, console)


@hookimpl
def bioatlas_models():
    return [models]


@hookimpl
def bioatlas_policy_rules():
    return policy.RULES


@hookimpl
def bioatlas_map_layers():
    return [layers.layer()]


@hookimpl
def bioatlas_actor_page(request, session, actor, changes):
    return pages.actor_page_context(request, session, actor)


@hookimpl
def bioatlas_personal_data():
    return [PersonalData(name="jobboard", export=personal.export, erase=personal.erase)]


@hookimpl
def bioatlas_tasks():
    return [TaskSpec(name="jobboard.close_expired", func=tasks.close_expired, schedule={"minute": "23", "hour": "2"}),
            TaskSpec(name="jobboard.remind_expiring", func=tasks.remind_expiring, schedule={"minute": "41", "hour": "7"})]


@hookimpl
def bioatlas_demo_steps():
    return [DemoStep(name="jobboard", run=demo.run, order=500)]


@hookimpl
def bioatlas_page_slots():
    return [PageSlot(place="menu", template="jobboard/_link.html", order=25)]


@hookimpl
def bioatlas_notification_kinds():
    return [notices.MATCH, notices.EXPIRING]


@hookimpl
def bioatlas_observatory_queries():
    return [observatory.QUERY]

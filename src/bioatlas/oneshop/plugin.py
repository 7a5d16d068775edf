"""The one-stop shop's plug-in manifest (see `core.plugins`): pages, tables, policy actions, the
daily reminders and retention task, notification kinds, personal data, demo step,
`bioatlas oneshop …`."""

from __future__ import annotations

from bioatlas.core.plugins import DemoStep, PageSlot, PersonalData, TaskSpec, hookimpl
from bioatlas.oneshop import cli, demo, kinds, models, observatory, personal, policy, tasks


@hookimpl
def bioatlas_routers():
    return ["bioatlas.oneshop.views:router", "bioatlas.oneshop.api:router"]


@hookimpl
def bioatlas_models():
    return [models]


@hookimpl
def bioatlas_policy_rules():
    return policy.RULES


@hookimpl
def bioatlas_notification_kinds():
    return kinds.KINDS


@hookimpl
def bioatlas_tasks():
    return [TaskSpec(name="oneshop.daily", func=tasks.daily, retries=1, schedule={"hour": "7", "minute": "0"})]


@hookimpl
def bioatlas_personal_data():
    return [PersonalData(name="oneshop", export=personal.export, erase=personal.erase)]


@hookimpl
def bioatlas_demo_steps():
    return [DemoStep(name="oneshop", run=demo.run, order=520)]


@hookimpl
def bioatlas_cli(app, import_app, console):
    cli.register(app, console)


@hookimpl
def bioatlas_page_slots():
    return [PageSlot(place="head", template="oneshop/_head.html", order=130),
            PageSlot(place="menu", template="oneshop/_link.html", order=27)]


@hookimpl
def bioatlas_observatory_queries():
    return [observatory.QUERY]

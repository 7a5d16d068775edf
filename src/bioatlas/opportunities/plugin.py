"""The plug-in manifest of partner search (opportunities): routes, tables, policy actions,
notification kinds, the observatory's figures, the daily expiry/reminder task, personal data, a top-bar link
(see `core.plugins`)."""

from __future__ import annotations

from bioatlas.core.plugins import DemoStep, PageSlot, PersonalData, hookimpl
from bioatlas.opportunities import demo, layers, models, notices, observatory, personal, policy, tasks


@hookimpl
def bioatlas_routers():
    return ["bioatlas.opportunities.api:router", "bioatlas.opportunities.views:router"]


@hookimpl
def bioatlas_models():
    return [models]


@hookimpl
def bioatlas_policy_rules():
    return policy.RULES


@hookimpl
def bioatlas_notification_kinds():
    return notices.KINDS


@hookimpl
def bioatlas_observatory_queries():
    return [observatory.QUERY]


@hookimpl
def bioatlas_tasks():
    return tasks.TASKS


@hookimpl
def bioatlas_personal_data():
    return [PersonalData(name="opportunities", export=personal.export, erase=personal.erase)]


@hookimpl
def bioatlas_page_slots():
    return [PageSlot(place="menu", template="opportunities/_link.html", order=30)]


@hookimpl
def bioatlas_demo_steps():
    return [DemoStep(name="opportunities", run=demo.run, order=500)]


@hookimpl
def bioatlas_map_layers():
    return [layers.layer()]

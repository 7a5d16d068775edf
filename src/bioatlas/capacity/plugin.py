"""The plug-in manifest of capacity (the offer directory of CDMOs, platforms and integrators):
routes, table, policy actions, map layer, actor-page panel, personal data, demo step
(see `core.plugins`)."""

from __future__ import annotations

from bioatlas.capacity import demo, layers, models, notices, pages, personal, policy
from bioatlas.core.plugins import DemoStep, PageSlot, PersonalData, hookimpl


@hookimpl
def bioatlas_routers():
    return ["bioatlas.capacity.api:router", "bioatlas.capacity.views:router"]


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
    return [PersonalData(name="capacity", export=personal.export, erase=personal.erase)]


@hookimpl
def bioatlas_demo_steps():
    return [DemoStep(name="capacity", run=demo.run, order=300)]


@hookimpl
def bioatlas_page_slots():
    return [PageSlot(place="head", template="capacity/_head.html", order=20),
            PageSlot(place="menu", template="capacity/_link.html", order=20)]


@hookimpl
def bioatlas_notification_kinds():
    return [notices.REVIEWED]

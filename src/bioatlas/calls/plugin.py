"""The plug-in manifest of calls: pages, tables, policy rules, notifications, personal data, the
observatory's figures (calls, portfolio), the actor page's laureate line and the demo's deeptech
challenge and portfolio."""

from __future__ import annotations

from bioatlas.calls import cli, demo, models, notices, observatory, personal, rules, service
from bioatlas.core.plugins import DemoStep, PageSlot, PersonalData, hookimpl


@hookimpl
def bioatlas_routers():
    # the fixed paths (/calls/new, /applications/mine) before the numbered ones
    return [
        "bioatlas.calls.api_portfolio:router", "bioatlas.calls.api:router", "bioatlas.calls.api_manage:router",
        "bioatlas.calls.pages_editor:router", "bioatlas.calls.pages_applicant:router",
        "bioatlas.calls.pages_public:router", "bioatlas.calls.pages_jury:router",
    ]


@hookimpl
def bioatlas_cli(app, import_app, console):
    cli.register(app, console)


@hookimpl
def bioatlas_models():
    return [models]


@hookimpl
def bioatlas_policy_rules():
    return rules.RULES


@hookimpl
def bioatlas_notification_kinds():
    return [notices.RESULT]


@hookimpl
def bioatlas_observatory_queries():
    return [observatory.CALLS, observatory.PORTFOLIO]


@hookimpl
def bioatlas_roadmap_projects(session, code):
    return service.projects_for_roadmap(session, code=code)


@hookimpl
def bioatlas_personal_data():
    return [PersonalData(name="applications", export=personal.export_user, erase=personal.erase_user)]


@hookimpl
def bioatlas_actor_page(request, session, actor, changes):
    return {"call_laureate_of": service.laureate_calls_of_actor(session, actor_id=actor.id)}


@hookimpl
def bioatlas_page_slots():
    return [PageSlot(place="head", template="calls/_head.html", order=120),
            PageSlot(place="menu", template="calls/_link.html", order=25)]


@hookimpl
def bioatlas_demo_steps():
    return [DemoStep(name="calls", run=demo.run, order=500)]

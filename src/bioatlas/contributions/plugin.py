"""The plug-in manifest of contributions: routes, tables (see `core.plugins`)."""

from __future__ import annotations

from bioatlas.contributions import forms, models, notices, personal
from bioatlas.core.plugins import PageSlot, PersonalData, hookimpl


@hookimpl
def bioatlas_routers():
    return [
        "bioatlas.contributions.api:router", "bioatlas.contributions.views:router",
        "bioatlas.contributions.site_views:router",
    ]


@hookimpl
def bioatlas_models():
    return [models]


@hookimpl
def bioatlas_personal_data():
    return [PersonalData(name="contributions", export=personal.export, erase=personal.erase)]


@hookimpl
def bioatlas_actor_page(request, session, actor, changes):
    return forms.actor_page_context(request, session, actor, changes)


@hookimpl
def bioatlas_notification_kinds():
    return [notices.REVIEWED]


@hookimpl
def bioatlas_page_slots():
    return [PageSlot(place="actors", template="contributions/_propose_new.html", order=50)]

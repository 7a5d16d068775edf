"""The events room's plug-in manifest (see `core.plugins`): pages, tables, policy actions, the
scheduling task, the venues' map layer, personal data, demo step, `bioatlas events …`."""

from __future__ import annotations

from bioatlas.core.plugins import DemoStep, PersonalData, TaskSpec, hookimpl
from bioatlas.events import (
    booth_models, booths, cli, demo, layers, models, notices, observatory, personal, pitch_models, pitches, policy,
    speakers, tasks,
)


@hookimpl
def bioatlas_routers():
    return [
        "bioatlas.events.views:router", "bioatlas.events.views_meetings:router",
        "bioatlas.events.views_organise:router", "bioatlas.events.views_programme:router",
        "bioatlas.events.views_manage:router", "bioatlas.events.views_badges:router",
        "bioatlas.events.views_pitches:router", "bioatlas.events.views_booths:router",
    ]


@hookimpl
def bioatlas_models():
    return [models, pitch_models, booth_models]


@hookimpl
def bioatlas_policy_rules():
    return policy.RULES


@hookimpl
def bioatlas_tasks():
    return [TaskSpec(name="events.schedule", func=tasks.schedule, retries=0)]


@hookimpl
def bioatlas_notification_kinds():
    return [notices.REGISTRATION, notices.BOOTH, notices.PITCH, notices.PROGRAMME, notices.BOOTH_FREE]


@hookimpl
def bioatlas_observatory_queries():
    return [observatory.QUERY]


@hookimpl
def bioatlas_map_layers():
    return [layers.layer()]


@hookimpl
def bioatlas_personal_data():
    return [PersonalData(name="events", export=personal.export, erase=personal.erase),
            PersonalData(name="event_pitches", export=pitches.export_user, erase=pitches.erase_user),
            PersonalData(name="event_booths", export=booths.export_user, erase=booths.erase_user),
            PersonalData(name="event_speakers", export=speakers.export_user, erase=speakers.erase_user)]


@hookimpl
def bioatlas_demo_steps():
    return [DemoStep(name="events", run=demo.run, order=500)]


@hookimpl
def bioatlas_cli(app, import_app, console):
    cli.register(app, console)

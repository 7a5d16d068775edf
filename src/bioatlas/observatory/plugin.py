"""The plug-in manifest of the observatory: routes, `bioatlas observatory …`, tables, the factsheet
listener and task (see `core.plugins`)."""

from __future__ import annotations

from bioatlas.observatory import cli, factsheet_sync, models, tasks
from bioatlas.core.plugins import TaskSpec, hookimpl


@hookimpl
def bioatlas_routers():
    return ["bioatlas.observatory.api:router", "bioatlas.observatory.views:router"]


@hookimpl
def bioatlas_cli(app, import_app, console):
    cli.register(app, console)


@hookimpl
def bioatlas_models():
    return [models]


@hookimpl
def bioatlas_commit_listeners():
    return [factsheet_sync.LISTENER]


@hookimpl
def bioatlas_tasks():
    return [TaskSpec(name=factsheet_sync.TASK, func=tasks.refresh_factsheets, retries=2, retry_delay=60)]

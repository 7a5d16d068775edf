"""The atlas's plug-in manifest (see `core.plugins`): its routes ("/" first), tables, change log
listener, map warm-up, the `bioatlas scope` commands and the sector scope's demo step."""

from __future__ import annotations

from bioatlas.atlas import changelog, content_version, models, scope_cli, warm
from bioatlas.core.plugins import DemoStep, hookimpl


@hookimpl
def bioatlas_routers():
    return ["bioatlas.atlas.api:router", "bioatlas.atlas.views:router"]


@hookimpl
def bioatlas_models():
    return [models]


@hookimpl
def bioatlas_commit_listeners():
    return [changelog.LISTENER, content_version.LISTENER]


@hookimpl
def bioatlas_warm(sessions, settings):
    warm.warm(sessions, settings)


@hookimpl
def bioatlas_save_indexes(sessions, settings):
    return warm.save(sessions, settings)


@hookimpl
def bioatlas_cli(app, import_app, console):
    scope_cli.register(app, console)


@hookimpl
def bioatlas_demo_steps():
    # after the sources (100) and their linking (200): the scope reads whatever they loaded
    return [DemoStep(name="sector_scope", run=scope_cli.demo_step, order=300)]

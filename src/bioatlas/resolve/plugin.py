"""The plug-in manifest of organisation resolution: routes, `bioatlas match|duplicates`, tables, resolver warm-up (see `core.plugins`)."""

from __future__ import annotations

from bioatlas.resolve import api, cli, models, views, warm
from bioatlas.core.plugins import hookimpl


@hookimpl
def bioatlas_routers():
    return [api.router, views.router]


@hookimpl
def bioatlas_cli(app, import_app, console):
    cli.register(app, console)


@hookimpl
def bioatlas_models():
    return [models]


@hookimpl
def bioatlas_warm(sessions, settings):
    warm.warm(sessions, settings)

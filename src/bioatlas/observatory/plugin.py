"""The plug-in manifest of the observatory: routes, `bioatlas observatory …`, tables (see `core.plugins`)."""

from __future__ import annotations

from bioatlas.observatory import api, cli, models, views
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

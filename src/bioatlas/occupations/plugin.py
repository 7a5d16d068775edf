"""The plug-in manifest of ROME occupations: API, tables (see `core.plugins`)."""

from __future__ import annotations

from bioatlas.occupations import cli, models
from bioatlas.core.plugins import hookimpl


@hookimpl
def bioatlas_routers():
    return ["bioatlas.occupations.api:router"]


@hookimpl
def bioatlas_models():
    return [models]


@hookimpl
def bioatlas_cli(app, import_app, console):
    cli.register(import_app, console)

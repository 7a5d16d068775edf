"""The plug-in manifest of EMA medicines: API, tables, the map layer of the holders' sites, the
observatory's EMA and "made in" figures (see `core.plugins`)."""

from __future__ import annotations

from bioatlas.products import cli, layers, models, observatory
from bioatlas.core.plugins import hookimpl


@hookimpl
def bioatlas_routers():
    return ["bioatlas.products.api:router"]


@hookimpl
def bioatlas_models():
    return [models]


@hookimpl
def bioatlas_map_layers():
    return [layers.LAYER]


@hookimpl
def bioatlas_cli(app, import_app, console):
    cli.register(import_app, console)


@hookimpl
def bioatlas_observatory_queries():
    return observatory.QUERIES

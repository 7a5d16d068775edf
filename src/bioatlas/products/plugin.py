"""The plug-in manifest of EMA medicines: API, tables (see `core.plugins`)."""

from __future__ import annotations

from bioatlas.products import api, models
from bioatlas.core.plugins import hookimpl


@hookimpl
def bioatlas_routers():
    return [api.router]


@hookimpl
def bioatlas_models():
    return [models]

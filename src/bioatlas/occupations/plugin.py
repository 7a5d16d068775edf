"""The plug-in manifest of ROME occupations: API, tables (see `core.plugins`)."""

from __future__ import annotations

from bioatlas.occupations import api, models
from bioatlas.core.plugins import hookimpl


@hookimpl
def bioatlas_routers():
    return [api.router]


@hookimpl
def bioatlas_models():
    return [models]

"""The atlas's plug-in manifest (see `core.plugins`): its routes ("/" first), tables, change log
listener and map warm-up."""

from __future__ import annotations

from bioatlas.atlas import api, changelog, content_version, models, views, warm
from bioatlas.core.plugins import hookimpl


@hookimpl
def bioatlas_routers():
    return [api.router, views.router]


@hookimpl
def bioatlas_models():
    return [models]


@hookimpl
def bioatlas_commit_listeners():
    return [changelog.LISTENER, content_version.LISTENER]


@hookimpl
def bioatlas_warm(sessions, settings):
    warm.warm(sessions, settings)

"""The events room's plug-in manifest (see `core.plugins`): `bioatlas events …`."""

from __future__ import annotations

from bioatlas.core.plugins import hookimpl
from bioatlas.events import cli


@hookimpl
def bioatlas_cli(app, import_app, console):
    cli.register(app, console)

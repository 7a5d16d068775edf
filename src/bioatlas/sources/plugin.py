"""The plug-in manifest of the open-data connectors (see `core.plugins`): each
`sources/<name>_cli.py` adds `bioatlas import <name>`."""

from __future__ import annotations

from bioatlas.core.plugins import hookimpl
from bioatlas.sources import ema_cli, rome_cli, ror_cli, sirene_cli


@hookimpl
def bioatlas_cli(app, import_app, console):
    for module in (ema_cli, rome_cli, ror_cli, sirene_cli):
        module.register(import_app, console)

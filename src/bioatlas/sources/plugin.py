"""The plug-in manifest of the open-data connectors (see `core.plugins`): each
`sources/<name>_cli.py` that loads into the atlas adds `bioatlas import <name>`; the rooms that
load a source into their own tables (products: EMA, occupations: ROME) register its command."""

from __future__ import annotations

from bioatlas.core.plugins import hookimpl
from bioatlas.sources import ilab_cli, irep_cli, rnsr_cli, ror_cli, sirene_cli, transparence_sante_cli


@hookimpl
def bioatlas_cli(app, import_app, console):
    for module in (ilab_cli, irep_cli, rnsr_cli, ror_cli, sirene_cli, transparence_sante_cli):
        module.register(import_app, console)

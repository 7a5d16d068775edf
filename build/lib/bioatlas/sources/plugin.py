"""The plug-in manifest of the open-data connectors (see `core.plugins`): each
`sources/<name>_cli.py` that loads into the atlas adds `bioatlas import <name>`; the rooms that
load a source into their own tables (products: EMA, occupations: ROME) register its command.
Its demo step (order 100) loads the sector part of RNSR, i-Lab, IREP and Transparence-Santé."""

from __future__ import annotations

from bioatlas.core.plugins import DemoStep, hookimpl
from bioatlas.sources import demo, ilab_cli, irep_cli, rnsr_cli, ror_cli, sirene_cli, transparence_sante_cli


@hookimpl
def bioatlas_cli(app, import_app, console):
    for module in (ilab_cli, irep_cli, rnsr_cli, ror_cli, sirene_cli, transparence_sante_cli):
        module.register(import_app, console)


@hookimpl
def bioatlas_demo_steps():
    return [DemoStep("registries", demo.load_registries, order=100)]
